"""--latency, --rate-limit, the request log's timestamps and random / persistent faults."""

from __future__ import annotations

import concurrent.futures
import time

from sim_helpers import Client

LIST = "/device-certificates?limit=1"


def _parallel(client: Client, count: int) -> list[int]:
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: client.iotda("GET", LIST).status, range(count)))


def test_latency_is_parallel_and_spares_controls(client):
    """16 concurrent requests at 0.5 s latency finish together; controls answer at once."""
    client.control("POST", "/config", {"latency": 0.5})
    started = time.monotonic()
    assert _parallel(client, 16) == [200] * 16
    assert 0.5 <= time.monotonic() - started < 1.5
    started = time.monotonic()
    client.control("GET", "/requests")
    assert time.monotonic() - started < 0.3


def test_rate_limit_throttles_per_platform(client):
    """Above N requests in a second: 429 with Retry-After and the platform's body; EnOS counts apart."""
    client.control("POST", "/config", {"rate_limit": 5})
    statuses = [client.iotda("GET", LIST) for _attempt in range(8)]
    assert [r.status for r in statuses] == [200] * 5 + [429] * 3
    refused = statuses[-1]
    assert refused.headers["retry-after"] == "1" and refused.json["error_code"] == "IOTDA.021102"
    enos = client.request("GET", "/connect-service/v2.0/certificates?action=list")
    assert enos.status == 200
    log = client.control("GET", "/requests").json["requests"]
    assert [e["throttled"] for e in log[:8]] == [False] * 5 + [True] * 3
    assert all(isinstance(e["timestamp"], float) for e in log)
    assert log[7]["timestamp"] >= log[0]["timestamp"]
    time.sleep(1.05)
    assert client.iotda("GET", LIST).status == 200
    client.control("POST", "/reset")
    assert client.control("GET", "/config").json["rate_limit"] is None


def test_rate_limit_enos_answer(client):
    """EnOS above the limit: HTTP 429, code 429 in the envelope."""
    client.control("POST", "/config", {"rate_limit": 1})
    client.request("GET", "/connect-service/v2.0/certificates?action=list")
    refused = client.request("POST", "/apim-token-service/v2.0/token/get", {})
    assert refused.status == 429 and refused.json["status"] == 429 and "retry-after" in refused.headers


def test_random_faults_are_seeded(client):
    """probability + seed + a list of statuses: the same answers for the same seed; spared requests pass."""
    spec = {"persistent": True, "probability": 0.3, "seed": 7, "status": [500, 503, 429],
            "match": {"platform": "iotda"}}
    runs = []
    for _attempt in range(2):
        client.control("POST", "/reset")
        client.control("POST", "/faults", spec)
        runs.append([client.iotda("GET", LIST).status for _attempt in range(60)])
    assert runs[0] == runs[1]
    faulted = [s for s in runs[0] if s != 200]
    assert 5 <= len(faulted) <= 35 and set(faulted) <= {500, 503, 429} and len(set(faulted)) > 1
    view = client.control("GET", "/faults").json["faults"][0]
    assert view["seen"] == 60 and view["answered"] == len(faulted)
    assert client.control("DELETE", "/faults").json["cleared"] == 1
    assert client.iotda("GET", LIST).status == 200


def test_fault_watching_n_requests(client):
    """requests: N - the fault goes away after N matching requests, whatever it answered."""
    client.control("POST", "/faults", {"persistent": True, "probability": 0.5, "requests": 10, "status": 503})
    for _attempt in range(10):
        client.iotda("GET", LIST)
    assert client.control("GET", "/faults").json["count"] == 0


def test_persistent_fault_on_given_targets(client):
    """Every PUT on the listed certificate IDs answers 500 until cleared; the others are untouched."""
    ids = [c["certificate_id"] for c in client.control(
        "POST", "/iotda/device-certificates", {"generate": {"count": 3}}).json["created"]]
    client.control("POST", "/faults", {"persistent": True, "status": 500, "match": {
        "method": "PUT", "path": ["/device-certificates/" + ids[0], "/device-certificates/" + ids[1]]}})
    for _attempt in range(3):
        answers = [client.iotda("PUT", "/device-certificates/" + i, {"status": "INACTIVE"}).status for i in ids]
        assert answers == [500, 500, 200]
    assert client.iotda("GET", "/device-certificates/" + ids[0]).status == 200
    client.control("DELETE", "/faults")
    assert client.iotda("PUT", "/device-certificates/" + ids[0], {"status": "INACTIVE"}).status == 200


def test_fault_validation(client):
    """Bad fault specs are refused with a message."""
    for bad in ({"persistent": True, "count": 2}, {"probability": 2}, {"status": []}, {"match": {"path": [1]}}):
        reply = client.control("POST", "/faults", bad)
        assert reply.status == 400 and reply.json["error"], bad


def test_version(client):
    """GET /_sim/version."""
    assert client.control("GET", "/version").json["name"] == "iotpki-simulator"
