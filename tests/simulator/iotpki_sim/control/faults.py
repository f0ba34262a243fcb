"""Injected faults: parsing, matching (the next N matching platform requests) and rendering."""

from __future__ import annotations

import dataclasses
import random
import threading
from typing import Any, Optional

from iotpki_sim.core.web import Response, dumps

PLATFORMS = ("iotda", "enos", "enos-token")

_IOTDA_DEFAULTS = {
    400: ("IOTDA.000006", "Invalid input data.", False),
    401: ("APIGW.0301", "Incorrect IAM authentication information: injected fault.", True),
    403: ("IOTDA.000022", "The user does not have the permission.", False),
    404: ("APIGW.0101", "The API does not exist or has not been published in the environment.", True),
    429: ("APIGW.0308", "The throttling threshold has been reached.", True),
    500: ("IOTDA.000005", "Internal server error.", False),
    502: ("APIGW.0202", "Backend unavailable.", True),
    503: ("IOTDA.000005", "Service unavailable.", False),
    504: ("APIGW.0203", "Backend timeout.", True),
}


@dataclasses.dataclass
class Fault:
    """One fault specification and how many uses are left."""

    fault_id: int
    count: int
    remaining: int
    status: Optional[int] = None
    retry_after: Optional[str] = None
    body: Optional[str] = None
    content_type: Optional[str] = None
    delay: float = 0.0
    drop: bool = False
    after_processing: bool = False
    enos_code: Optional[int] = None
    msg: Optional[str] = None
    match: dict[str, Any] = dataclasses.field(default_factory=dict)
    persistent: bool = False
    statuses: list[int] = dataclasses.field(default_factory=list)
    probability: float = 1.0
    seed: int = 0
    requests: Optional[int] = None
    seen: int = 0
    answered: int = 0
    rng: random.Random = dataclasses.field(default_factory=random.Random, repr=False, compare=False)

    @property
    def answers(self) -> bool:
        """True when the fault replaces the answer (not just a delay)."""
        return self.drop or self.status is not None or self.enos_code is not None

    def matches(self, platform: str, method: str, path: str, query: Optional[dict[str, str]] = None,
                instance_id: Optional[str] = None) -> bool:
        """Does this fault apply to the request?"""
        wanted = self.match
        return ((not wanted.get("platform") or wanted["platform"] == platform)
                and (not wanted.get("method") or wanted["method"].upper() == method.upper())
                and (not wanted.get("path") or any(part in path for part in wanted["path"]))
                and all((query or {}).get(key) == value for key, value in wanted.get("query", {}).items())
                and (not wanted.get("instance_id") or wanted["instance_id"] == instance_id))

    def view(self) -> dict[str, Any]:
        """The GET /_sim/faults view."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("fault_id", "rng")}
        data["id"] = self.fault_id
        data["match"] = dict(self.match)
        return data

    def draw(self) -> Optional["Fault"]:
        """For one matching request: the fault to answer with (status drawn from statuses), or None when spared."""
        self.seen += 1
        if self.probability < 1.0 and self.rng.random() >= self.probability:
            return None
        self.answered += 1
        if not self.persistent:
            self.remaining -= 1
        if self.statuses:
            return dataclasses.replace(self, status=self.rng.choice(self.statuses))
        return self

    @property
    def spent(self) -> bool:
        """No uses left, or it has watched its number of requests."""
        return (not self.persistent and self.remaining <= 0) or (self.requests is not None and self.seen >= self.requests)


def _number(spec: dict[str, Any], key: str, kind: type, low: float, high: float) -> Any:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise ValueError("%s must be a number" % key)
    if not low <= value <= high:
        raise ValueError("%s must be between %s and %s" % (key, low, high))
    return kind(value)


def _text(spec: dict[str, Any], key: str) -> Optional[str]:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError("%s must be a string" % key)
    return value


def parse_fault(spec: Any, fault_id: int) -> Fault:
    """Validate a POST /_sim/faults body; raise ValueError with a readable message."""
    if not isinstance(spec, dict):
        raise ValueError("the body must be a JSON object")
    known = {"count", "status", "retry_after", "body", "content_type", "delay", "drop", "after_processing",
             "enos_code", "msg", "match", "persistent", "probability", "seed", "requests"}
    unknown = set(spec) - known
    if unknown:
        raise ValueError("unknown fault field(s): %s" % ", ".join(sorted(unknown)))
    match = spec.get("match") or {}
    if not isinstance(match, dict) or set(match) - {"platform", "method", "path", "query", "instance_id"}:
        raise ValueError("match takes platform, method, path, query and instance_id")
    query = match.get("query", {})
    if not isinstance(query, dict) or not all(isinstance(v, str) for v in query.values()):
        raise ValueError("match.query must be an object of strings")
    if match.get("platform") not in (None,) + PLATFORMS:
        raise ValueError("match.platform must be one of %s" % ", ".join(PLATFORMS))
    paths = match.get("path")
    if isinstance(paths, str):
        paths = [paths]
    if paths is not None and (not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths)):
        raise ValueError("match.path must be a string or a list of non-empty strings (any of them matches)")
    retry_after = spec.get("retry_after")
    if isinstance(retry_after, (int, float)) and not isinstance(retry_after, bool):
        retry_after = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
    elif retry_after is not None and not isinstance(retry_after, str):
        raise ValueError("retry_after must be seconds or an HTTP-date string")
    for flag in ("drop", "after_processing", "persistent"):
        if not isinstance(spec.get(flag, False), bool):
            raise ValueError("%s must be true or false" % flag)
    if spec.get("persistent") and "count" in spec:
        raise ValueError("a persistent fault answers until cleared: give count or persistent, not both")
    status, statuses = spec.get("status"), []
    if isinstance(status, list):
        statuses = [_number({"status": item}, "status", int, 100, 599) for item in status]
        if not statuses:
            raise ValueError("status must be a code or a non-empty list of codes")
        status = statuses[0]
    else:
        status = _number(spec, "status", int, 100, 599)
    probability = _number(spec, "probability", float, 0, 1)
    seed = _number(spec, "seed", int, 0, 2 ** 63)
    count = _number(spec, "count", int, 1, 1000000) or 1
    return Fault(fault_id=fault_id, count=count, remaining=count, status=status,
                 retry_after=retry_after, body=_text(spec, "body"), content_type=_text(spec, "content_type"),
                 delay=_number(spec, "delay", float, 0, 300) or 0.0, drop=spec.get("drop", False),
                 after_processing=spec.get("after_processing", False),
                 enos_code=_number(spec, "enos_code", int, -2 ** 31, 2 ** 31 - 1), msg=_text(spec, "msg"),
                 match={k: (dict(v) if k == "query" else paths if k == "path" else str(v)) for k, v in match.items()},
                 persistent=spec.get("persistent", False), statuses=statuses,
                 probability=1.0 if probability is None else probability, seed=seed or 0,
                 requests=_number(spec, "requests", int, 1, 100000000), rng=random.Random(seed or 0))


class FaultQueue:
    """Faults in creation order; each request consumes one use of the first matching fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: Any) -> Fault:
        """Parse and queue a fault."""
        with self._lock:
            fault = parse_fault(spec, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, platform: str, method: str, path: str, query: Optional[dict[str, str]] = None,
             instance_id: Optional[str] = None) -> Optional[Fault]:
        """The answer of the first matching fault that fires (a spared request tries the next one), if any."""
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(platform, method, path, query, instance_id):
                    continue
                answer = fault.draw()
                if fault.spent:
                    self._faults.remove(fault)
                if answer is not None:
                    return answer
        return None

    def views(self) -> list[dict[str, Any]]:
        """Pending faults."""
        with self._lock:
            return [f.view() for f in self._faults]

    def clear(self, fault_id: Optional[int] = None) -> int:
        """Remove all faults (or one by id); return how many were removed."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if fault_id is not None and f.fault_id != fault_id]
            return before - len(self._faults)


def _default_body(fault: Fault, platform: str, status: int, req_id: str) -> tuple[dict[str, Any], Any]:
    if platform == "iotda":
        code, msg, gateway = _IOTDA_DEFAULTS.get(status, ("SIM.%03d" % status, "Injected fault.", False))
        body: dict[str, Any] = {"error_code": code, "error_msg": fault.msg or msg}
        if gateway:
            body["request_id"] = req_id
        return body, code
    if fault.enos_code is not None:
        code = fault.enos_code
    elif status >= 500:
        code = 99500 if platform == "enos" else 1005
    elif status == 401:
        code = 1203
    elif status == 429:
        code = 429
    else:
        code = {400: 99400, 403: 99403, 404: 99404}.get(status, 99400) if platform == "enos" else 1004
    msg = fault.msg or {99500: " Internal Server Error", 1005: "internal service exception", 1203: "access token expired",
                        429: "too many requests"}.get(code, "injected fault")
    if platform == "enos-token":
        return {"status": code, "msg": msg, "business": "apim-token-service", "data": None}, code
    return {"code": code, "msg": msg, "requestId": req_id, "data": None}, code


def render(fault: Fault, platform: str, req_id: str) -> Response:
    """The answer a fault produces (drop: no answer at all)."""
    if fault.drop:
        return Response(status=0, drop=True)
    status = fault.status if fault.status is not None else 200
    headers = [("X-Request-Id", req_id)]
    if fault.retry_after is not None:
        headers.append(("Retry-After", fault.retry_after))
    if fault.body is not None:
        headers.insert(0, ("Content-Type", fault.content_type or "application/json"))
        return Response(status=status, body=fault.body.encode("utf-8"), headers=headers, code=None)
    body, code = _default_body(fault, platform, status, req_id)
    headers.insert(0, ("Content-Type", fault.content_type or "application/json"))
    return Response(status=status, body=dumps(body), headers=headers, code=code)
