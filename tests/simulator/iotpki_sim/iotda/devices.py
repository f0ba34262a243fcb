"""IoTDA devices: show a device, reset one of its fingerprints (reference iotda-api.md section 11)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from iotpki_sim.core.ids import now_utc
from iotpki_sim.iotda.errors import IotdaError, invalid_input
from iotpki_sim.iotda.store import DeviceRecord

if TYPE_CHECKING:
    from iotpki_sim.iotda.api import Context

DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
FINGERPRINT_RE = re.compile(r"^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")
FINGERPRINT_TYPES = {"PRIMARY": "fingerprint", "SECONDARY": "secondary_fingerprint"}


def canonical(fingerprint: Any) -> str:
    """Colons removed, upper case ('' for an empty slot): how list-device compares."""
    return (fingerprint or "").replace(":", "").upper()


def status_time() -> str:
    """connection_status_update_time / active_time format: yyyy-MM-dd'T'HH:mm:ss.SSS'Z'."""
    now = now_utc()
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def _device(ctx: "Context", device_id: str) -> DeviceRecord:
    if not DEVICE_ID_RE.match(device_id):
        raise invalid_input("'device_id' must be 1-128 letters, digits, '_' or '-'.")
    device = ctx.store.device(device_id)
    if device is None:
        raise IotdaError(404, "IOTDA.014000", "The device does not exist.")
    return device


def show(ctx: "Context", device_id: str) -> tuple[int, Any]:
    """GET /devices/{device_id}: the device object, secrets in clear."""
    return 200, _device(ctx, device_id).show(ctx.state.config["iotda_cleared_fingerprint"])


def reset_fingerprint(ctx: "Context", device_id: str) -> tuple[int, Any]:
    """POST /devices/{device_id}/reset-fingerprint: writes one slot; no fingerprint (or null, "") clears it."""
    device = _device(ctx, device_id)
    body = ctx.body_object(required=False)
    slot_type = body.get("fingerprint_type", "PRIMARY")
    if slot_type not in FINGERPRINT_TYPES:
        raise invalid_input("'fingerprint_type' must be PRIMARY or SECONDARY.")
    fingerprint = body.get("fingerprint")
    if fingerprint not in (None, "") and (not isinstance(fingerprint, str) or not FINGERPRINT_RE.match(fingerprint)):
        raise invalid_input("'fingerprint' must be 40 or 64 hexadecimal characters.")
    force = body.get("force_disconnect", False)
    if not isinstance(force, bool):
        raise invalid_input("'force_disconnect' must be true or false.")
    if device.auth_type != "CERTIFICATES":
        if ctx.state.config["iotda_reset_secret_device"] == "reject":
            raise invalid_input("The device does not authenticate with certificates.")
        device.auth_type = "CERTIFICATES"
    setattr(device, FINGERPRINT_TYPES[slot_type], fingerprint or None)
    if force and device.status == "ONLINE":
        device.status = "OFFLINE"
        device.connection_status_update_time = status_time()
    answer: dict[str, Any] = {"device_id": device.device_id, "fingerprint_type": slot_type}
    cleared = ctx.state.config["iotda_cleared_fingerprint"]
    if fingerprint:
        answer["fingerprint"] = fingerprint
    elif cleared != "absent":
        answer["fingerprint"] = None if cleared == "null" else ""
    return 200, answer
