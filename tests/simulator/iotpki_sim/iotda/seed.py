"""Controls that seed IoTDA data: device certificates, CA certificates, devices."""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any, Optional

from cryptography import x509

from iotpki_sim.core import bulkcert
from iotpki_sim.core import pki
from iotpki_sim.core import x509util
from iotpki_sim.control.fields import ControlError, body_object, get_bool, get_days, get_int, get_str, spread
from iotpki_sim.iotda.ca import build_record, check_app_id
from iotpki_sim.iotda.device_certs import STATUSES
from iotpki_sim.iotda.devices import DEVICE_ID_RE, FINGERPRINT_RE
from iotpki_sim.iotda.store import DeviceCertRecord, DeviceRecord
from iotpki_sim.iotda.errors import IotdaError
from iotpki_sim.core.ids import iotda_date, now_utc
from iotpki_sim.state import SimState
from iotpki_sim.core.web import Request

MAX_BATCH = 100000


@dataclasses.dataclass(frozen=True)
class _Pending:
    """A device certificate about to be stored."""

    der: bytes
    common_name: str
    not_after: datetime.datetime
    status: str


def _parse_pem(pem: Any) -> x509.Certificate:
    try:
        return x509util.load_pem_certificate(pem)
    except ValueError as exc:
        raise ControlError(400, "pem is not a PEM certificate: %s" % exc) from None


def _validity(now: datetime.datetime, days: int) -> tuple[datetime.datetime, datetime.datetime]:
    end = now + datetime.timedelta(days=days)
    return min(now, end) - pki.DAY, end


@pki.memoized
def _minter() -> bulkcert.Minter:
    return bulkcert.Minter(pki.iotda_device_issuer(), pki.shared_key("ec").public_key())


def _generate_device_certs(prefix: str, first: int, count: int, days: tuple[int, int], status: str) -> list[_Pending]:
    minter = _minter()
    now = now_utc().replace(microsecond=0)
    pending = []
    for index in range(count):
        start, end = _validity(now, spread(days, index, count))
        name = "%s%06d" % (prefix, first + index)
        pending.append(_Pending(der=minter.mint(name, start, end), common_name=name, not_after=end, status=status))
    return pending


def _from_pem(spec: Any) -> _Pending:
    if not isinstance(spec, dict):
        raise ControlError(400, "certificates[] items must be objects with pem")
    cert = _parse_pem(spec.get("pem"))
    return _Pending(der=x509util.der_of(cert), common_name=x509util.common_name(cert.subject),
                    not_after=x509util.not_after(cert), status=get_str(spec, "status", "ACTIVE", STATUSES))


def _device_record(cert_id: str, item: _Pending) -> DeviceCertRecord:
    sha256, sha1 = x509util.fingerprints(item.der)
    return DeviceCertRecord(certificate_id=cert_id, der=item.der, common_name=item.common_name, fingerprint=sha256,
                            fingerprint_sha1=sha1, expiry_date=iotda_date(item.not_after), status=item.status)


def device_certificates(state: SimState, req: Request) -> tuple[int, Any]:
    """POST /_sim/iotda/device-certificates: {"certificates": [...]} and/or {"generate": {...}}."""
    body = body_object(req)
    pending = [_from_pem(spec) for spec in body.get("certificates") or []]
    generate = body.get("generate")
    if generate is not None:
        if not isinstance(generate, dict):
            raise ControlError(400, "generate must be an object")
        count = get_int(generate, "count", 1, 1, MAX_BATCH)
        prefix = get_str(generate, "common_name_prefix", "dev-")
        if not 1 <= len(prefix.encode("utf-8")) <= 56:
            raise ControlError(400, "common_name_prefix must be 1-56 bytes")
        status = get_str(generate, "status", "ACTIVE", STATUSES)
        days = get_days(generate, "expires_in_days", 365)
        with state.lock:
            first = state.iotda.reserve_cn_numbers(count)
        pending.extend(_generate_device_certs(prefix, first, count, days, status))
    records = [_device_record(cert_id, item) for cert_id, item in zip(state.ids.reserve(len(pending)), pending)]
    with state.lock:
        for record in records:
            state.iotda.device_certs.add(record.certificate_id, record)
    return 201, {"created": [record.sim_view() for record in records]}


def _ca_app_id(spec: dict[str, Any]) -> Any:
    try:
        return check_app_id(spec.get("app_id"))
    except IotdaError as exc:
        raise ControlError(400, exc.msg) from None


def ca_certificates(state: SimState, req: Request) -> tuple[int, Any]:
    """POST /_sim/iotda/ca-certificates: upload PEMs or generate CAs, bypassing quota and duplicate rules."""
    body = body_object(req)
    pending: list[tuple[x509.Certificate, Any, bool, bool]] = []
    for spec in body.get("certificates") or []:
        if not isinstance(spec, dict):
            raise ControlError(400, "certificates[] items must be objects with pem")
        pending.append((_parse_pem(spec.get("pem")), _ca_app_id(spec), get_bool(spec, "verified", False), False))
    generate = body.get("generate")
    if generate is not None:
        if not isinstance(generate, dict):
            raise ControlError(400, "generate must be an object")
        count = get_int(generate, "count", 1, 1, 10000)
        prefix = get_str(generate, "common_name_prefix", "sim-ca-")
        app_id, verified = _ca_app_id(generate), get_bool(generate, "verified", False)
        days = get_days(generate, "expires_in_days", 3650)
        with state.lock:
            first = state.iotda.reserve_cn_numbers(count)
        now = now_utc().replace(microsecond=0)
        for index in range(count):
            subject = pki.make_name(("O", "iotpki simulator"), ("CN", "%s%04d" % (prefix, first + index)))
            end = now + datetime.timedelta(days=spread(days, index, count))
            ca = pki.make_ca(subject, key=pki.shared_key("ec"), not_after=end)
            pending.append((ca.cert, app_id, verified, True))
    created = []
    with state.lock:
        for cert, app_id, verified, generated in pending:
            record = build_record(state, cert, app_id, verified)
            state.iotda.cas.add(record.certificate_id, record)
            view = record.sim_view()
            if generated:
                view["private_key_pem"] = pki.key_to_pem(pki.shared_key("ec"))
            created.append(view)
    return 201, {"created": created}


