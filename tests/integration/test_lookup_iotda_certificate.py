# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iotda_certificate lookup against the simulator: the same reads, options and errors as the modules."""

from __future__ import annotations

import pytest

WRONG_SECRET = "lookup-wrong-secret-key-0000000042"


@pytest.mark.compat
def test_lookup_ids_listing_precedence_and_errors(run_playbook, sim):
    created = sim.seed_device_certificates(generate={"count": 2, "common_name_prefix": "lk-"})["created"]
    device_ids = [item["certificate_id"] for item in created]
    sim.seed_ca_certificates(generate={"count": 3})
    sim.clear_requests()
    env = {"IOTDA_PROJECT_ID": "", "IOTDA_SIGNING": "", "HUAWEICLOUD_SDK_PROJECT_ID": sim.iotda_project_id}
    extra_vars = {"device_ids": device_ids, "ca_count": 3, "wrong_secret": WRONG_SECRET,
                  "vault_iotda_secret_key": sim.iotda_secret_key, "vault_iotda_signing": "derived"}
    run = run_playbook("lookup_iotda_certificate", extra_vars=extra_vars, env=env, secrets=[WRONG_SECRET])

    assert run.task("Keep the connection error")["ansible_facts"]["closed_port_error"]
    log = sim.requests()
    paths = [(entry["method"], entry["path"].split("/", 4)[-1], entry["status"]) for entry in log]
    # The two show calls of the first lookup run concurrently: their order in the log is not fixed.
    assert sorted(paths[:2]) == sorted([
        ("GET", "device-certificates/" + device_ids[1], 200),
        ("GET", "device-certificates/" + device_ids[0], 200),
    ])
    assert paths[2:] == [
        ("GET", "certificates", 200),
        ("GET", "device-certificates/" + device_ids[0], 200),  # the keyword endpoint; the closed port got nothing
        ("GET", "certificates", 200),  # the templated variables (endpoint, secret key, signing)
        ("GET", "certificates", 401),  # the wrong secret key keyword, not retried
        ("GET", "certificates", 401),  # the wrong secret key variable
        ("GET", "device-certificates/0000000000000000000000aa", 404),
    ]
    assert {entry["auth"] for entry in log if entry["status"] == 200} == {"derived"}
    assert "Traceback" not in run.stdout + run.stderr
