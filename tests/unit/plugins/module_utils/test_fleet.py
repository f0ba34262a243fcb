# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet engine: run controls, the adaptive limiter (injected clock), the pool (fake work),
the HTTP client's limiter hook (a local server) and the EnOS token under concurrency."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils import _fleet
from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import EnosClient
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, IncompleteListing, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import (
    Fleet, RateLimiter, RunControls, failure_entry, fleet_result, run_controls,
)
from ansible_collections.iotpki.certificates.plugins.module_utils._http import HttpClient, Response


class Clock:
    """A clock that only moves when told (or when the limiter sleeps)."""

    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


# -- run controls ----------------------------------------------------------------------------------

def test_run_controls_defaults():
    assert run_controls({}) == RunControls(8, None, 0)
    assert run_controls({"concurrency": 1, "rate_limit": 2, "max_failures": 5}) == RunControls(1, 2.0, 5)
    assert run_controls({"concurrency": _fleet.CONCURRENCY_MAX}).concurrency == 64


@pytest.mark.parametrize("params, option", [
    ({"concurrency": 0}, "concurrency"),
    ({"concurrency": 65}, "concurrency"),
    ({"concurrency": -3}, "concurrency"),
    ({"rate_limit": -1.0}, "rate_limit"),
    ({"rate_limit": 0}, "rate_limit"),
    ({"rate_limit": float("nan")}, "rate_limit"),
    ({"rate_limit": float("inf")}, "rate_limit"),
    ({"max_failures": -1}, "max_failures"),
])
def test_run_controls_name_the_bad_option(params, option):
    with pytest.raises(InputError) as caught:
        run_controls(params)
    assert str(caught.value).startswith(option + " ")


# -- limiter ---------------------------------------------------------------------------------------

def make_limiter(cap=None):
    clock = Clock()
    return RateLimiter(cap, clock=clock, sleep=clock.sleep), clock


def test_no_cap_and_no_throttle_never_waits():
    limiter, clock = make_limiter()
    for _dummy in range(1000):
        assert limiter.try_acquire() == 0.0
    assert clock.now == 100.0 and limiter.rate is None


def test_cap_spaces_requests_evenly():
    limiter, clock = make_limiter(cap=10)
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == pytest.approx(0.1)
    clock.now += 0.1
    assert limiter.try_acquire() == 0.0


def test_cap_never_allows_more_than_cap_in_any_second():
    limiter, clock = make_limiter(cap=10)
    sent = []
    for _dummy in range(100):
        limiter.acquire()
        sent.append(clock.now)
        clock.now += 0.001  # the request's own time
    for index in range(len(sent) - 10):
        assert sent[index + 10] - sent[index] >= 1.0
    rate = (len(sent) - 1) / (sent[-1] - sent[0])
    assert 9.5 < rate <= 10.0


def test_a_late_wake_up_keeps_the_schedule_and_an_idle_moment_gives_no_burst():
    limiter, clock = make_limiter(cap=10)
    limiter.try_acquire()
    clock.now += 0.13  # a worker that woke up 30 ms after its slot
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == pytest.approx(0.07)  # the next slot stays at +0.2
    clock.now += 5.0  # nothing to send for a while
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == pytest.approx(0.1)


def test_throttle_pauses_everyone_for_retry_after_and_halves_the_accepted_rate():
    limiter, clock = make_limiter()
    for _dummy in range(40):
        assert limiter.try_acquire() == 0.0
        limiter.accepted()
        clock.now += 0.02  # 50 answers per second
    limiter.throttled(retry_after=2.0)
    assert limiter.throttled_rate == 40  # what the platform accepted in the last second
    assert limiter.adaptive == 20
    assert limiter.try_acquire() == pytest.approx(2.0)
    clock.now += 2.0
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == pytest.approx(1 / 20)


def test_throttle_without_retry_after_pauses_one_second():
    limiter, clock = make_limiter()
    limiter.throttled(None)
    assert limiter.try_acquire() == pytest.approx(1.0)
    assert limiter.adaptive is None and limiter.rate is None  # nothing known of the platform's rate: only the pause
    clock.now += 1.0
    assert limiter.try_acquire() == 0.0


