"""The request log read through /_sim/requests (never holds secrets, tokens or signatures)."""

from __future__ import annotations

import collections
import threading
from typing import Any

from iotpki_sim.core.ids import iso_utc

MAX_ENTRIES = 100000


class RequestLog:
    """A bounded, thread-safe list of request summaries; seq numbers are never reused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: collections.deque = collections.deque(maxlen=MAX_ENTRIES)
        self._seq = 0

    def append(self, entry: dict[str, Any]) -> None:
        """Number and store one entry ('time' as epoch seconds; the entry gains 'seq')."""
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    def since(self, seq: int = 0) -> list[dict[str, Any]]:
        """Entries with a seq greater than `seq`, oldest first ('time' rendered as ISO 8601 UTC)."""
        with self._lock:
            chosen = [dict(e) for e in self._entries if e["seq"] > seq]
        for entry in chosen:
            entry["time"] = iso_utc(entry["time"])
        return chosen

    def clear(self) -> int:
        """Drop all entries; return how many were dropped."""
        with self._lock:
            dropped = len(self._entries)
            self._entries.clear()
            return dropped
