"""The --rate-limit: a sliding one-second window of admitted requests per platform."""

from __future__ import annotations

import collections
import math
import threading
from typing import Optional


class SlidingWindow:
    """At most `limit` admitted requests in any one-second window, counted per platform.

    Refused requests do not count, so a client that backs off gets in as soon as the oldest
    admitted request of the window is one second old.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._admitted: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def admit(self, platform: str, limit: Optional[float], now: float) -> Optional[int]:
        """None when the request is admitted, else the Retry-After seconds (at least 1)."""
        if limit is None:
            return None
        with self._lock:
            window = self._admitted[platform]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) < limit:
                window.append(now)
                return None
            return max(1, math.ceil(window[0] + 1.0 - now))

    def clear(self) -> None:
        """Forget every admitted request."""
        with self._lock:
            self._admitted.clear()
