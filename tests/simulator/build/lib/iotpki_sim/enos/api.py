"""EnOS connect-service front door: /connect-service/v2.0/certificates (list, apply, renew, revoke) and the CA URLs."""

from __future__ import annotations

import time
from typing import Any, Callable

from iotpki_sim.enos import issue
from iotpki_sim.core import pki
from iotpki_sim.enos.auth import authenticate
from iotpki_sim.enos.common import EnosContext, bound_cert, cert_sn, envelope, int_field
from iotpki_sim.enos.store import REVOKE_REASONS
from iotpki_sim.enos.errors import EnosError, enos_invalid
from iotpki_sim.core.ids import request_id
from iotpki_sim.state import SimState
from iotpki_sim.core.web import BadJson, Outcome, Request, Response

CERT_PATH = "/connect-service/v2.0/certificates"
CA_PATHS = {"/enos/CA/cacert": "ECC", "/enos/CA/cacert/RSA": "RSA"}


def list_certs(ctx: EnosContext) -> Any:
    """action=list: every certificate bound to the device (status computed now)."""
    config = ctx.state.config
    return [cert.api(ctx.now_ms, config["enos_list_cert_field"], config["enos_effective_date_key"])
            for cert in ctx.store.certs_of(ctx.device.asset_id)]


def revoke(ctx: EnosContext) -> Any:
    """action=revoke: certSn and reason from the body (query as fallback); data is null."""
    serial = cert_sn(ctx)
    reason = int_field("reason", ctx.field("reason"))
    reason = 0 if reason is None else reason
    if reason not in REVOKE_REASONS:
        raise enos_invalid("Invalid Argument reason:reason %d is invalid" % reason)
    cert = bound_cert(ctx, serial)
    status = cert.status(ctx.now_ms)
    if status != 0:
        detail = "certificate %d has been revoked" % serial if status == 1 else "certificate %d has expired" % serial
        raise enos_invalid("Revoke cert is failed!message: certificate already revoked, detail message: " + detail)
    cert.revoked = True
    cert.revoker = ctx.app_key
    cert.revoke_reason = REVOKE_REASONS[reason]


ACTIONS: dict[str, Callable[[EnosContext], Any]] = {
    "list": list_certs, "revoke": revoke, "apply": issue.apply, "renew": issue.renew,
}


def _body(req: Request) -> dict[str, Any]:
    try:
        body = req.json()
    except BadJson:
        raise enos_invalid("Invalid Argument body:the request body is not valid JSON") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise enos_invalid("Invalid Argument body:the request body must be a JSON object")
    return body


def _dispatch(state: SimState, req: Request, app_key: str) -> Any:
    query = req.query
    action = query.get("action")
    if not action:
        raise enos_invalid("Invalid Argument action:action is missing")
    if action not in ACTIONS:
        raise enos_invalid("Invalid Argument action:action %s is invalid" % action)
    wanted = "GET" if action == "list" else "POST"
    if req.method != wanted:
        raise enos_invalid("Invalid Argument action:action %s requires %s" % (action, wanted))
    org_id = query.get("orgId")
    if not org_id:
        raise enos_invalid("Invalid Argument orgId:orgId is missing")
    if org_id != state.credentials.enos_org_id:
        raise EnosError(99403, "Denied resource:  orgId %s" % org_id)
    asset_id, product_key, device_key = query.get("assetId"), query.get("productKey"), query.get("deviceKey")
    if not asset_id and not (product_key and device_key):
        raise enos_invalid("invalid argument: The device identifier is invalid")
    body = _body(req) if wanted == "POST" else {}
    with state.lock:
        device = state.enos.find_device(asset_id, product_key, device_key)
        if device is None or device.org_id != org_id:
            raise EnosError(11404, "The device cannot be found")
        ctx = EnosContext(state=state, device=device, body=body, query=query, app_key=app_key,
                          now_ms=int(time.time() * 1000),
                          base_url="%s://%s" % (req.scheme, req.headers.get("host", "127.0.0.1")))
        return ACTIONS[action](ctx)


def check_auth_label(state: SimState, req: Request) -> str:
    """The auth label of a request, without acting on it (for faulted requests)."""
    if req.path != CERT_PATH:
        return "none"
    return authenticate(state, req).label


def handle(state: SimState, req: Request) -> Outcome:
    """Answer one EnOS request; business errors are HTTP 200 with a non-zero code."""
    req_id = request_id()
    if req.path in CA_PATHS and req.method == "GET":
        pem = pki.enos_ca(CA_PATHS[req.path]).pem.encode("ascii")
        return Outcome(Response(status=200, body=pem, headers=[("Content-Type", "application/x-pem-file")]))
    if req.path != CERT_PATH:
        return Outcome(envelope(404, 99404, "object not found: %s" % req.path, req_id))
    auth = authenticate(state, req)
    try:
        if auth.error:
            raise auth.error
        data = _dispatch(state, req, auth.app_key)
    except EnosError as exc:
        return Outcome(envelope(exc.http_status, exc.code, exc.msg, req_id, exc.data), auth.label)
    return Outcome(envelope(200, 0, "OK", req_id, data), auth.label)
