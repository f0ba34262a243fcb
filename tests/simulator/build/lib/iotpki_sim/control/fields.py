"""Helpers shared by the /_sim control handlers: errors and typed field reading."""

from __future__ import annotations

from typing import Any, Optional

from iotpki_sim.core.web import BadJson, Request


class ControlError(Exception):
    """A control request the simulator refuses: answered as {"error": msg}."""

    def __init__(self, status: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg


def body_object(req: Request) -> dict[str, Any]:
    """The JSON body as an object ({} when empty)."""
    try:
        body = req.json()
    except BadJson as exc:
        raise ControlError(400, "the body is not valid JSON: %s" % exc) from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def get_int(spec: dict[str, Any], key: str, default: Optional[int], low: int, high: int) -> Optional[int]:
    """An optional integer field within [low, high]."""
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ControlError(400, "%s must be an integer between %d and %d" % (key, low, high))
    return value


def get_str(spec: dict[str, Any], key: str, default: Optional[str] = None, choices: tuple = ()) -> Optional[str]:
    """An optional string field, optionally limited to `choices`."""
    value = spec.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or (choices and value not in choices):
        allowed = " (one of %s)" % ", ".join(choices) if choices else ""
        raise ControlError(400, "%s must be a string%s" % (key, allowed))
    return value


def get_bool(spec: dict[str, Any], key: str, default: bool) -> bool:
    """An optional boolean field."""
    value = spec.get(key, default)
    if not isinstance(value, bool):
        raise ControlError(400, "%s must be true or false" % key)
    return value


def get_days(spec: dict[str, Any], key: str, default: Any) -> tuple[int, int]:
    """expires_in_days: an int, or [min, max] for an even spread; returned as (min, max)."""
    value = spec.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            and value[0] <= value[1]):
        return value[0], value[1]
    raise ControlError(400, "%s must be an integer or [min, max]" % key)


def spread(bounds: tuple[int, int], index: int, count: int) -> int:
    """The index-th of `count` values spread evenly over [min, max]."""
    low, high = bounds
    return low if count <= 1 else low + (high - low) * index // (count - 1)
