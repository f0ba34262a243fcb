# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet form of enos_certificate_revoke (``targets``) with real ansible-playbook against the simulator:
one token for the task, one list per device before and after, each target revoked once, per-target failures,
a throttled run, check mode as the exact prediction, bad input before any request."""

from __future__ import annotations

import collections

import pytest

PLAYBOOK = "fleet_enos_revoke"
TOKEN = "enos-token"


def seed(sim, devices=20, per_device=3):
    """``devices`` devices with ``per_device`` valid certificates each, plus one expired and one revoked on the first."""
    sim.seed_enos_devices([{"asset_id": "fl-asset-%d" % n, "product_key": "fl-pk", "device_key": "fl-dev-%d" % n} for n in range(devices)])
    certificates = [{"asset_id": "fl-asset-%d" % n, "cert_sn": 10000 + 10 * n + k, "status": "valid", "expires_in_days": 300}
                    for n in range(devices) for k in range(per_device)]
    certificates += [{"asset_id": "fl-asset-0", "cert_sn": 9001, "status": "expired", "expires_in_days": -3},
                     {"asset_id": "fl-asset-0", "cert_sn": 9002, "status": "revoked", "revoke_reason": 4}]
    sim.seed_enos_certificate(certificates=certificates)
    targets = [{"asset_id": c["asset_id"], "cert_sn": c["cert_sn"]} for c in certificates[:-2]]
    # half of them by product key and device key
    for index, target in enumerate(targets):
        if index % 2:
            number = target.pop("asset_id").rsplit("-", 1)[-1]
            target.update(product_key="fl-pk", device_key="fl-dev-%s" % number)
    return targets


def run_revoke(run_playbook, revoke, check=False, diff=False, expect_rc=0, verbosity=0):
    run = run_playbook(PLAYBOOK, extra_vars={"revoke": revoke}, check=check, diff=diff, expect_rc=expect_rc, verbosity=verbosity)
    record = run.tasks("Fleet revoke")[-1]
    return run, dict(record["result"], failed=record["failed"])


def revokes(sim):
    return [entry for entry in sim.requests() if entry["platform"] == "enos" and entry["query"].get("action") == "revoke"]


def held(sim):
    return {c["cert_sn"]: c for c in sim.state()["enos"]["certificates"]}


def name(target):
    if "asset_id" in target:
        return "asset_id=%s cert_sn=%d" % (target["asset_id"], target["cert_sn"])
    return "product_key=%s/device_key=%s cert_sn=%d" % (target["product_key"], target["device_key"], target["cert_sn"])


def test_preview_then_revoke_then_unchanged_rerun_with_one_token(sim, run_playbook):
    targets = seed(sim)
    expired = {"asset_id": "fl-asset-0", "cert_sn": 9001}
    revoke = {"targets": targets + [expired], "reason": "key_compromise"}
    sim.clear_requests()
    _run, preview = run_revoke(run_playbook, revoke, check=True, diff=True)
    assert preview["changed"] and preview["changed_ids"] == [name(target) for target in targets]
    assert preview["summary"] == dict(preview["summary"], matched=61, changed=60, unchanged=1, failed=0)
    assert not [entry for entry in sim.requests() if entry["write"]]
    assert set(preview["diff"]["after"]) == {name(target) for target in targets}
    assert {record["revoke_reason"] for record in preview["diff"]["after"].values()} == {"key_compromise"}
    assert any("expired" in warning for warning in preview.get("warnings", []))

    sim.clear_requests()
    _run, acted = run_revoke(run_playbook, revoke)
    assert acted["changed_ids"] == preview["changed_ids"]
    assert acted["summary"] == dict(preview["summary"], requests=acted["summary"]["requests"], seconds=acted["summary"]["seconds"])
    requests = sim.requests()
    assert collections.Counter(entry["platform"] for entry in requests)[TOKEN] == 1  # one token for the whole task
    lists = [entry for entry in requests if entry["query"].get("action") == "list"]
    # per device selection (asset_id, or product_key + device_key: the module cannot know they are the same device):
    # one list before, one after its revocations
    selections = {target.get("asset_id") or target["device_key"] for target in targets}
    assert len(lists) == 2 * len(selections) == 2 * 40
    assert len(revokes(sim)) == 60
    assert acted["summary"]["requests"] == len(requests)
    state = held(sim)
    assert all(state[target["cert_sn"]]["status"] == "revoked" for target in targets)
    assert {state[target["cert_sn"]]["revoke_reason"] for target in targets} == {"KEY COMPROMISE"}
    assert all(record["status"] == "revoked" for record in acted["certificates"][:-1])

    sim.clear_requests()
    _run, again = run_revoke(run_playbook, revoke)
    assert not again["changed"] and again["summary"]["unchanged"] == 61 and revokes(sim) == []


def test_per_target_failures_do_not_stop_the_others_and_a_rerun_does_the_rest(sim, run_playbook):
    targets = seed(sim, devices=10, per_device=2)
    unbound = {"asset_id": "fl-asset-1", "cert_sn": 4242}
    # the revocations of device 3 fail (HTTP 500), its list answers
    sim.persistent_fault(500, platform="enos", method="POST", query={"assetId": "fl-asset-3"})
    sim.persistent_fault(500, platform="enos", method="POST", query={"deviceKey": "fl-dev-3"})
    _run, failed = run_revoke(run_playbook, {"targets": targets + [unbound], "retries": 0}, expect_rc=2)
    failing = [name(target) for target in targets if target.get("asset_id") == "fl-asset-3" or target.get("device_key") == "fl-dev-3"]
    assert failed["failed"] and failed["msg"].startswith("3 of 21 targets failed (max_failures=0); first: ")
    assert sorted(entry["target"] for entry in failed["failures"]) == sorted(failing + [name(unbound)])
    by_target = {entry["target"]: entry for entry in failed["failures"]}
    assert by_target[name(unbound)]["error"] is None and "4242 is not bound" in by_target[name(unbound)]["msg"]
    assert all(by_target[target]["error"]["http_status"] == 500 for target in failing)
    assert failed["summary"]["changed"] == 18
    sim.clear_faults()
    sim.clear_requests()
    _run, rerun = run_revoke(run_playbook, {"targets": targets})
    assert sorted(rerun["changed_ids"]) == sorted(failing)
    assert len(revokes(sim)) == 2


def test_a_throttled_platform_gets_every_target_revoked_once(sim, run_playbook):
    targets = seed(sim, devices=30, per_device=2)
    sim.set_rate_limit(20)
    sim.clear_requests()
    try:
        _run, result = run_revoke(run_playbook, {"targets": targets, "concurrency": 8})
    finally:
        sim.set_rate_limit(None)
    assert result["summary"]["changed"] == 60 and result["summary"]["failed"] == 0
    sent = revokes(sim)
    # each device is selected once by asset_id and once by device_key (one certificate each): 60 selections, one revoke each
    assert sorted(collections.Counter(entry["query"].get("assetId") or entry["query"].get("deviceKey") for entry in sent
                                      if entry["status"] == 200).values()) == [1] * 60
    assert all(held(sim)[target["cert_sn"]]["status"] == "revoked" for target in targets)
    throttled = [entry for entry in sim.requests() if entry["status"] == 429]
    print("\nEnOS revoke at 20/s: %d requests, %d throttled, %.1f s" % (len(sim.requests()), len(throttled), result["summary"]["seconds"]))
    assert len(throttled) <= 0.1 * len(sim.requests())


@pytest.mark.parametrize("revoke, words", [
    ({"targets": []}, "targets must list"),
    ({"targets": [{"asset_id": "a", "cert_sn": 1}], "asset_id": "a"}, "cannot be combined with asset_id"),
    ({"targets": [{"asset_id": "a", "product_key": "p", "device_key": "d", "cert_sn": 1}]}, "targets[0]: select the EnOS device one way"),
    ({"targets": [{"asset_id": "a", "cert_sn": -1}]}, "targets[0]: cert_sn must be 0 or greater"),
    ({"targets": [{"asset_id": "a"}]}, "cert_sn"),
    ({"targets": [{"asset_id": "a", "cert_sn": 1}], "concurrency": 0}, "concurrency"),
    ({"targets": [{"asset_id": "a", "cert_sn": 1}], "rate_limit": -1}, "rate_limit"),
    ({"asset_id": "a"}, "cert_sn is required"),
])
def test_bad_input_fails_before_any_request(sim, run_playbook, revoke, words):
    sim.clear_requests()
    run, result = run_revoke(run_playbook, revoke, expect_rc=2)
    assert result["failed"] and words in result["msg"]
    assert sim.requests() == []
    assert "Traceback" not in run.stdout + run.stderr
