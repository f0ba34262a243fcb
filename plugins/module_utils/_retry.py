# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The retry policy, as pure functions so that every decision can be unit-tested.

Retried: connection errors, and HTTP 429, 500, 502, 503 and 504. A request that may change state
(``idempotent=False``: the platforms' POST calls) is retried only when it surely never reached the
server: a failure to connect. A read timeout or a dropped connection after sending is never
retried for such a request, nor is an HTTP answer.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import random
import time
import typing as t
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
RETRY_AFTER_CAP = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0

# Ways a request can fail without an HTTP answer.
CONNECT_ERROR = "connect"  # never reached the server
SEND_ERROR = "send"  # connection dropped, or read timeout: the server may have acted


def status_is_retryable(status: int) -> bool:
    """Whether an HTTP status is worth another attempt, for a request safe to repeat."""
    return status in RETRY_STATUSES


def should_retry(idempotent: bool, status: t.Optional[int] = None, failure: t.Optional[str] = None) -> bool:
    """Decide whether to try again after one failed attempt.

    ``status`` is the HTTP status of an answer, ``failure`` one of CONNECT_ERROR / SEND_ERROR
    when there was no answer.
    """
    if failure == CONNECT_ERROR:
        return True
    if not idempotent:
        return False
    if failure == SEND_ERROR:
        return True
    return status is not None and status_is_retryable(status)


def parse_retry_after(value: t.Optional[str], now: t.Optional[float] = None) -> t.Optional[float]:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None.

    A date in the past means no wait; anything unreadable is ignored.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdecimal():  # not isdigit(): it accepts superscripts such as "²", which float() refuses
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, rand: t.Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
    return ceiling * (0.5 + 0.5 * rand())


def wait_before_retry(attempt: int, retry_after: t.Optional[float], rand: t.Callable[[], float] = random.random) -> float:
    """The wait before the next attempt: the backoff, at least ``Retry-After``, at most the cap."""
    delay = backoff_delay(attempt, rand)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, RETRY_AFTER_CAP)
