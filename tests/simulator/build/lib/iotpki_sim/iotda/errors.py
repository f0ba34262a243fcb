"""IoTDA errors raised by handlers and turned into platform-shaped answers."""

from __future__ import annotations

from typing import Any


class IotdaError(Exception):
    """An IoTDA (or API gateway) error: HTTP status, error_code, error_msg."""

    def __init__(self, status: int, code: str, msg: str, gateway: bool = False) -> None:
        super().__init__("%s %s" % (code, msg))
        self.status = status
        self.code = code
        self.msg = msg
        self.gateway = gateway

    def body(self, req_id: str) -> dict[str, Any]:
        """The JSON error body; API gateway errors also carry request_id."""
        body: dict[str, Any] = {"error_code": self.code, "error_msg": self.msg}
        if self.gateway:
            body["request_id"] = req_id
        return body


def invalid_input(detail: str = "") -> IotdaError:
    """400 IOTDA.000006, the generic validation error."""
    return IotdaError(400, "IOTDA.000006", "Invalid input data." + (" " + detail if detail else ""))


def bad_json() -> IotdaError:
    """400 IOTDA.000008, a malformed request body."""
    return IotdaError(400, "IOTDA.000008", "Invalid input. Bad request: the body is not valid JSON.")
