# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SPEC section 8: one record per kind, whichever plugin returns it."""

from __future__ import annotations

import re

from iotpki_test.certificates import make_ca

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CA_KEYS = {"certificate_id", "common_name", "owner", "verified", "verify_code", "provision_enable", "template_id", "ocsp_enable",
           "ocsp_ssl_enable", "ocsp_server_ca_id", "create_date", "effective_date", "expiry_date", "expires_in_days"}
DEVICE_KEYS = {"certificate_id", "common_name", "fingerprint", "status", "expiry_date", "expires_in_days"}


def test_one_record_per_kind_from_the_info_module_the_lookup_and_the_write_modules(run_playbook, sim):
    device_id = sim.seed_device_certificates(generate={"count": 1, "common_name_prefix": "rec-"})["created"][0]["certificate_id"]
    ca_pem, _key = make_ca("iotpki records CA")
    run = run_playbook("records_everywhere", extra_vars={"device_id": device_id, "ca_pem": ca_pem})
    facts = run.task("Read both with the lookup")["ansible_facts"]

    device = run.task("Read the device certificate with the info module")["certificates"][0]
    assert set(device) == DEVICE_KEYS and device["status"] == "active" and ISO.match(device["expiry_date"])
    assert facts["device_lookup"] == device
    fed = run.task("Feed the info module's device record to the device module")
    assert fed["changed"] is False and fed["certificate"] == device
    check = run.task("The same in check mode")
    assert check["changed"] is False and check["certificate"] == device and check["diff"] == {"before": device, "after": device}

    ca = run.task("Read the CA certificate with the info module")["certificates"][0]
    assert set(ca) == CA_KEYS and all(ISO.match(ca[key]) for key in ("create_date", "effective_date", "expiry_date"))
    assert facts["ca_lookup"] == ca
    assert run.task("Upload the CA certificate")["certificate"] == ca
    unchanged = run.task("The CA module, unchanged run")
    assert unchanged["changed"] is False and unchanged["certificate"] == ca
    ca_check = run.task("The CA module in check mode")
    assert ca_check["changed"] is False and ca_check["certificate"] == ca and ca_check["diff"] == {"before": ca, "after": ca}
