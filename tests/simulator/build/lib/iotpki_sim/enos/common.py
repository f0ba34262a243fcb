"""Shared pieces of the EnOS connect-service handlers: context, envelope, field parsing, messages."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional

from iotpki_sim.enos.store import EnosDevice, EnosStore
from iotpki_sim.enos.errors import EnosError, enos_invalid
from iotpki_sim.state import SimState
from iotpki_sim.core.web import Response, dumps

CONTENT_TYPE = "application/json;charset=UTF-8"
NOT_BOUND = ("The certificate list bound to the device does not have the certificate, "
             "or the certificate is bound to other devices.")
_INT_RE = re.compile(r"^-?\d{1,18}$")


@dataclasses.dataclass
class EnosContext:
    """One authenticated certificate call, run with state.lock held."""

    state: SimState
    device: EnosDevice
    body: dict[str, Any]
    query: dict[str, str]
    app_key: str
    now_ms: int
    base_url: str

    @property
    def store(self) -> EnosStore:
        """The EnOS records."""
        return self.state.enos

    def field(self, name: str) -> Any:
        """A body field, falling back to the query parameter of the same name."""
        value = self.body.get(name)
        return self.query.get(name) if value is None else value


def envelope(http_status: int, code: int, msg: str, req_id: str, data: Any = None) -> Response:
    """The connect-service answer {code, msg, requestId, data}."""
    body = {"code": code, "msg": msg, "requestId": req_id, "data": data}
    return Response(status=http_status, body=dumps(body), headers=[("Content-Type", CONTENT_TYPE)],
                    code=code or None)


def int_field(name: str, value: Any) -> Optional[int]:
    """None when absent; an int from a JSON integer or a decimal string; else 99400."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value)
    raise enos_invalid("Invalid Argument %s:%s is invalid" % (name, name))


def cert_sn(ctx: EnosContext) -> int:
    """The required certSn (body, then query): 99400 when missing or negative."""
    serial = int_field("certSn", ctx.field("certSn"))
    if serial is None:
        raise enos_invalid("Invalid Argument certSn:certSn is missing")
    if serial < 0:
        raise enos_invalid("Invalid Argument certSn:the serial number of the certificate is invalid (less than 0)")
    return serial


def bound_cert(ctx: EnosContext, serial: int):
    """The device's certificate with this serial, or 99400 'not bound'."""
    cert = ctx.store.certs.get(serial)
    if cert is None or cert.asset_id != ctx.device.asset_id:
        raise EnosError(99400, NOT_BOUND)
    return cert