def test_a_throttle_soon_after_a_pause_does_not_take_the_pause_for_the_platform_rate():
    limiter, clock = make_limiter()
    for _dummy in range(100):
        limiter.accepted()
        clock.now += 0.01  # 100 answers per second
    limiter.throttled(None)  # a lone 429 (a fault, not the limit)
    assert limiter.adaptive == pytest.approx(50, abs=1)
    clock.now += 1.0  # the pause
    for _dummy in range(40):
        limiter.acquire()
        limiter.accepted()  # sending at the adaptive pace, climbing back
    limiter.throttled(None)
    # the rate since the pause ended (above 50), not the 40 answers of a second that was mostly the pause
    assert limiter.throttled_rate > 45 and limiter.adaptive > 22.5


def test_throttles_of_requests_in_flight_lower_the_rate_once():
    limiter, clock = make_limiter()
    for _dummy in range(30):
        limiter.accepted()
    for _dummy in range(8):
        limiter.throttled(1.0)
        clock.now += 0.01
    assert limiter.throttles == 1 and limiter.adaptive == 15
    clock.now += 1.0
    limiter.throttled(1.0)  # a throttle after the pause: the rate is still too high
    assert limiter.throttles == 2 and limiter.adaptive == 7.5


def test_stray_throttles_never_take_the_rate_below_what_the_platform_accepted():
    limiter, clock = make_limiter()
    for _dummy in range(60):
        limiter.acquire()
        limiter.accepted()
        clock.now += 1 / 60  # the platform accepts 60 per second
    for _dummy in range(10):  # a lone 429 after every 20 good answers (a busy gateway, not the limit)
        limiter.throttled(None)
        clock.now += 1.0
        for _answer in range(20):
            limiter.acquire()
            limiter.accepted()
    assert limiter.throttled_rate >= 0.9 * 59
    assert limiter.rate >= 0.5 * 0.9 * 59
    clock.now += 31.0  # the proof ages: a limit that really went down is followed
    limiter.acquire()
    limiter.accepted()
    limiter.throttled(None)
    assert limiter.throttled_rate < 0.9 * 59


def test_retry_after_is_capped():
    limiter, _clock = make_limiter()
    limiter.throttled(3600.0)
    assert limiter.try_acquire() == pytest.approx(RateLimiter.MAX_PAUSE)


def climb(limiter, clock, seconds):
    """Send at the limiter's pace with every answer good, for ``seconds`` of fake time."""
    end = clock.now + seconds
    while clock.now < end:
        limiter.acquire()
        limiter.accepted()


def test_rate_climbs_back_quickly_to_ninety_five_percent_then_slowly():
    limiter, clock = make_limiter()
    for _dummy in range(50):
        limiter.accepted()
    limiter.throttled(1.0)
    assert limiter.adaptive == 25
    climb(limiter, clock, 1.0 + 0.5)  # the pause, then half a second: half way back
    assert 35.0 <= limiter.adaptive <= 40.0
    climb(limiter, clock, 1.0)
    assert 47.5 <= limiter.adaptive <= 48.0
    before = limiter.adaptive
    climb(limiter, clock, 10.0)  # a tenth of a percent of 50 per second
    assert before + 0.3 < limiter.adaptive <= before + 0.6


def test_cap_bounds_the_adaptive_rate():
    limiter, _clock = make_limiter(cap=5)
    for _dummy in range(100):
        limiter.accepted()
    limiter.throttled(0.0)
    assert limiter.adaptive == 50 and limiter.rate == 5


# -- pool ------------------------------------------------------------------------------------------

class StubHttp:
    def __init__(self):
        self.request_count = 0
        self.limiter = None
        self.pool = None
        self.sleep = time.sleep

    def size_pool(self, connections):
        self.pool = connections


class StubClient:
    def __init__(self):
        self.http = StubHttp()


def test_fleet_attaches_the_limiter_and_sizes_the_pool():
    client = StubClient()
    client.http.request_count = 7
    fleet = Fleet(client, RunControls(5, 3.0, 0))
    assert client.http.limiter is fleet.limiter and fleet.limiter.cap == 3.0
    assert client.http.pool == 5
    client.http.request_count += 4
    assert fleet.requests == 4


def test_map_keeps_order_captures_errors_and_bounds_concurrency():
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def work(item):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.01)
        with lock:
            state["now"] -= 1
        if item % 7 == 0:
            raise ApiError("IoTDA", "PUT", "http://x/v5/iot/p/device-certificates/%d" % item, "boom", http_status=500)
        return item * 2

    outcomes = Fleet(StubClient(), RunControls(4, None, 0)).map(work, range(40))
    assert [outcome.item for outcome in outcomes] == list(range(40))
    assert [outcome.value for outcome in outcomes if outcome.error is None] == [i * 2 for i in range(40) if i % 7]
    assert all(isinstance(outcome.error, ApiError) for outcome in outcomes if outcome.item % 7 == 0)
    assert state["peak"] == 4


