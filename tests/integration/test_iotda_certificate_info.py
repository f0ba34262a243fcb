# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iotda_certificate_info (and the lookup's listings) against the simulator: complete listings at
ceil(N/50) list requests each, every filter, max_results, a failing page, the show and list-device calls."""

from __future__ import annotations

import datetime
import math
import time

import pytest

LIST_PATHS = {"certificates": "ca", "device-certificates": "device"}


def listings(sim):
    """The list requests of the log, grouped into listings: (kind, filters, [limit of each request]).

    A listing starts with a request without ``marker`` and ``offset``; the next ones carry an offset in the
    first marker window, or a marker and an offset (the windows after it), fetched in parallel (SPEC section 9).
    """
    runs = []
    for entry in sim.requests():
        kind = LIST_PATHS.get(entry["path"].rsplit("/", 1)[-1])
        if entry["platform"] != "iotda" or entry["method"] != "GET" or kind is None:
            continue
        query = dict(entry["query"])
        offset = int(query.pop("offset", 0))
        assert 0 <= offset <= 500 and offset % 50 == 0
        marker = query.pop("marker", None)
        limit = int(query.pop("limit"))
        if marker is None and not offset:
            runs.append((kind, query, []))
        runs[-1][2].append(limit)
    return runs


def seed_listing_data(sim):
    """1,234 device certificates (30 expiring soon, 4 expired) and 120 CA certificates in two resource spaces."""
    meters = sim.seed_device_certificates(generate={"count": 1200, "common_name_prefix": "meter-", "expires_in_days": [60, 700]})
    sim.seed_device_certificates(generate={"count": 30, "common_name_prefix": "pump-", "expires_in_days": [1, 29]})
    sim.seed_device_certificates(generate={"count": 4, "common_name_prefix": "valve-", "expires_in_days": [-20, -5]})
    sim.seed_ca_certificates(generate={"count": 70, "app_id": "space-a", "expires_in_days": [100, 3650]})
    sim.seed_ca_certificates(generate={"count": 50, "app_id": "space-b", "expires_in_days": [10, 3000]})
    sim.clear_requests()
    return meters["created"]


@pytest.mark.compat
def test_listings_are_complete_filtered_and_cost_ceil_n_over_50(run_playbook, sim):
    meters = seed_listing_data(sim)
    target = meters[777]
    fingerprint = ":".join(target["fingerprint"][i:i + 2] for i in range(0, 64, 2)).lower()
    run = run_playbook("iotda_info_listing", extra_vars={"fingerprint_colons": fingerprint, "fingerprint_id": target["certificate_id"]})

    assert run.task("List every device certificate")["total"] == 1234
    assert run.task("List the first 120 device certificates")["truncated"] is True

    def full(n):
        """The limit each list request asks for, for n records."""
        return [50] * math.ceil(n / 50)

    assert listings(sim) == [
        ("device", {}, full(1234)),
        ("ca", {}, full(120)),
        ("ca", {"app_id": "space-a"}, [50, 50]),
        ("ca", {"app_id": "space-b"}, [50]),
        ("device", {"common_name": "pump-"}, [50]),
        ("device", {"fingerprint": target["fingerprint"]}, [50]),
        ("device", {}, full(1234)),  # expiring_within_days: every page, filtered locally
        ("ca", {}, full(120)),
        ("device", {}, [50, 50, 20]),  # max_results: 120
        ("device", {}, full(1234)),  # the lookup
        ("ca", {}, full(120)),
    ]
    assert len(full(1234)) == 25 and len(full(120)) == 3
    assert {entry["status"] for entry in sim.requests()} == {200}


def test_listing_1234_device_certificates_time_and_requests(ansible_module, sim):
    """The measured number for the report: one ad-hoc module run listing 1,234 device certificates."""
    sim.seed_device_certificates(generate={"count": 1234, "common_name_prefix": "meter-"})
    sim.clear_requests()
    started = time.monotonic()
    run = ansible_module("iotda_certificate_info", {"kind": "device"})
    wall = time.monotonic() - started
    log = sim.requests()
    stamps = [datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ") for entry in (log[0], log[-1])]
    api_seconds = (stamps[1] - stamps[0]).total_seconds()
    print("\nlisting 1234 device certificates: %.2f s wall (ansible run), %.2f s between first and last request, %d requests"
          % (wall, api_seconds, len(log)))
    assert run.result["total"] == run.result["returned"] == 1234
    assert len(log) == 25 and all(entry["method"] == "GET" for entry in log)
    assert wall < 60


def test_a_failing_page_fails_the_task_without_partial_result(run_playbook, sim):
    sim.seed_device_certificates(generate={"count": 1234, "common_name_prefix": "meter-"})
    sim.clear_requests()
    run = run_playbook("iotda_info_faults")
    failed = run.task("List every device certificate while page 11 fails")
    assert "certificates" not in failed and failed["error"]["http_status"] == 500
    # module, then lookup: the 11 pages of the first marker window (offsets 0-500, in parallel), 10 answered and
    # the 11th to arrive failed twice (first attempt and one retry); no next window
    statuses = [entry["status"] for entry in sim.requests()]
    assert sorted(statuses) == sorted(([200] * 10 + [500, 500]) * 2)
    runs = listings(sim)
    assert [len(limits) for _kind, _query, limits in runs] == [12, 12]
    log = sim.requests()
    assert not [entry for entry in log if "marker" in entry["query"]]
    for half in (log[:12], log[12:]):
        failed = [entry["query"].get("offset", "0") for entry in half if entry["status"] == 500]
        assert len(failed) == 2 and failed[0] == failed[1]  # the retry asks for the same page
    assert "Traceback" not in run.stdout + run.stderr


def test_content_devices_show_calls_and_bad_input(run_playbook, sim):
    created = sim.seed_device_certificates(generate={"count": 3, "common_name_prefix": "gw-"})["created"]
    device_ids = sorted((item["certificate_id"] for item in created), reverse=True)
    busy_id = device_ids[1]
    sim.seed_iotda_devices(certificate_id=busy_id, count=60)
    ca_ids = [item["certificate_id"] for item in sim.seed_ca_certificates(generate={"count": 2})["created"]]
    sim.clear_requests()
    run_playbook("iotda_info_details", extra_vars={"device_ids": device_ids, "busy_id": busy_id, "ca_ids": ca_ids})

    calls = {}
    for entry in sim.requests():
        parts = entry["path"].split("/")[4:]  # after /v5/iot/{project_id}
        shape = (entry["method"], parts[0], "list" if len(parts) == 1 else parts[2] if len(parts) == 3 else "show")
        calls[shape] = calls.get(shape, 0) + 1
    assert calls == {
        ("GET", "device-certificates", "list"): 2,  # the detailed listing, the check-mode listing
        ("GET", "device-certificates", "show"): 3 + 1 + 1 + 2,  # include_content x3, one by ID, the unknown ID, the lookup's 2
        ("POST", "device-certificates", "list-device"): 4 + 3,  # 2 pages for 60 devices + 1 + 1; the lookup 2 + 1
        ("GET", "certificates", "list"): 1,
        ("GET", "certificates", "show"): 2 + 1,  # include_content x2, one by ID
    }
    assert not any(entry["write"] for entry in sim.requests())
