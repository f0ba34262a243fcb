# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet operations: many targets in one task, at the platform's rate limit.

One ``Fleet`` per task: a bounded worker pool (``concurrency`` requests in flight) and one shared,
adaptive rate limiter that every attempt of every request of the task waits on (the HTTP client
calls it). The limiter's rate is the smaller of the task's ``rate_limit`` cap and the adaptive rate:

- unlimited until the platform throttles (HTTP 429, or the IoTDA throttling codes);
- on a throttle, every worker waits at least ``Retry-After`` (1 s when the answer gives none), and
  the adaptive rate is halved from what the platform accepted in the last second of sending (the time
  of a pause does not count: right after one, the accepted rate says nothing about the platform);
- while answers are good, the rate climbs back additively: within a second up to 95 % of the rate
  that was throttled, then by a tenth of a percent of it per second, so that a task settles just
  under the platform's limit instead of paying a pause for a throttle every few seconds;
- the rate taken as throttled is never below 90 % of the most answers the platform accepted in one
  second (forgotten after 30 s without a second close to it): a platform's limit caps what it
  accepts, so that much is surely under it, and stray 429s (a busy gateway, not the limit) cannot
  ratchet the task down to a crawl.

No module starts its own threads; every fleet operation goes through ``Fleet.map``.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import collections
import math
import threading
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, IncompleteListing, InputError

CONCURRENCY_MAX = 64  # above this a task mostly adds connections and 429s; platforms throttle well before
DEFAULT_CONCURRENCY = 8

RUN_CONTROL_SPEC: t.Dict[str, t.Dict[str, t.Any]] = {
    "concurrency": {"type": "int", "default": DEFAULT_CONCURRENCY},
    "rate_limit": {"type": "float"},
    "max_failures": {"type": "int", "default": 0},
}


class RunControls(t.NamedTuple):
    concurrency: int
    rate_limit: t.Optional[float]
    max_failures: int


def run_controls(params: t.Mapping[str, t.Any]) -> RunControls:
    """The validated run controls; InputError naming the option, before any request is sent."""
    concurrency = params.get("concurrency")
    concurrency = DEFAULT_CONCURRENCY if concurrency is None else concurrency
    rate_limit = params.get("rate_limit")
    max_failures = params.get("max_failures")
    max_failures = 0 if max_failures is None else max_failures
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= CONCURRENCY_MAX:
        raise InputError("concurrency must be a whole number from 1 (sequential) to %d, not %r" % (CONCURRENCY_MAX, concurrency))
    if rate_limit is not None:
        if isinstance(rate_limit, bool) or not isinstance(rate_limit, (int, float)) or not math.isfinite(rate_limit) or rate_limit <= 0:
            raise InputError("rate_limit must be a number of requests per second above 0 (leave it unset for no cap), not %r" % (rate_limit,))
        rate_limit = float(rate_limit)
    if isinstance(max_failures, bool) or not isinstance(max_failures, int) or max_failures < 0:
        raise InputError("max_failures must be a whole number of targets, 0 or more, not %r" % (max_failures,))
    return RunControls(concurrency, rate_limit, max_failures)