def test_map_with_concurrency_one_is_sequential_in_the_calling_thread():
    seen = []
    outcomes = Fleet(StubClient(), RunControls(1, None, 0)).map(lambda item: seen.append(threading.current_thread()), "abc")
    assert len(outcomes) == 3 and set(seen) == {threading.current_thread()}


def test_map_of_nothing():
    assert Fleet(StubClient(), RunControls(8, None, 0)).map(str, []) == []


# -- results ---------------------------------------------------------------------------------------

def test_failure_entry_has_the_spec_error_shape():
    error = ApiError("IoTDA", "PUT", "http://h/v5/iot/p/device-certificates/c1", "Server busy", http_status=503, code="IOTDA.000001",
                     request_id="r-1", retryable=True, attempts=4)
    entry = failure_entry("c1", error)
    assert entry == {"target": "c1", "msg": str(error), "error": error.to_dict()}
    assert failure_entry("c2", InputError("no such thing")) == {"target": "c2", "msg": "no such thing", "error": None}


def test_fleet_result_counts_and_fails_past_max_failures():
    failures = [failure_entry("c%d" % i, InputError("bad %d" % i)) for i in range(3)]
    result, message = fleet_result(records=[{"certificate_id": "a"}], changed_ids=["a", "b"], failures=failures, not_found=["zz"],
                                   matched=10, seconds=1.23456, requests=17, max_failures=2, check_mode=False)
    assert result["summary"] == {"matched": 10, "changed": 2, "unchanged": 5, "failed": 3, "not_found": 1, "requests": 17, "seconds": 1.235}
    assert result["changed"] is True and result["changed_ids"] == ["a", "b"] and result["not_found"] == ["zz"]
    assert message.startswith("3 of 10 targets failed (max_failures=2); first: c0: bad 0")
    _result, message = fleet_result(records=[], changed_ids=[], failures=failures, not_found=[], matched=10, seconds=0, requests=0,
                                    max_failures=3, check_mode=True)
    assert message is None


# -- the HTTP client's hook ------------------------------------------------------------------------

class Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script = []
    seen = []

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(self.path)
        status, headers, body = type(self).script.pop(0) if type(self).script else (200, {}, {})
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture
def server():
    Answers.script, Answers.seen = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


class RecordingLimiter:
    def __init__(self):
        self.events = []

    def acquire(self):
        self.events.append("acquire")

    def accepted(self):
        self.events.append("accepted")

    def throttled(self, retry_after=None):
        self.events.append(("throttled", retry_after))


def test_every_attempt_waits_on_the_limiter_and_throttles_are_reported(server):
    Answers.script = [
        (429, {"Retry-After": "0"}, {"error_code": "IOTDA.021101", "error_msg": "rate limit"}),
        (503, {}, {"error_code": "IOTDA.000001", "error_msg": "busy"}),
        (200, {}, {}),
    ]
    http = HttpClient("IoTDA", server, retries=3, sleep=lambda seconds: None)
    http.limiter = RecordingLimiter()
    http.request("PUT", "/x", body=b"{}")
    assert http.limiter.events == ["acquire", ("throttled", 0.0), "acquire", "acquire", "accepted"]
    assert http.request_count == 3


def test_iotda_throttling_code_in_a_403_is_a_throttle_but_not_retried(server):
    Answers.script = [(403, {}, {"error_code": "IOTDA.021102", "error_msg": "tenant rate limit"})]
    http = HttpClient("IoTDA", server, retries=3, sleep=lambda seconds: None)
    http.limiter = RecordingLimiter()
    with pytest.raises(ApiError):
        http.request("GET", "/x")
    assert http.limiter.events == ["acquire", ("throttled", None)]


def test_a_post_is_never_sent_twice_under_a_limiter(server):
    Answers.script = [(429, {"Retry-After": "0"}, {"error_code": "IOTDA.021101", "error_msg": "rate limit"})]
    http = HttpClient("IoTDA", server, retries=3, sleep=lambda seconds: None)
    http.limiter = RecordingLimiter()
    with pytest.raises(ApiError):
        http.request("POST", "/x", body=b"{}")
    assert http.request_count == 1


