"""The simulator application: routes a request to controls or a platform, applies faults, logs."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Optional

from iotpki_sim.control import routes as controls
from iotpki_sim.enos import api as enos
from iotpki_sim.enos import token as enos_token
from iotpki_sim.iotda import api as iotda
from iotpki_sim.config import Credentials, RuntimeConfig
from iotpki_sim.control.faults import Fault, render
from iotpki_sim.core.ids import iso_utc, request_id
from iotpki_sim.state import SimState
from iotpki_sim.core.web import Outcome, Request, Response, json_response

CONTROL_PREFIX = "/_sim"
_HANDLERS = {"iotda": iotda.handle, "enos": enos.handle, "enos-token": enos_token.handle}
# --rate-limit counts per platform: the EnOS token service and connect-service share one limit.
RATE_GROUPS = {"iotda": "iotda", "enos": "enos", "enos-token": "enos"}


def throttled(platform: str, retry_after: int, req_id: str) -> Response:
    """The platform's answer above --rate-limit: HTTP 429 with Retry-After."""
    headers = [("X-Request-Id", req_id), ("Retry-After", str(retry_after))]
    if platform == "iotda":
        code, body = "IOTDA.021102", {"error_code": "IOTDA.021102",
                                      "error_msg": "The request rate of the tenant has reached the limit."}
    elif platform == "enos":
        code, body = 429, {"code": 429, "msg": "too many requests", "requestId": req_id, "data": None}
    else:
        code, body = 429, {"status": 429, "msg": "too many requests", "business": "apim-token-service", "data": None}
    return json_response(429, body, headers, code=code)


def classify(path: str) -> str:
    """Which platform a path belongs to: iotda, enos, enos-token, or unknown."""
    if path.startswith("/v5/"):
        return "iotda"
    if path.startswith("/apim-token-service/"):
        return "enos-token"
    if path.startswith("/connect-service/") or path.startswith("/enos/CA/"):
        return "enos"
    return "unknown"


def is_write(platform: str, method: str, path: str) -> bool:
    """POST/PUT/DELETE, except read-only POSTs (list-device, token get/refresh)."""
    if method not in ("POST", "PUT", "DELETE", "PATCH") or platform == "enos-token":
        return False
    return not path.endswith("/list-device")


def _instance_id(platform: str, req: Request) -> Optional[str]:
    """The IoTDA ``Instance-Id`` header (None for other platforms or when absent)."""
    return req.headers.get("instance-id") if platform == "iotda" else None


def _auth_label(state: SimState, platform: str, req: Request) -> str:
    if platform == "iotda":
        return iotda.check_auth(state, req).label
    if platform == "enos":
        return enos.check_auth_label(state, req)
    return "none"


def _code_from_body(platform: str, response: Response) -> Any:
    """The platform error code of a custom fault body (best effort)."""
    if not response.body or len(response.body) > 65536:
        return None
    try:
        body = json.loads(response.body.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    key = {"iotda": "error_code", "enos": "code", "enos-token": "status"}.get(platform, "")
    return body.get(key) or None


def _code_of(platform: str, response: Response, fault: Optional[Fault]) -> Any:
    if response.code is not None or fault is None or not fault.answers:
        return response.code
    return _code_from_body(platform, response)


class Simulator:
    """Both platforms plus test controls over one shared state."""

    def __init__(self, credentials: Credentials, runtime: dict[str, Any], verbose: bool = False) -> None:
        self.state = SimState(credentials, RuntimeConfig(runtime))
        self.verbose = verbose

    def handle(self, req: Request) -> Response:
        """Answer one request (never raises); platform answers wait --latency, without any lock held."""
        started = time.time()
        if req.path == CONTROL_PREFIX or req.path.startswith(CONTROL_PREFIX + "/"):
            response = controls.handle(self.state, req)
            self._trace(started, "control", req, response, "none")
            return response
        platform = classify(req.path)
        fault, retry_after = None, None
        if platform == "unknown":
            outcome = Outcome(json_response(404, {"error": "unknown path %s" % req.path}))
        else:
            retry_after = self.state.throttle.admit(RATE_GROUPS[platform], self.state.config["rate_limit"], started)
            if retry_after is not None:
                outcome = Outcome(throttled(platform, retry_after, request_id()))
            else:
                fault = self.state.faults.take(platform, req.method, req.path, req.query,
                                               _instance_id(platform, req))
                outcome = self._process(platform, req, fault)
        latency = self.state.config["latency"]
        if latency and platform != "unknown":
            time.sleep(latency)
        self._record(started, platform, req, outcome, fault, retry_after is not None)
        return outcome.response

    def _process(self, platform: str, req: Request, fault: Optional[Fault]) -> Outcome:
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is None or not fault.answers:
            return _HANDLERS[platform](self.state, req)
        if fault.after_processing:
            real = _HANDLERS[platform](self.state, req)
            return Outcome(render(fault, platform, request_id()), real.auth, real.temporary)
        return Outcome(render(fault, platform, request_id()), _auth_label(self.state, platform, req))

    def _record(self, started: float, platform: str, req: Request, outcome: Outcome, fault: Optional[Fault],
                throttled_now: bool) -> None:
        response = outcome.response
        self.state.log.append({
            "seq": 0, "time": started, "timestamp": started, "throttled": throttled_now, "platform": platform, "method": req.method, "path": req.path,
            "query": req.query, "status": None if response.drop else response.status,
            "code": _code_of(platform, response, fault), "auth": outcome.auth, "temporary": outcome.temporary,
            "fault": fault is not None, "write": is_write(platform, req.method, req.path),
            "instance_id": _instance_id(platform, req),
        })
        self._trace(started, platform, req, response, outcome.auth)

    def _trace(self, started: float, platform: str, req: Request, response: Response, auth: str) -> None:
        if not self.verbose:
            return
        status = "dropped" if response.drop else str(response.status)
        code = response.code
        sys.stderr.write("%s %-10s %-6s %s -> %s%s auth=%s %.1fms\n" % (
            iso_utc(started), platform, req.method, req.target, status, " " + str(code) if code else "", auth,
            (time.time() - started) * 1000))
        sys.stderr.flush()