class RateLimiter:
    """A token bucket of one token (requests spaced evenly) whose rate is min(cap, adaptive rate).

    ``clock`` and ``sleep`` are injectable so that every decision can be tested without waiting.
    Thread-safe: one limiter is shared by every worker of a task.
    """

    MIN_RATE = 0.5  # requests per second; the adaptive rate never goes below it
    DEFAULT_PAUSE = 1.0  # seconds everyone waits after a throttle without Retry-After
    MAX_PAUSE = 60.0  # the cap of Retry-After, as for retries
    DECREASE = 0.5  # the adaptive rate is halved on a throttle
    RECOVER_TO = 0.95  # quick additive climb back up to this share of the throttled rate...
    RECOVER_PER_SECOND = 0.5  # ...by this share of it per second
    PROBE_PER_SECOND = 0.001  # then this share per second, to find a higher limit
    WINDOW = 1.0  # seconds over which the cap and the accepted rate are counted
    WINDOW_MARGIN = 0.02  # seconds of room in the cap's window for clock and network jitter
    MIN_SPAN = 0.25  # seconds of sending since a pause below which the accepted rate is not measured
    PROVEN_SHARE = 0.9  # the throttled rate is at least this share of the best accepted second...
    PROVEN_MEMORY = 30.0  # ...of the last this many seconds
    PROVEN_REFRESH = 0.8  # a second with at least this share of the best keeps the best fresh

    def __init__(
        self,
        cap: t.Optional[float] = None,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.cap = cap
        self.clock = clock
        self.sleep = sleep
        self.adaptive: t.Optional[float] = None
        self.throttled_rate: t.Optional[float] = None
        self.throttles = 0
        self._next = 0.0
        self._pause_until = 0.0
        self._resumed_at: t.Optional[float] = None  # when the last pause ended (None: never paused)
        self._cooldown_until = 0.0
        self._grants: t.Deque[float] = collections.deque()
        self._accepted: t.Deque[float] = collections.deque()
        self._proven = 0  # most answers accepted within one window, and when that was
        self._proven_at = 0.0
        self._lock = threading.Lock()

    @property
    def rate(self) -> t.Optional[float]:
        """Requests per second allowed now, or None for no limit."""
        rates = [rate for rate in (self.cap, self.adaptive) if rate is not None]
        return min(rates) if rates else None

    def try_acquire(self) -> float:
        """Take the right to send one request now (0.0), or the seconds to wait before asking again."""
        with self._lock:
            now = self.clock()
            wait = max(self._pause_until, self._next) - now
            if self.cap is not None:
                while self._grants and self._grants[0] <= now - self.WINDOW - self.WINDOW_MARGIN:
                    self._grants.popleft()
                if len(self._grants) >= max(1, int(self.cap)):
                    wait = max(wait, self._grants[0] + self.WINDOW + self.WINDOW_MARGIN - now)
            if wait > 0:
                return wait
            rate = self.rate
            if rate is not None:
                interval = 1.0 / rate
                # Keep the schedule when a worker woke up a little late (the time is made up on the next
                # slot); start it again from now after a pause or an idle moment, never with a burst.
                self._next = self._next + interval if self._next + interval > now else now + interval
            if self.cap is not None:
                self._grants.append(now)
            return 0.0

    def acquire(self) -> None:
        """Wait until a request may be sent."""
        while True:
            wait = self.try_acquire()
            if wait <= 0:
                return
            self.sleep(wait)

    def accepted(self) -> None:
        """An answer that was not a throttle: count it, and let the adaptive rate climb."""
        with self._lock:
            now = self.clock()
            self._accepted.append(now)
            self._trim_accepted(now)
            count = len(self._accepted)
            if count >= self._proven:
                self._proven, self._proven_at = count, now
            elif count >= self.PROVEN_REFRESH * self._proven:
                self._proven_at = now  # still sending close to it: the proof stays fresh
            elif now - self._proven_at > self.PROVEN_MEMORY:
                self._proven, self._proven_at = count, now
            if self.adaptive is None or self.throttled_rate is None:
                return
            below = self.adaptive < self.RECOVER_TO * self.throttled_rate
            share = self.RECOVER_PER_SECOND if below else self.PROBE_PER_SECOND
            # One answer at rate r comes every 1/r s: adding share*T/r per answer adds share*T per second.
            self.adaptive += share * self.throttled_rate / self.adaptive

    def throttled(self, retry_after: t.Optional[float] = None) -> None:
        """A throttle answer: pause every worker, and lower the rate once per throttle episode."""
        with self._lock:
            now = self.clock()
            pause = self.DEFAULT_PAUSE if retry_after is None else min(max(0.0, retry_after), self.MAX_PAUSE)
            self._pause_until = max(self._pause_until, now + pause)
            if now < self._cooldown_until:
                self._resumed_at = self._pause_until
                return  # an answer to a request sent before the rate was lowered
            self.throttles += 1
            measured = self._accepted_rate(now)
            self._resumed_at = self._pause_until
            candidates = [rate for rate in (self.adaptive, measured) if rate is not None]
            if candidates:  # with nothing known (a throttle as the first answer), only the pause
                base = min(candidates)
                proven = self.PROVEN_SHARE * self._proven if now - self._proven_at <= self.PROVEN_MEMORY else 0.0
                self.throttled_rate = max(self.MIN_RATE, base, proven)
                self.adaptive = max(self.MIN_RATE, base * self.DECREASE)
            self._cooldown_until = self._pause_until

    def _accepted_rate(self, now: float) -> t.Optional[float]:
        """Answers accepted per second over the last window of sending, or None when too little was sent to tell."""
        self._trim_accepted(now)
        start = now - self.WINDOW
        if self._resumed_at is not None and self._resumed_at > start:
            start = self._resumed_at
        span = now - start
        count = sum(1 for when in self._accepted if when > start) if start > now - self.WINDOW else len(self._accepted)
        if span < self.MIN_SPAN or not count:
            return None
        return count / span

    def _trim_accepted(self, now: float) -> None:
        while self._accepted and self._accepted[0] <= now - self.WINDOW:
            self._accepted.popleft()


class Outcome(t.NamedTuple):
    """What one item of ``Fleet.map`` gave: its value, or the exception it raised."""

    item: t.Any
    value: t.Any
    error: t.Optional[BaseException]


class Fleet:
    """One task's worker pool and rate limiter, attached to the platform client's HTTP client.

    ``progress`` (the lookup's, which runs on the controller) is told how far ``map`` is, at most
    every ``PROGRESS_INTERVAL`` seconds; nothing is told for a run shorter than that.
    """

    PROGRESS_INTERVAL = 5.0

    def __init__(self, client: t.Any, controls: RunControls, clock: t.Callable[[], float] = time.monotonic,
                 progress: t.Optional[t.Callable[[str], None]] = None) -> None:
        self.client = client
        self.controls = controls
        self.clock = clock
        self.progress = progress
        self.limiter = RateLimiter(controls.rate_limit, clock=clock, sleep=client.http.sleep)
        client.http.limiter = self.limiter
        client.http.size_pool(controls.concurrency)
        self._requests_before = client.http.request_count
        self._started = clock()
        self._reported = self._started
        self._progress_lock = threading.Lock()

    @property
    def requests(self) -> int:
        """Requests sent since the fleet started (every attempt counts)."""
        return self.client.http.request_count - self._requests_before

    @property
    def seconds(self) -> float:
        return self.clock() - self._started

    def map(self, function: t.Callable[[t.Any], t.Any], items: t.Iterable[t.Any], what: str = "items") -> t.List[Outcome]:
        """``function`` over every item, ``concurrency`` at a time; outcomes in the items' order.

        An exception of one item is its outcome's ``error``; it never stops the others. ``what`` names
        the items in progress lines.
        """
        items = list(items)
        done = [0]

        def one(item: t.Any) -> Outcome:
            try:
                outcome = Outcome(item, function(item), None)
            except Exception as error:  # pylint: disable=broad-exception-caught  # each target reports its own failure
                outcome = Outcome(item, None, error)
            if self.progress is not None:
                self._report(done, len(items), what)
            return outcome

        workers = min(self.controls.concurrency, len(items))
        if workers <= 1:
            return [one(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iotpki-fleet") as pool:
            return list(pool.map(one, items))

    def _report(self, done: t.List[int], total: int, what: str) -> None:
        with self._progress_lock:
            done[0] += 1
            now = self.clock()
            if now - self._reported < self.PROGRESS_INTERVAL or self.progress is None:
                return
            self._reported = now
            self.progress("%d of %d %s done, %d requests, %.0f s" % (done[0], total, what, self.requests, now - self._started))


def failure_entry(target: str, error: BaseException) -> t.Dict[str, t.Any]:
    """One entry of ``failures``: the target, the message, and the collection's error dict (or None)."""
    return {
        "target": target,
        "msg": str(error) or type(error).__name__,
        "error": error.to_dict() if isinstance(error, ApiError) else None,
    }


def fleet_result(
    *,
    records: t.List[t.Dict[str, t.Any]],
    changed_ids: t.List[str],
    failures: t.List[t.Dict[str, t.Any]],
    not_found: t.List[str],
    matched: int,
    seconds: float,
    requests: int,
    max_failures: int,
    check_mode: bool,
) -> t.Tuple[t.Dict[str, t.Any], t.Optional[str]]:
    """The fleet result keys (``certificates``, ``changed_ids``, ``failures``, ``summary``) and the
    failure message when more targets failed than ``max_failures`` allows (else None)."""
    failed = len(failures)
    summary = {
        "matched": matched,
        "changed": len(changed_ids),
        "unchanged": max(0, matched - len(changed_ids) - failed),
        "failed": failed,
        "not_found": len(not_found),
        "requests": requests,
        "seconds": round(seconds, 3),
    }
    result = {
        "changed": bool(changed_ids),
        "certificates": records,
        "changed_ids": changed_ids,
        "failures": failures,
        "not_found": not_found,
        "summary": summary,
    }
    return result, failure_message(failures, matched, max_failures, check_mode)


def failure_message(failures: t.List[t.Dict[str, t.Any]], matched: int, max_failures: int, check_mode: bool = False,
                    rest: str = "The others are done: fix the cause and run the task again, it only acts on what is left") -> t.Optional[str]:
    """The task's failure message when more targets failed than ``max_failures`` allows (else None): counts, the first."""
    failed = len(failures)
    if failed <= max_failures:
        return None
    first = failures[0]
    return "%d of %d targets failed%s (max_failures=%d); first: %s: %s. %s" % (
        failed, max(matched, failed), " in check mode" if check_mode else "", max_failures, first["target"], first["msg"], rest)


# fetch(offset, marker) -> the decoded list page at ``offset`` records after ``marker`` (None: the newest)
WindowFetcher = t.Callable[[int, t.Optional[str]], t.Mapping[str, t.Any]]
MAX_OFFSET = 500  # the IoTDA list calls' offset range is 0-500


def collect_windows(
    fetch: WindowFetcher,
    items_key: str,
    id_key: str,
    fleet_map: t.Callable[[t.Callable[[t.Any], t.Any], t.Iterable[t.Any], str], t.List[Outcome]],
    first_page: t.Optional[t.Mapping[str, t.Any]] = None,
    page_size: int = 50,
    source_url: str = "",
) -> t.List[t.Dict[str, t.Any]]:
    """Every record of a list call, the pages of one marker window (offsets 0, 50, ... 500) in parallel.

    Only the pages that ``page.count`` says hold records are asked for, so N records cost ceil(N/50)
    requests. Records are de-duplicated by ``id_key``. Without a usable ``page.count`` the pages are
    followed one marker at a time. A listing that stops making progress (no new record, or a marker
    already followed) raises IncompleteListing, as ``_paging.collect_pages`` does: never a partial list.
    """
    page = first_page if first_page is not None else fetch(0, None)
    pages = [page]
    marker: t.Optional[str] = None
    items: t.List[t.Dict[str, t.Any]] = []
    seen: t.Set[t.Any] = set()
    used_markers: t.Set[str] = set()
    next_index = 1  # the first page of the first window is there already
    read = 0
    per_window = MAX_OFFSET // page_size + 1
    while True:
        fresh = 0
        short = False
        for page in pages:
            records = list((page or {}).get(items_key) or [])
            read += len(records)
            short = short or len(records) < page_size
            for record in records:
                key = record.get(id_key)
                if key in seen:
                    continue
                seen.add(key)
                items.append(record)
                fresh += 1
        info = (pages[-1] or {}).get("page") or {}
        total = info.get("count") if isinstance(info.get("count"), int) and not isinstance(info.get("count"), bool) else None
        if short or (total is not None and len(items) >= total):
            return items
        next_marker = info.get("marker")
        if not fresh or not next_marker or str(next_marker) in used_markers:
            problem = "a window of pages brought no new record" if not fresh else (
                "a full page had no page.marker" if not next_marker else "page.marker %s was already followed" % str(next_marker)[:64])
            raise IncompleteListing("IoTDA", "GET", source_url, problem, read, len(items), total)
        if next_index == 1 and len(pages) == 1 and marker is None and total is not None:
            # Still in the first window: the rest of it comes from offsets after no marker.
            wanted = min(per_window - 1, math.ceil((total - len(items)) / page_size))
            offsets = [index * page_size for index in range(1, 1 + wanted)]
            next_index = 0
        else:
            marker = str(next_marker)
            used_markers.add(marker)
            if total is None:
                offsets = [0]
            else:
                offsets = [index * page_size for index in range(min(per_window, math.ceil((total - len(items)) / page_size)))]
        outcomes = fleet_map(lambda offset, marker=marker: fetch(offset, marker), offsets, "list pages")
        for outcome in outcomes:
            if outcome.error is not None:
                raise outcome.error
        pages = [outcome.value for outcome in outcomes]
