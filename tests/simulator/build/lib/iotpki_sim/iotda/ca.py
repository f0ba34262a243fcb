"""IoTDA CA certificate endpoints: upload, list, show, verify, update, delete."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, Optional

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import NameOID

from iotpki_sim.core import x509util
from iotpki_sim.iotda.errors import IotdaError, invalid_input
from iotpki_sim.core.ids import iotda_date, now_utc
from iotpki_sim.iotda.store import CaRecord
from iotpki_sim.iotda.paging import paginate, parse_page

if TYPE_CHECKING:
    from iotpki_sim.iotda.api import Context
    from iotpki_sim.state import SimState

_APP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_BOOL_FIELDS = ("provision_enable", "ocsp_enable", "ocsp_ssl_enable")
_ID_FIELDS = ("template_id", "ocsp_server_ca_id")


def not_found() -> IotdaError:
    """404 for an unknown CA certificate ID."""
    return IotdaError(404, "IOTDA.014300", "The certificate does not exist.")


def invalid_content() -> IotdaError:
    """400 IOTDA.014301."""
    return IotdaError(400, "IOTDA.014301", "Invalid certificate content.")


def check_app_id(app_id: Any) -> Optional[str]:
    """None or a valid resource-space ID (<= 36 of [A-Za-z0-9_-]); else IOTDA.000006."""
    if app_id is not None and (not isinstance(app_id, str) or not _APP_ID_RE.match(app_id)):
        raise invalid_input("'app_id' must be 1-36 characters of letters, digits, '_' and '-'.")
    return app_id


def build_record(state: "SimState", cert: x509.Certificate, app_id: Optional[str], verified: bool = False) -> CaRecord:
    """A new CA record with a fresh ID and verify code (the caller inserts it)."""
    subject = cert.subject
    return CaRecord(
        certificate_id=state.ids.next(), pem=x509util.pem_of(cert), der=x509util.der_of(cert), app_id=app_id,
        cn_name=x509util.common_name(subject),
        owner=x509util.name_attr(subject, NameOID.ORGANIZATION_NAME) or x509util.common_name(subject),
        verify_code=str(uuid.uuid4()), create_date=iotda_date(now_utc()),
        effective_date=iotda_date(x509util.not_before(cert)), expiry_date=iotda_date(x509util.not_after(cert)),
        status=verified)


def _content(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not 1 <= len(value) <= 65535:
        raise invalid_input("'%s' is required (a PEM string of 1-65535 characters)." % key)
    return value


def _record(ctx: "Context", cid: str) -> CaRecord:
    record = ctx.store.cas.get(cid)
    if record is None:
        raise not_found()
    return record


def upload(ctx: "Context") -> tuple[int, Any]:
    """POST /certificates."""
    body = ctx.body_object()
    content = _content(body, "content")
    app_id = check_app_id(body.get("app_id"))
    try:
        cert = x509util.load_pem_certificate(content)
    except ValueError:
        raise invalid_content() from None
    quota = ctx.state.config["iotda_ca_quota"]
    if len(ctx.store.cas) >= quota:
        raise IotdaError(400, "IOTDA.014303", "certificate count reached the limit (%d)" % quota)
    if ctx.state.config["iotda_duplicate_upload"] == "reject" and ctx.store.find_ca_by_der(x509util.der_of(cert)):
        raise IotdaError(400, "IOTDA.014305", "certificate already exists")
    record = build_record(ctx.state, cert, app_id)
    ctx.store.cas.add(record.certificate_id, record)
    return 201, record.api()


def list_cas(ctx: "Context") -> tuple[int, Any]:
    """GET /certificates."""
    query = ctx.req.query
    page = parse_page(query)
    app_id = query.get("app_id") or None
    ids = ctx.store.cas.select((lambda r: r.app_id == app_id) if app_id else None)
    chosen, info = paginate(ids, page)
    return 200, {"certificates": [ctx.store.cas.rows[i].api() for i in chosen], "page": info}


def show(ctx: "Context", cid: str) -> tuple[int, Any]:
    """GET /certificates/{id} (adds name and content)."""
    return 200, _record(ctx, cid).api(show=True)


def delete(ctx: "Context", cid: str) -> tuple[int, Any]:
    """DELETE /certificates/{id}."""
    if not ctx.store.cas.remove(cid):
        raise not_found()
    return 204, None


def verify(ctx: "Context", cid: str) -> tuple[int, Any]:
    """POST /certificates/{id}/action?action_id=verify: CN == verify_code and signed by the CA."""
    if ctx.req.query.get("action_id") != "verify":
        raise invalid_input("'action_id' must be 'verify'.")
    record = _record(ctx, cid)
    content = _content(ctx.body_object(), "verify_content")
    try:
        proof = x509util.load_pem_certificate(content)
    except ValueError:
        raise invalid_content() from None
    failed = IotdaError(400, "IOTDA.014307", "Operation not allowed. The certificates verify verifyCode failed")
    if x509util.common_name(proof.subject) != record.verify_code:
        raise failed
    try:
        proof.verify_directly_issued_by(x509.load_der_x509_certificate(record.der))
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        raise failed from None
    record.status = True
    return 200, None


def _changes(body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in _BOOL_FIELDS:
        if key in body:
            if not isinstance(body[key], bool):
                raise invalid_input("'%s' must be true or false." % key)
            changes[key] = body[key]
    for key in _ID_FIELDS:
        if key in body:
            value = body[key]
            if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= 256):
                raise invalid_input("'%s' must be a non-empty string or null." % key)
            changes[key] = value
    return changes


def update(ctx: "Context", cid: str) -> tuple[int, Any]:
    """PUT /certificates/{id}: provisioning and OCSP settings (not in the basic edition)."""
    if ctx.state.config["iotda_mode"] == "basic":
        raise IotdaError(403, "IOTDA.000022", "The user does not have the permission. "
                         "Updating CA certificates is not supported in the basic edition.")
    record = _record(ctx, cid)
    changes = _changes(ctx.body_object())
    merged = {key: changes.get(key, getattr(record, key)) for key in _BOOL_FIELDS + _ID_FIELDS}
    if (merged["provision_enable"] or merged["ocsp_enable"]) and not record.status:
        raise invalid_input("The CA certificate must be verified before provisioning or OCSP can be enabled.")
    if merged["provision_enable"] and not merged["template_id"]:
        raise invalid_input("'provision_enable' requires a 'template_id'.")
    if merged["ocsp_ssl_enable"] and ctx.store.cas.get(merged["ocsp_server_ca_id"] or "") is None:
        raise invalid_input("'ocsp_ssl_enable' requires 'ocsp_server_ca_id' to name an existing CA certificate.")
    for key, value in changes.items():
        setattr(record, key, value)
    return 200, record.api()
