# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet reads with real ansible-playbook against the simulator (SPEC section 9): the ``issuer`` filter of
iotda_certificate_info and the lookup, listing by parallel offset windows at exactly ceil(N/50) list requests,
concurrent per-certificate calls, run controls, per-certificate failures, the lookup's progress line at -v."""

from __future__ import annotations

import math

import pytest
from iotpki_test.certificates import issue

PLAYBOOK = "fleet_reads"


def run_read(run_playbook, read, expect_rc=0, verbosity=0, with_lookup=False, lookup_only=False):
    run = run_playbook(PLAYBOOK, extra_vars={"read": read, "with_lookup": with_lookup, "lookup_only": lookup_only},
                       expect_rc=expect_rc, verbosity=verbosity)
    records = run.tasks("Read")
    result = dict(records[-1]["result"], failed=records[-1]["failed"]) if records else {}
    return run, result


def list_requests(sim):
    return [entry for entry in sim.requests() if entry["method"] == "GET" and entry["path"].endswith("/device-certificates")]


def show_requests(sim):
    return [entry for entry in sim.requests() if entry["method"] == "GET" and "/device-certificates/" in entry["path"]]


def seed_issued(sim, issued, others, prefix="fr"):
    """``issued`` device certificates signed by one CA, ``others`` by another; (CA PEM, IDs it issued, other IDs)."""
    ca = issue("%s-ca" % prefix, ca=True)
    other = issue("%s-other-ca" % prefix, ca=True)
    bad = [issue("%s-bad-%d" % (prefix, n), issuer=ca) for n in range(issued)]
    good = [issue("%s-good-%d" % (prefix, n), issuer=other) for n in range(others)]
    created = sim.seed_device_certificates(certificates=[{"pem": c.pem, "status": "ACTIVE"} for c in bad + good])["created"]
    return ca.pem, sorted(c["certificate_id"] for c in created[:issued]), sorted(c["certificate_id"] for c in created[issued:])


def test_issuer_keeps_what_the_ca_signed_with_one_show_call_per_candidate(sim, run_playbook):
    ca_pem, bad_ids, _good_ids = seed_issued(sim, 30, 45)
    sim.seed_iotda_devices(certificate_id=bad_ids[0], count=3)
    sim.clear_requests()
    _run, result = run_read(run_playbook, {"issuer": ca_pem, "include_devices": True, "concurrency": 4}, with_lookup=True)
    assert sorted(record["certificate_id"] for record in result["certificates"]) == bad_ids
    assert result["total"] == result["returned"] == 30 and result["failures"] == []
    assert all("certificate_pem" not in record for record in result["certificates"])
    assert [len(record["devices"]) for record in result["certificates"] if record["certificate_id"] == bad_ids[0]] == [3]
    # module then lookup: each ceil(75/50) = 2 list requests and one show call per candidate
    assert len(list_requests(sim)) == 2 * 2
    assert len(show_requests(sim)) == 2 * 75
    assert not [entry for entry in sim.requests() if entry["write"]]


def test_other_filters_narrow_the_issuer_candidates_and_content_comes_with_the_check(sim, run_playbook):
    ca_pem, bad_ids, _good_ids = seed_issued(sim, 12, 8, prefix="nar")
    seed_issued(sim, 5, 5, prefix="zz")
    sim.clear_requests()
    _run, result = run_read(run_playbook, {"issuer": ca_pem, "common_name": "nar-", "include_content": True})
    assert sorted(record["certificate_id"] for record in result["certificates"]) == bad_ids
    assert all(record["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----") for record in result["certificates"])
    assert len(show_requests(sim)) == 20  # only the candidates of the prefix, and no second show for the PEM


@pytest.mark.parametrize("count", [1234, 2600])
def test_listing_in_parallel_windows_costs_exactly_ceil_n_over_50(sim, run_playbook, count):
    sim.seed_device_certificates(generate={"count": count, "common_name_prefix": "win-"})
    sim.clear_requests()
    _run, result = run_read(run_playbook, {"concurrency": 8})
    assert result["total"] == result["returned"] == count
    assert len({record["certificate_id"] for record in result["certificates"]}) == count
    lists = list_requests(sim)
    assert len(lists) == math.ceil(count / 50)
    offsets = [int(entry["query"].get("offset", 0)) for entry in lists]
    assert max(offsets) == 500 and all(offset % 50 == 0 for offset in offsets)
    assert len([entry for entry in lists if "marker" in entry["query"]]) == math.ceil(count / 50) - 11  # after the first window


