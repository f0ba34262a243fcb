# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet form of iotda_device_certificate with real ansible-playbook against the simulator.

Writes are counted in the simulator's request log: a target is written once when exactly one
of its PUTs got a 2xx answer (a retried 5xx or 429 attempt is not a write that happened).
"""

from __future__ import annotations

import collections
import datetime

import pytest

PLAYBOOK = "fleet_device_certificates"


def seed(sim, count, prefix):
    created = sim.seed_device_certificates(generate={"count": count, "common_name_prefix": prefix, "expires_in_days": [10, 365]})["created"]
    return [record["certificate_id"] for record in created]


def puts(sim):
    return [entry for entry in sim.requests() if entry["platform"] == "iotda" and entry["method"] == "PUT"]


def done_writes(entries):
    """{certificate ID: number of PUTs answered 2xx}."""
    return collections.Counter(entry["path"].rsplit("/", 1)[-1] for entry in entries if entry["status"] and 200 <= entry["status"] < 300)


def run_fleet(run_playbook, fleet, check=False, diff=False, expect_rc=0, verbosity=0):
    run = run_playbook(PLAYBOOK, extra_vars={"fleet": fleet}, check=check, diff=diff, expect_rc=expect_rc, verbosity=verbosity)
    record = run.tasks("Fleet")[-1]
    # ansible-core 2.19 keeps "failed" out of the result a callback sees: take it from the task's status.
    return run, dict(record["result"], failed=record["failed"])


@pytest.mark.compat
def test_preview_then_act_then_unchanged_rerun(sim, run_playbook):
    ids = seed(sim, 120, "fleet-a-")
    fleet = {"filters": {"common_name_prefix": "fleet-a-", "status": "active"}, "status": "inactive"}
    sim.clear_requests()
    _run, preview = run_fleet(run_playbook, fleet, check=True, diff=True)
    assert preview["changed"] and sorted(preview["changed_ids"]) == sorted(ids)
    assert preview["summary"]["changed"] == 120 and preview["summary"]["matched"] == 120
    assert not [entry for entry in sim.requests() if entry["write"]]  # check mode: no write
    assert set(preview["diff"]["before"]) == set(ids) == set(preview["diff"]["after"])
    assert {record["status"] for record in preview["diff"]["after"].values()} == {"inactive"}
    assert all("certificate_pem" not in record for record in preview["certificates"])

    sim.clear_requests()
    _run, acted = run_fleet(run_playbook, fleet)
    assert acted["summary"] == dict(preview["summary"], requests=acted["summary"]["requests"], seconds=acted["summary"]["seconds"])
    assert done_writes(puts(sim)) == {certificate_id: 1 for certificate_id in ids}
    lists = [entry for entry in sim.requests() if entry["method"] == "GET" and entry["path"].endswith("/device-certificates")]
    assert len(lists) == -(-sim_total(sim) // 50)  # one listing: ceil(N/50) list requests

    sim.clear_requests()
    _run, again = run_fleet(run_playbook, dict(fleet, filters={"common_name_prefix": "fleet-a-"}))
    assert not again["changed"] and again["summary"]["unchanged"] == 120 and again["summary"]["changed"] == 0
    assert not [entry for entry in sim.requests() if entry["write"]]


def sim_total(sim):
    return len(sim.state()["iotda"]["device_certificates"])


def test_persistent_failures_then_rerun_writes_exactly_those(sim, run_playbook):
    ids = seed(sim, 60, "fleet-b-")
    broken = ids[3:8]
    sim.persistent_fault(500, platform="iotda", method="PUT", path=["/device-certificates/" + certificate_id for certificate_id in broken])
    sim.clear_requests()
    _run, failed = run_fleet(run_playbook, {"certificate_ids": ids, "status": "inactive", "retries": 1}, expect_rc=2)
    assert failed["failed"] and failed["msg"].startswith("5 of 60 targets failed (max_failures=0); first: ")
    assert sorted(entry["target"] for entry in failed["failures"]) == sorted(broken)
    for entry in failed["failures"]:
        assert entry["error"]["http_status"] == 500 and entry["error"]["method"] == "PUT" and entry["error"]["platform"] == "IoTDA"
        assert set(entry["error"]) == {"platform", "method", "url", "http_status", "code", "message", "request_id", "retryable"}
    assert failed["summary"]["changed"] == 55 and failed["summary"]["failed"] == 5
    assert done_writes(puts(sim)) == {certificate_id: 1 for certificate_id in ids if certificate_id not in broken}

    sim.clear_faults()
    sim.clear_requests()
    _run, rerun = run_fleet(run_playbook, {"certificate_ids": ids, "status": "inactive"})
    assert sorted(rerun["changed_ids"]) == sorted(broken)
    assert done_writes(puts(sim)) == {certificate_id: 1 for certificate_id in broken}


def test_max_failures_lets_the_task_succeed_with_the_failures_returned(sim, run_playbook):
    ids = seed(sim, 10, "fleet-c-")
    sim.persistent_fault(500, platform="iotda", method="PUT", path="/device-certificates/" + ids[0])
    _run, result = run_fleet(run_playbook, {"certificate_ids": ids, "status": "inactive", "max_failures": 1, "retries": 0})
    assert not result.get("failed") and result["summary"]["failed"] == 1 and result["failures"][0]["target"] == ids[0]
    sim.clear_faults()


def test_unknown_ids_are_not_found(sim, run_playbook):
    ids = seed(sim, 3, "fleet-d-")
    unknown = "f" * 23 + "0"
    _run, failed = run_fleet(run_playbook, {"certificate_ids": ids + [unknown], "status": "inactive"}, expect_rc=2)
    assert failed["not_found"] == [unknown] and unknown in failed["msg"] and failed["summary"]["changed"] == 3
    _run, absent = run_fleet(run_playbook, {"certificate_ids": [unknown], "state": "absent"})
    assert absent["not_found"] == [unknown] and not absent["changed"]


NOT_A_CA = """-----BEGIN CERTIFICATE-----
MIIBcjCCARmgAwIBAgIUQ0wqa2Ds1K6b0Bzp2wDRcQqV2n8wCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEbGVhZjAeFw0yNjAxMDEwMDAwMDBaFw0yNzAxMDEwMDAwMDBa
MA8xDTALBgNVBAMMBGxlYWYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT4T2aF
-----END CERTIFICATE-----
"""


@pytest.mark.parametrize("fleet, option", [
    ({"certificate_ids": [], "status": "inactive"}, "certificate_ids"),
    ({"fingerprints": [], "status": "inactive"}, "fingerprints"),
    ({"filters": {"colour": "red"}, "status": "inactive"}, "filters"),
    ({"certificate_ids": ["a"], "concurrency": 0, "status": "inactive"}, "concurrency"),
    ({"certificate_ids": ["a"], "rate_limit": -1, "status": "inactive"}, "rate_limit"),
    ({"filters": {"issuer": NOT_A_CA}, "status": "inactive"}, "filters.issuer"),
    ({"certificate_ids": ["a"], "fingerprints": ["ab" * 32], "status": "inactive"}, "certificate_ids"),
])
def test_bad_input_fails_before_any_request_naming_the_option(sim, run_playbook, fleet, option):
    sim.clear_requests()
    run, result = run_fleet(run_playbook, fleet, expect_rc=2)
    assert result["failed"] and option in result["msg"]
    assert sim.requests() == []
    assert "Traceback" not in run.stdout + run.stderr


def test_fleet_run_at_vvvv_shows_no_secret(sim, run_playbook):
    seed(sim, 20, "fleet-e-")
    # The harness scans stdout, stderr and the results for every credential of the simulator.
    _run, result = run_fleet(run_playbook, {"filters": {"common_name_prefix": "fleet-e-"}, "status": "inactive"}, diff=True, verbosity=4)
    assert result["summary"]["changed"] == 20


def _per_second(entries):
    return collections.Counter(entry["time"][:19] for entry in entries)


def _span(entries):
    times = [datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ") for entry in entries]
    return (max(times) - min(times)).total_seconds()


def test_a_throttling_platform_gets_every_target_done_near_its_limit(sim, run_playbook):
    ids = seed(sim, 300, "fleet-f-")
    sim.clear_requests()
    sim.set_rate_limit(20)
    try:
        _run, result = run_fleet(run_playbook, {"certificate_ids": ids, "status": "inactive", "concurrency": 8})
    finally:
        sim.set_rate_limit(None)
    entries = [entry for entry in sim.requests() if entry["platform"] == "iotda"]
    throttled = [entry for entry in entries if entry["status"] == 429]
    assert result["summary"]["changed"] == 300 and result["summary"]["failed"] == 0
    assert done_writes(puts(sim)) == {certificate_id: 1 for certificate_id in ids}
    assert len(throttled) <= 0.05 * len(entries)
    accepted = [entry for entry in entries if entry["status"] != 429]
    assert len(accepted) / _span(accepted) >= 0.8 * 20
    print("\nrate limit 20/s: %d requests, %d throttled, %.1f accepted/s" % (len(entries), len(throttled), len(accepted) / _span(accepted)))


def test_rate_limit_keeps_the_task_under_the_platform_limit(sim, run_playbook):
    ids = seed(sim, 120, "fleet-g-")
    sim.clear_requests()
    sim.set_rate_limit(20)
    try:
        _run, result = run_fleet(run_playbook, {"certificate_ids": ids, "status": "inactive", "concurrency": 8, "rate_limit": 10})
    finally:
        sim.set_rate_limit(None)
    entries = [entry for entry in sim.requests() if entry["platform"] == "iotda"]
    assert result["summary"]["changed"] == 120
    assert not [entry for entry in entries if entry["status"] == 429]
    assert max(_per_second(entries).values()) <= 10


def test_random_faults_on_2000_targets_every_target_written_once(sim, run_playbook):
    ids = seed(sim, 2000, "fleet-h-")
    sim.random_faults(0.05, statuses=(500, 503, 429), seed=13, platform="iotda")
    sim.clear_requests()
    try:
        _run, result = run_fleet(run_playbook, {"filters": {"common_name_prefix": "fleet-h-"}, "status": "inactive", "concurrency": 8},
                                 expect_rc=None)
    finally:
        sim.clear_faults()
    entries = [entry for entry in sim.requests() if entry["platform"] == "iotda"]
    faulted = [entry for entry in entries if entry["fault"]]
    assert faulted, "no fault happened"
    assert done_writes(puts(sim)) == {certificate_id: 1 for certificate_id in ids}
    assert result["summary"] == dict(result["summary"], matched=2000, changed=2000, unchanged=0, failed=0, not_found=0)
    assert result["summary"]["requests"] == len(entries)
    print("\n2,000 targets, random faults: %d requests, %d faulted, %.1f s" % (len(entries), len(faulted), result["summary"]["seconds"]))
