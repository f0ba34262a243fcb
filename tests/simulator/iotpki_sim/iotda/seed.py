"""Controls that seed IoTDA data: device certificates, CA certificates, devices."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from cryptography import x509

from iotpki_sim.core import bulkcert
from iotpki_sim.core import pki
from iotpki_sim.core import x509util
from iotpki_sim.control.fields import ControlError, body_object, get_bool, get_days, get_int, get_str, spread
from iotpki_sim.iotda.ca import build_record, check_app_id
from iotpki_sim.iotda.device_certs import STATUSES
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


def devices(state: SimState, req: Request) -> tuple[int, Any]:
    """POST /_sim/iotda/devices: devices whose auth fingerprint is a device certificate's."""
    body = body_object(req)
    count = get_int(body, "count", 1, 1, MAX_BATCH)
    product_id = get_str(body, "product_id", "sim-product")
    app_id = get_str(body, "app_id", "sim-app")
    cert_id = get_str(body, "certificate_id")
    fingerprint = (get_str(body, "fingerprint") or "").upper()
    with state.lock:
        if cert_id:
            cert = state.iotda.device_certs.get(cert_id)
            if cert is None:
                raise ControlError(404, "unknown device certificate %s" % cert_id)
            fingerprint = cert.fingerprint
        if not fingerprint:
            raise ControlError(400, "certificate_id (or fingerprint) is required")
        first = state.iotda.reserve_node_numbers(count)
        created = []
        for record_id, number in zip(state.ids.reserve(count), range(first, first + count)):
            node_id = "sim-node-%06d" % number
            device = DeviceRecord(record_id=record_id, device_id="%s_%s" % (product_id, node_id), node_id=node_id,
                                  device_name=node_id, product_id=product_id, app_id=app_id, fingerprint=fingerprint)
            state.iotda.devices.add(record_id, device)
            created.append(device.sim_view())
    return 201, {"created": created}