def test_request_count_is_exact_under_concurrency(server):
    http = HttpClient("IoTDA", server, retries=0)
    http.size_pool(8)
    fleet = Fleet(type("Client", (), {"http": http})(), RunControls(8, None, 0))
    outcomes = fleet.map(lambda index: http.request("PUT", "/x/%d" % index, body=b"{}"), range(200))
    assert all(outcome.error is None for outcome in outcomes)
    assert fleet.requests == 200 == http.request_count == len(Answers.seen)


# -- EnOS token under concurrency ------------------------------------------------------------------

class ConcurrentEnosHttp:
    """Answers the token service and the certificates call; token tok-1 expires once all 8 used it."""

    base_url = "https://gw.example"

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = 0
        self.barrier = threading.Barrier(8)

    def request_json(self, method, path, query="", body=None, headers=None, sign=None, idempotent=None):
        if path.startswith("/apim-token-service"):
            with self.lock:
                self.tokens += 1
                token = "tok-%d" % self.tokens
            time.sleep(0.05)
            return Response(200, {}, b""), {"status": 0, "data": {"accessToken": token}}
        used = sign(method, path, query, headers or {}, body or b"")["apim-accesstoken"]
        if used == "tok-1":
            self.barrier.wait(timeout=5)  # all eight workers hold the old token at once
            return Response(200, {}, b""), {"code": 1203, "msg": "token expired"}
        return Response(200, {}, b""), {"code": 0, "data": []}


def test_eight_workers_seeing_an_expired_token_fetch_exactly_one_new_token():
    client = EnosClient({"gateway_url": "https://gw.example", "access_key": "ak", "secret_key": "s", "org_id": "o1"})
    client.http = ConcurrentEnosHttp()
    client.token()
    threads = [threading.Thread(target=client.certificates, args=("list", [("assetId", "a%d" % i)])) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.http.tokens == 2 and client.token_requests == 2


# -- listing by offset windows ---------------------------------------------------------------------

class Pages:
    """A platform list call over ``count`` records, newest (highest ID) first, with marker and offset."""

    def __init__(self, count, exact=True):
        self.ids = ["%024x" % (count - index) for index in range(count)]
        self.exact = exact
        self.calls = []
        self.lock = threading.Lock()

    def fetch(self, offset, marker):
        with self.lock:
            self.calls.append((offset, marker))
        start = 0 if marker is None else next((i for i, value in enumerate(self.ids) if value < marker), len(self.ids))
        chunk = self.ids[start + offset:start + offset + 50]
        page = {"marker": chunk[-1]} if chunk else {}
        if self.exact:
            page["count"] = len(self.ids)
        return {"device_certificates": [{"certificate_id": value} for value in chunk], "page": page}


def serial_map(function, items, what="items"):
    return Fleet(StubClient(), RunControls(4, None, 0)).map(function, items, what)


@pytest.mark.parametrize("count", [0, 1, 49, 50, 51, 550, 551, 1234, 10000])
def test_windows_list_everything_in_ceil_n_over_50_requests(count):
    pages = Pages(count)
    items = _fleet.collect_windows(pages.fetch, "device_certificates", "certificate_id", serial_map)
    assert [item["certificate_id"] for item in items] == pages.ids
    assert len(pages.calls) == max(1, -(-count // 50))
    assert all(offset <= 500 for offset, _marker in pages.calls)
    markers = [marker for _offset, marker in pages.calls]
    assert len(set(markers)) == max(1, -(-count // 550))  # one marker per window of 11 pages


def test_windows_without_a_count_follow_markers_one_page_at_a_time():
    pages = Pages(120, exact=False)
    items = _fleet.collect_windows(pages.fetch, "device_certificates", "certificate_id", serial_map)
    assert len(items) == 120 and [offset for offset, _marker in pages.calls] == [0, 0, 0]


def test_windows_that_stop_making_progress_fail_instead_of_looping():
    def fetch(offset, marker):
        return {"device_certificates": [{"certificate_id": "%d" % i} for i in range(50)], "page": {"count": 500, "marker": "x"}}

    with pytest.raises(IncompleteListing, match="incomplete listing: a window of pages brought no new record"):
        _fleet.collect_windows(fetch, "device_certificates", "certificate_id", serial_map)
