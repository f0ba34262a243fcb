"""IoTDA front door: authentication, project check, routing, JSON answers with X-Request-Id."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Optional
from urllib.parse import unquote

from iotpki_sim.iotda import ca, device_certs, devices
from iotpki_sim.iotda.errors import IotdaError, bad_json, invalid_input
from iotpki_sim.core.ids import request_id
from iotpki_sim.iotda.auth import AuthPolicy, AuthResult, authenticate
from iotpki_sim.iotda.store import IotdaStore
from iotpki_sim.state import SimState
from iotpki_sim.core.web import BadJson, Outcome, Request, json_response

_PREFIX_RE = re.compile(r"^/v5/iot/(?P<project>[^/]+)(?P<rest>/.*)?$")
Handler = Callable[..., "tuple[int, Any]"]
_ROUTES: list[tuple[str, re.Pattern, Handler]] = [
    ("GET", re.compile(r"^/certificates$"), ca.list_cas),
    ("POST", re.compile(r"^/certificates$"), ca.upload),
    ("GET", re.compile(r"^/certificates/(?P<cid>[^/]+)$"), ca.show),
    ("PUT", re.compile(r"^/certificates/(?P<cid>[^/]+)$"), ca.update),
    ("DELETE", re.compile(r"^/certificates/(?P<cid>[^/]+)$"), ca.delete),
    ("POST", re.compile(r"^/certificates/(?P<cid>[^/]+)/action$"), ca.verify),
    ("GET", re.compile(r"^/device-certificates$"), device_certs.list_certs),
    ("GET", re.compile(r"^/device-certificates/(?P<cid>[^/]+)$"), device_certs.show),
    ("PUT", re.compile(r"^/device-certificates/(?P<cid>[^/]+)$"), device_certs.update),
    ("DELETE", re.compile(r"^/device-certificates/(?P<cid>[^/]+)$"), device_certs.delete),
    ("POST", re.compile(r"^/device-certificates/(?P<cid>[^/]+)/list-device$"), device_certs.list_devices),
    ("GET", re.compile(r"^/devices/(?P<device_id>[^/]+)$"), devices.show),
    ("POST", re.compile(r"^/devices/(?P<device_id>[^/]+)/reset-fingerprint$"), devices.reset_fingerprint),
]


@dataclasses.dataclass
class Context:
    """What a route handler needs; handlers run with state.lock held."""

    state: SimState
    req: Request

    @property
    def store(self) -> IotdaStore:
        """The IoTDA records."""
        return self.state.iotda

    def body_object(self, required: bool = True) -> dict[str, Any]:
        """The JSON body as an object (IOTDA.000008 when malformed, IOTDA.000006 when not an object)."""
        try:
            body = self.req.json()
        except BadJson:
            raise bad_json() from None
        if body is None and not required:
            return {}
        if not isinstance(body, dict):
            raise invalid_input("The request body must be a JSON object.")
        return body


def policy(state: SimState) -> AuthPolicy:
    """The authentication policy from the current settings."""
    return AuthPolicy(credentials=state.credentials, mode=state.config["iotda_mode"],
                      max_skew=state.config["max_skew_seconds"])


def check_auth(state: SimState, req: Request) -> AuthResult:
    """Authenticate without side effects (also used to label faulted requests)."""
    return authenticate(req.method, req.target, req.headers, req.body, policy(state))


def _route(method: str, rest: str) -> Optional[tuple[Handler, dict[str, str]]]:
    for route_method, pattern, handler in _ROUTES:
        found = pattern.match(rest)
        if found and route_method == method:
            return handler, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def _dispatch(state: SimState, req: Request) -> tuple[int, Any]:
    prefix = _PREFIX_RE.match(req.path)
    found = _route(req.method, prefix.group("rest") or "") if prefix else None
    if not prefix or not found:
        raise IotdaError(404, "APIGW.0101", "The API does not exist or has not been published in the environment.",
                         gateway=True)
    project = unquote(prefix.group("project"))
    header_project = req.headers.get("x-project-id")
    if project != state.credentials.iotda_project_id or header_project not in (None, project):
        raise IotdaError(403, "IOTDA.000021", "Forbidden. The project_id does not belong to the authenticated user.")
    handler, params = found
    with state.lock:
        return handler(Context(state=state, req=req), **params)


def handle(state: SimState, req: Request) -> Outcome:
    """Answer one IoTDA request."""
    req_id = request_id()
    headers = [("X-Request-Id", req_id)]
    auth = check_auth(state, req)
    try:
        if auth.error:
            raise auth.error
        status, body = _dispatch(state, req)
    except IotdaError as exc:
        return Outcome(json_response(exc.status, exc.body(req_id), headers, code=exc.code), auth.label, auth.temporary)
    return Outcome(json_response(status, body, headers), auth.label, auth.temporary)