DEVICE_STATUSES = ("ONLINE", "OFFLINE", "ABNORMAL", "INACTIVE", "FROZEN")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


def _optional(spec: dict[str, Any], key: str, pattern: re.Pattern, what: str) -> Optional[str]:
    value = get_str(spec, key)
    if value is not None and not pattern.match(value):
        raise ControlError(400, "%s must be %s" % (key, what))
    return value


def _device_from_spec(spec: Any, record_id: str, created: str) -> DeviceRecord:
    """One device of {"devices": [...]}: every field optional except device_id or node_id."""
    if not isinstance(spec, dict):
        raise ControlError(400, "devices[] items must be objects")
    known = {"device_id", "node_id", "device_name", "product_id", "app_id", "status", "auth_type", "fingerprint",
             "secondary_fingerprint", "secret", "secondary_secret", "node_type"}
    if set(spec) - known:
        raise ControlError(400, "unknown device field(s): %s (known: %s)" % (
            ", ".join(sorted(set(spec) - known)), ", ".join(sorted(known))))
    product_id = get_str(spec, "product_id", "sim-product")
    node_id = get_str(spec, "node_id") or get_str(spec, "device_id")
    if not node_id:
        raise ControlError(400, "each device needs device_id or node_id")
    device_id = _optional(spec, "device_id", DEVICE_ID_RE, "1-128 letters, digits, '_' or '-'") or (
        "%s_%s" % (product_id, node_id))
    fingerprint_text = "40 or 64 hexadecimal characters"
    return DeviceRecord(
        record_id=record_id, device_id=device_id, node_id=node_id, device_name=get_str(spec, "device_name", node_id),
        product_id=product_id, app_id=get_str(spec, "app_id", "sim-app"), create_time=created,
        auth_type=get_str(spec, "auth_type", "CERTIFICATES", ("SECRET", "CERTIFICATES")),
        fingerprint=_optional(spec, "fingerprint", FINGERPRINT_RE, fingerprint_text),
        secondary_fingerprint=_optional(spec, "secondary_fingerprint", FINGERPRINT_RE, fingerprint_text),
        secret=_optional(spec, "secret", _SECRET_RE, "8-32 letters, digits, '_' or '-'"),
        secondary_secret=_optional(spec, "secondary_secret", _SECRET_RE, "8-32 letters, digits, '_' or '-'"),
        status=get_str(spec, "status", "ONLINE", DEVICE_STATUSES),
        node_type=get_str(spec, "node_type", "GATEWAY", ("GATEWAY", "ENDPOINT")))


def _generated_specs(state: SimState, body: dict[str, Any]) -> list[dict[str, Any]]:
    """{"count": N, "certificate_id" or "fingerprint"}: N certificate devices named sim-node-NNNNNN."""
    count = get_int(body, "count", 1, 1, MAX_BATCH)
    fingerprint = get_str(body, "fingerprint")
    cert_id = get_str(body, "certificate_id")
    if cert_id:
        cert = state.iotda.device_certs.get(cert_id)
        if cert is None:
            raise ControlError(404, "unknown device certificate %s" % cert_id)
        fingerprint = cert.fingerprint
    if not fingerprint:
        raise ControlError(400, "devices (a list), certificate_id or fingerprint is required")
    first = state.iotda.reserve_node_numbers(count)
    return [{"node_id": "sim-node-%06d" % number, "fingerprint": fingerprint,
             "product_id": get_str(body, "product_id", "sim-product"), "app_id": get_str(body, "app_id", "sim-app")}
            for number in range(first, first + count)]


def devices(state: SimState, req: Request) -> tuple[int, Any]:
    """POST /_sim/iotda/devices: {"devices": [{device_id, auth_type, fingerprint, secret, ...}]} or the generator form."""
    body = body_object(req)
    created_at = iotda_date(now_utc())
    with state.lock:
        specs = body.get("devices")
        if specs is None:
            specs = _generated_specs(state, body)
        elif not isinstance(specs, list) or len(specs) > MAX_BATCH:
            raise ControlError(400, "devices must be a list of at most %d objects" % MAX_BATCH)
        records = [_device_from_spec(spec, record_id, created_at)
                   for spec, record_id in zip(specs, state.ids.reserve(len(specs)))]
        new_ids = [record.device_id for record in records]
        taken = [d for d in new_ids if state.iotda.device(d) is not None] + [
            d for index, d in enumerate(new_ids) if d in new_ids[:index]]
        if taken:
            raise ControlError(409, "device_id already exists: %s" % ", ".join(sorted(set(taken))[:5]))
        for record in records:
            state.iotda.add_device(record)
    return 201, {"created": [record.sim_view() for record in records]}
