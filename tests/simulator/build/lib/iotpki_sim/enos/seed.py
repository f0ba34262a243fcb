"""Controls that seed EnOS data: devices and certificates bound to them."""

from __future__ import annotations

import datetime
import secrets
import time
from typing import Any

from iotpki_sim.core import pki
from iotpki_sim.control.fields import ControlError, body_object, get_bool, get_int, get_str
from iotpki_sim.enos.issue import AUTHORITIES, issue_cert
from iotpki_sim.enos.store import REVOKE_REASONS, EnosDevice
from iotpki_sim.core.ids import now_utc
from iotpki_sim.state import SimState
from iotpki_sim.core.web import Request

CERT_STATUSES = ("valid", "revoked", "expired")


def _device(state: SimState, spec: Any) -> EnosDevice:
    if not isinstance(spec, dict):
        raise ControlError(400, "devices[] items must be objects")
    token = secrets.token_hex(4)
    return EnosDevice(asset_id=get_str(spec, "asset_id") or "sim-asset-" + token,
                      product_key=get_str(spec, "product_key") or "sim-pk-" + token,
                      device_key=get_str(spec, "device_key") or "sim-dk-" + token,
                      org_id=get_str(spec, "org_id") or state.credentials.enos_org_id,
                      bidirectional=get_bool(spec, "bidirectional", True),
                      max_valid_days=get_int(spec, "max_valid_days", 3650, 1, 36500))


def devices(state: SimState, req: Request) -> tuple[int, Any]:
    """POST /_sim/enos/devices: {"devices": [{asset_id, product_key, device_key}]} (missing IDs are generated)."""
    specs = body_object(req).get("devices")
    if not isinstance(specs, list) or not specs:
        raise ControlError(400, "devices must be a non-empty list")
    wanted = [_device(state, spec) for spec in specs]
    with state.lock:
        store = state.enos
        for device in wanted:
            same_asset = store.devices.get(device.asset_id)
            same_keys = store.by_keys.get((device.product_key, device.device_key))
            if same_asset == device:
                continue
            if same_asset is not None or same_keys is not None:
                raise ControlError(400, "device %s conflicts with an existing device" % device.asset_id)
            store.add_device(device)
    return 201, {"created": [device.sim_view() for device in wanted]}


def _one_certificate(state: SimState, spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise ControlError(400, "a certificate spec must be an object")
    status = get_str(spec, "status", "valid", CERT_STATUSES)
    days = get_int(spec, "expires_in_days", -1 if status == "expired" else 365, -36500, 36500)
    if (status == "expired") != (days <= 0):
        raise ControlError(400, "expires_in_days must be <= 0 exactly when status is expired")
    authority = get_str(spec, "issue_authority", "RSA", AUTHORITIES)
    reason = get_int(spec, "revoke_reason", 1, 0, 10)
    if reason not in REVOKE_REASONS:
        raise ControlError(400, "revoke_reason must be one of %s" % sorted(REVOKE_REASONS))
    key = pki.shared_key("rsa" if authority == "RSA" else "ec")
    pki.enos_ca(authority)
    now = now_utc().replace(microsecond=0)
    not_after = now + datetime.timedelta(days=days)
    not_before = min(now, not_after - datetime.timedelta(days=365))
    with state.lock:
        store = state.enos
        device = store.find_device(spec.get("asset_id"), spec.get("product_key"), spec.get("device_key"))
        if device is None:
            raise ControlError(404, "unknown EnOS device (seed it with POST /_sim/enos/devices first)")
        serial = get_int(spec, "cert_sn", None, 1, 2 ** 62)
        if serial is not None and serial in store.certs:
            raise ControlError(400, "cert_sn %d is already used" % serial)
        serial = serial if serial is not None else store.new_serial()
        common_name = get_str(spec, "common_name") or "%s-%d" % (device.device_key, serial)
        subject = pki.make_name(("C", "CN"), ("ST", "Shanghai"), ("L", "Shanghai"), ("O", "EnOS"), ("OU", "EnOS"),
                                ("CN", common_name))
        cert = issue_cert(state, device, subject, key.public_key(), authority, not_before, not_after, serial)
        if status == "revoked":
            cert.revoked, cert.revoker, cert.revoke_reason = True, get_str(spec, "revoker", "IoT_Hub"), REVOKE_REASONS[reason]
        return cert.sim_view(int(time.time() * 1000))


def certificates(state: SimState, req: Request) -> tuple[int, Any]:
    """POST /_sim/enos/certificates: one spec (answers the certificate) or {"certificates": [...]}."""
    body = body_object(req)
    if "certificates" in body:
        if not isinstance(body["certificates"], list):
            raise ControlError(400, "certificates must be a list")
        return 201, {"created": [_one_certificate(state, spec) for spec in body["certificates"]]}
    return 201, _one_certificate(state, body)