def test_sequential_listing_with_concurrency_one_follows_markers(sim, run_playbook):
    sim.seed_device_certificates(generate={"count": 120, "common_name_prefix": "seq-"})
    sim.clear_requests()
    _run, result = run_read(run_playbook, {"concurrency": 1})
    assert result["total"] == 120
    lists = list_requests(sim)
    assert len(lists) == 3 and not [entry for entry in lists if "offset" in entry["query"]]


def test_per_certificate_failures_are_reported_and_max_failures_lets_the_read_succeed(sim, run_playbook):
    ca_pem, bad_ids, _good_ids = seed_issued(sim, 6, 4, prefix="pf")
    broken = bad_ids[:2]
    sim.persistent_fault(500, platform="iotda", method="GET", path=["/device-certificates/" + certificate_id for certificate_id in broken])
    _run, failed = run_read(run_playbook, {"issuer": ca_pem, "retries": 0}, expect_rc=2)
    assert failed["failed"] and failed["msg"].startswith("2 of 10 targets failed (max_failures=0); first: ")
    assert sorted(entry["target"] for entry in failed["failures"]) == broken
    assert failed["error"]["http_status"] == 500 and failed["error"]["method"] == "GET"
    _run, tolerated = run_read(run_playbook, {"issuer": ca_pem, "retries": 0, "max_failures": 2})
    assert sorted(record["certificate_id"] for record in tolerated["certificates"]) == bad_ids[2:]
    assert len(tolerated["failures"]) == 2


def test_rate_limit_caps_the_read(sim, run_playbook):
    sim.seed_device_certificates(generate={"count": 40, "common_name_prefix": "rl-"})
    sim.set_rate_limit(20)
    sim.clear_requests()
    try:
        _run, result = run_read(run_playbook, {"include_content": True, "concurrency": 8, "rate_limit": 10})
    finally:
        sim.set_rate_limit(None)
    assert result["returned"] == 40
    entries = [entry for entry in sim.requests() if entry["platform"] == "iotda"]
    assert not [entry for entry in entries if entry["status"] == 429]
    per_second = {}
    for entry in entries:
        per_second[entry["time"][:19]] = per_second.get(entry["time"][:19], 0) + 1
    assert max(per_second.values()) <= 10


NOT_A_CA = issue("fr-leaf").pem


@pytest.mark.parametrize("read, option", [
    ({"kind": "ca", "issuer": NOT_A_CA}, "issuer"),
    ({"issuer": NOT_A_CA}, "issuer"),
    ({"issuer": "not a PEM"}, "issuer"),
    ({"concurrency": 0}, "concurrency"),
    ({"rate_limit": -1}, "rate_limit"),
    ({"max_failures": -1}, "max_failures"),
])
def test_bad_input_fails_before_any_request(sim, run_playbook, read, option):
    sim.clear_requests()
    run, result = run_read(run_playbook, read, expect_rc=2)
    assert result["failed"] and option in result["msg"]
    assert sim.requests() == []
    assert "Traceback" not in run.stdout + run.stderr


def test_lookup_issuer_and_progress_line_at_v(sim, run_playbook):
    ca_pem, bad_ids, _good_ids = seed_issued(sim, 40, 80, prefix="lk")
    sim.set_latency(0.05)
    try:
        run, _result = run_read(run_playbook, {"issuer": ca_pem, "concurrency": 1}, with_lookup=True, lookup_only=True, verbosity=1)
    finally:
        sim.set_latency(0)
    assert sorted(run.task("Lookup result")["msg"]) == bad_ids
    # 120 show calls at 50 ms, one at a time: more than 5 s, so at least one progress line
    assert "iotda_certificate lookup: " in run.stdout and " issuer checks done, " in run.stdout


def test_lookup_bad_run_control_fails_before_any_request(sim, run_playbook):
    sim.clear_requests()
    run, _result = run_read(run_playbook, {"concurrency": 0}, with_lookup=True, lookup_only=True, expect_rc=2)
    assert "concurrency must be a whole number" in run.stdout + run.stderr
    assert sim.requests() == []
