# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iotda_device_certificate against the simulator, with real ansible-playbook and ansible runs.

The device certificates are generated here and seeded with their PEM, so that every selector
(ID, SHA-256, SHA-1, exact common name, content) can be exercised against known values.
"""

from __future__ import annotations

import datetime

import pytest
from iotpki_test.certificates import issue

MODULE = "iotpki.certificates.iotda_device_certificate"


def seed(sim, *common_names, status="ACTIVE"):
    """{common name: the simulator's record (certificate_id, fingerprint, fingerprint_sha1, ...) plus its pem}."""
    pems = [issue(cn).pem for cn in common_names]
    created = sim.seed_device_certificates(certificates=[{"pem": pem, "status": status} for pem in pems])["created"]
    return {record["common_name"]: dict(record, pem=pem) for record, pem in zip(created, pems)}


def colon_lower(fingerprint):
    return ":".join(fingerprint[i:i + 2] for i in range(0, len(fingerprint), 2)).lower()


def iotda_requests(sim):
    return [entry for entry in sim.requests() if entry["platform"] == "iotda"]


def status_by_cn(sim):
    return {cert["common_name"]: cert["status"] for cert in sim.state()["iotda"]["device_certificates"]}


@pytest.mark.compat
def test_lifecycle_every_selector_derived_signing_through_module_defaults(run_playbook, sim):
    certs = seed(sim, "by-id", "by-sha256", "by-sha1", "dev-1", "dev-10", "dev-100", "leaked-device")
    cases = [
        {"name": "id", "full": True, "id": certs["by-id"]["certificate_id"], "select": {"certificate_id": certs["by-id"]["certificate_id"]}},
        {"name": "sha256", "full": False, "id": certs["by-sha256"]["certificate_id"],
         "select": {"fingerprint": colon_lower(certs["by-sha256"]["fingerprint"])}},
        {"name": "sha1", "full": False, "id": certs["by-sha1"]["certificate_id"], "select": {"fingerprint": certs["by-sha1"]["fingerprint_sha1"]}},
        {"name": "cn", "full": False, "id": certs["dev-1"]["certificate_id"], "select": {"common_name": "dev-1"}},
        {"name": "content", "full": True, "id": certs["leaked-device"]["certificate_id"], "select": {"content": certs["leaked-device"]["pem"]}},
    ]
    run = run_playbook("iotda_device_lifecycle", extra_vars={"cases": cases})

    # The idempotent re-run: exactly one read per selector, and no write.
    rerun = run.task("Read the requests of the idempotent re-run")["json"]["requests"]
    by_id = [e for e in rerun if e["path"].endswith("/device-certificates/" + certs["by-id"]["certificate_id"])]
    assert [(e["method"], e["query"]) for e in by_id] == [("GET", {})]
    listed = [e["query"] for e in rerun if e["path"].endswith("/device-certificates")]
    assert sorted(listed, key=str) == sorted([
        {"fingerprint": certs["by-sha256"]["fingerprint"], "limit": "50"},
        {"fingerprint": certs["by-sha1"]["fingerprint_sha1"], "limit": "50"},
        {"common_name": "dev-1", "limit": "50"},
        {"fingerprint": certs["leaked-device"]["fingerprint"], "limit": "50"},
    ], key=str)
    assert len(rerun) == 5 and not [e for e in rerun if e["write"]]

    seen = iotda_requests(sim)
    assert {e["auth"] for e in seen} == {"derived"}
    writes = [(e["method"], e["path"].rsplit("/", 1)[1]) for e in seen if e["write"]]
    full = [certs["by-id"]["certificate_id"], certs["leaked-device"]["certificate_id"]]
    assert writes == [("PUT", case["id"]) for case in cases] + [("PUT", cid) for cid in full] + [("DELETE", cid) for cid in full]

    # Siblings of the common-name prefix were not touched; the two full cases are gone.
    assert status_by_cn(sim) == {"by-sha256": "INACTIVE", "by-sha1": "INACTIVE", "dev-1": "INACTIVE", "dev-10": "ACTIVE", "dev-100": "ACTIVE"}
    check, real = run.task("Deactivate (check mode, diff)"), run.task("Deactivate")
    assert [r["diff"] for r in check["results"]] == [r["diff"] for r in real["results"] if r["item"]["full"]]
    expiry = datetime.datetime.strptime(certs["leaked-device"]["expiry_date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    certificate = real["results"][4]["certificate"]
    assert certificate == {
        "certificate_id": certs["leaked-device"]["certificate_id"], "common_name": "leaked-device",
        "fingerprint": certs["leaked-device"]["fingerprint"], "status": "inactive",
        "expiry_date": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"), "expires_in_days": certificate["expires_in_days"],
    }
    assert abs(certificate["expires_in_days"] - (expiry - datetime.datetime.now(datetime.timezone.utc)).days) <= 1


def test_standard_signing_on_the_basic_edition(run_playbook, sim):
    sim.config(iotda_mode="basic")
    certs = seed(sim, "basic-device")
    cid = certs["basic-device"]["certificate_id"]
    defaults = {"endpoint": sim.url, "project_id": sim.iotda_project_id, "signing": "standard"}
    run_playbook("iotda_device_lifecycle", extra_vars={
        "iotda_defaults": defaults, "cases": [{"name": "id", "full": False, "id": cid, "select": {"certificate_id": cid}}]})
    seen = iotda_requests(sim)
    assert {e["auth"] for e in seen} == {"standard"}
    assert [(e["method"], e["write"]) for e in seen] == [("GET", False), ("PUT", True), ("GET", False)]


def test_token_auth_through_module_defaults_at_verbosity_3(run_playbook, sim):
    certs = seed(sim, "token-device")
    defaults = {"endpoint": sim.url, "project_id": sim.iotda_project_id, "auth_token": sim.iotda_auth_token}
    run_playbook("iotda_device_lifecycle", env={"IOTDA_ACCESS_KEY": None, "IOTDA_SECRET_KEY": None}, verbosity=3, extra_vars={
        "iotda_defaults": defaults,
        "cases": [{"name": "cn", "full": False, "id": certs["token-device"]["certificate_id"], "select": {"common_name": "token-device"}}]})
    seen = iotda_requests(sim)
    assert {e["auth"] for e in seen} == {"token"} and len(seen) == 3


def test_ad_hoc_deactivation_by_fingerprint_at_verbosity_3(ansible_module, sim):
    certs = seed(sim, "adhoc-device")
    run = ansible_module(MODULE, {"fingerprint": certs["adhoc-device"]["fingerprint"].lower(), "status": "inactive"}, diff=True, verbosity=3)
    assert run.changed and run.result["certificate"]["status"] == "inactive"
    assert run.result["certificate"]["certificate_id"] == certs["adhoc-device"]["certificate_id"]
    assert "before" in run.stdout and "status" in run.stdout  # the diff is printed
    assert status_by_cn(sim) == {"adhoc-device": "INACTIVE"}
    assert [(e["method"], e["write"]) for e in iotda_requests(sim)] == [("GET", False), ("PUT", True)]


def test_failures_bad_input_unknown_id_several_matches_500_and_429(run_playbook, sim):
    twins = [seed(sim, "twin")["twin"], seed(sim, "twin")["twin"]]
    certs = seed(sim, "put-fails", "throttled")
    put_id, throttled_id = certs["put-fails"]["certificate_id"], certs["throttled"]["certificate_id"]
    sim.fault(status=500, count=2, match={"platform": "iotda", "method": "PUT", "path": "/device-certificates/" + put_id})
    sim.fault(status=429, retry_after=1, count=1, match={"platform": "iotda", "method": "GET", "path": "/device-certificates/" + throttled_id})

    run = run_playbook("iotda_device_failures", extra_vars={"twin_cn": "twin", "put_fault_id": put_id, "retry_after_id": throttled_id})

    assert run.task("Read the request log after the bad input")["json"]["count"] == 0
    unknown = run.task("Unknown certificate ID with state present")
    assert unknown["error"]["http_status"] == 404 and unknown["error"]["code"] == "IOTDA.014300"
    assert "Device certificates cannot be created through the IoTDA API" in unknown["msg"]
    several = run.task("Several certificates with the same common name")
    assert sorted(m["certificate_id"] for m in several["matches"]) == sorted(t["certificate_id"] for t in twins)
    assert all(t["certificate_id"] in several["msg"] for t in twins)
    assert run.task("Deactivate again once the platform is back")["changed"] is True

    seen = iotda_requests(sim)
    puts = [(e["status"], e["fault"]) for e in seen if e["method"] == "PUT"]
    assert puts == [(500, True), (500, True), (200, False)]
    shows = [e for e in seen if e["method"] == "GET" and e["path"].endswith("/" + throttled_id)]
    assert [(e["status"], e["fault"]) for e in shows] == [(429, True), (200, False)]
    waited = datetime.datetime.fromisoformat(shows[1]["time"].rstrip("Z")) - datetime.datetime.fromisoformat(shows[0]["time"].rstrip("Z"))
    assert waited >= datetime.timedelta(seconds=1)
    assert status_by_cn(sim)["put-fails"] == "INACTIVE" and not [e for e in seen if e["method"] == "DELETE"]
