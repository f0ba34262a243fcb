"""Identifiers and time formats shared by both platforms."""

from __future__ import annotations

import datetime
import threading
import time
import uuid

UTC = datetime.timezone.utc


class IdGenerator:
    """24-hex-digit, strictly increasing IDs: 32 bits of epoch seconds, then a 64-bit counter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def reserve(self, count: int) -> list[str]:
        """Return `count` new IDs in increasing order."""
        with self._lock:
            first = max(self._last + 1, int(time.time()) << 64)
            self._last = first + count - 1
        return ["%024x" % (first + i) for i in range(count)]

    def next(self) -> str:
        """Return one new ID."""
        return self.reserve(1)[0]


def request_id() -> str:
    """A new request ID (uuid4 text)."""
    return str(uuid.uuid4())


def now_utc() -> datetime.datetime:
    """The current time, timezone-aware UTC."""
    return datetime.datetime.now(UTC)


def iotda_date(value: datetime.datetime) -> str:
    """IoTDA's date format, yyyyMMdd'T'HHmmss'Z' (UTC)."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def epoch_ms(value: datetime.datetime) -> int:
    """Milliseconds since the epoch."""
    return int(round(value.timestamp() * 1000))


def iso_utc(value: float) -> str:
    """ISO 8601 UTC text with milliseconds for an epoch-seconds float."""
    stamp = datetime.datetime.fromtimestamp(value, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)
