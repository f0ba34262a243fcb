"""IoTDA device certificate endpoints: list, show, update status, delete, list devices using one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from iotpki_sim.iotda.errors import IotdaError, invalid_input
from iotpki_sim.iotda.devices import FINGERPRINT_RE, canonical
from iotpki_sim.iotda.store import DeviceCertRecord, DeviceRecord
from iotpki_sim.iotda.paging import paginate, parse_page

if TYPE_CHECKING:
    from iotpki_sim.iotda.api import Context

STATUSES = ("ACTIVE", "INACTIVE")


def _record(ctx: "Context", cid: str) -> DeviceCertRecord:
    record = ctx.store.device_certs.get(cid)
    if record is None:
        raise IotdaError(404, "IOTDA.014300", "The device certificate does not exist.")
    return record


def _filter(prefix: str, fingerprint: str) -> Optional[Callable[[DeviceCertRecord], bool]]:
    """The list filter: CN prefix and SHA-256/SHA-1 fingerprint (None when there is nothing to filter)."""
    if not prefix and not fingerprint:
        return None

    def keep(rec: DeviceCertRecord) -> bool:
        return rec.common_name.startswith(prefix) and (
            not fingerprint or fingerprint in (rec.fingerprint, rec.fingerprint_sha1))
    return keep


def list_certs(ctx: "Context") -> tuple[int, Any]:
    """GET /device-certificates with common_name prefix and fingerprint filters."""
    query = ctx.req.query
    page = parse_page(query)
    prefix = query.get("common_name") or ""
    fingerprint = (query.get("fingerprint") or "").upper()
    if len(prefix) > 32:
        raise invalid_input("'common_name' must be at most 32 characters.")
    if fingerprint and not FINGERPRINT_RE.match(fingerprint):
        raise invalid_input("'fingerprint' must be 40 or 64 hexadecimal characters.")
    chosen, info = paginate(ctx.store.device_certs.select(_filter(prefix, fingerprint)), page)
    rows = ctx.store.device_certs.rows
    return 200, {"device_certificates": [rows[i].api() for i in chosen], "page": info}


def show(ctx: "Context", cid: str) -> tuple[int, Any]:
    """GET /device-certificates/{id} (with certificate_pem)."""
    return 200, _record(ctx, cid).api(show=True)


def update(ctx: "Context", cid: str) -> tuple[int, Any]:
    """PUT /device-certificates/{id} with {"status": "ACTIVE"|"INACTIVE"}."""
    record = _record(ctx, cid)
    status = ctx.body_object().get("status")
    if status not in STATUSES:
        raise invalid_input("'status' must be ACTIVE or INACTIVE.")
    record.status = status
    return 200, record.api(show=True)


def delete(ctx: "Context", cid: str) -> tuple[int, Any]:
    """DELETE /device-certificates/{id}."""
    if not ctx.store.device_certs.remove(cid):
        raise IotdaError(404, "IOTDA.014300", "The device certificate does not exist.")
    return 204, None


def list_devices(ctx: "Context", cid: str) -> tuple[int, Any]:
    """POST /device-certificates/{id}/list-device: devices whose primary (or, by setting, secondary)
    fingerprint is this certificate's SHA-256 or SHA-1, compared without colons and case."""
    record = _record(ctx, cid)
    page = parse_page(ctx.body_object(required=False))
    wanted = (record.fingerprint, record.fingerprint_sha1)
    secondary = ctx.state.config["iotda_list_device_secondary"]

    def uses(device: DeviceRecord) -> bool:
        return canonical(device.fingerprint) in wanted or (
            secondary and canonical(device.secondary_fingerprint) in wanted)
    ids = ctx.store.devices.select(uses)
    chosen, info = paginate(ids, page)
    return 200, {"devices": [ctx.store.devices.rows[i].api() for i in chosen], "page": info}
