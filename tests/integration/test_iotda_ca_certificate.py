# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iotda_ca_certificate against the simulator, with real ansible-playbook and ansible runs.

The CA certificates and keys are generated here and passed as extra variables; the harness
checks that the private keys and passphrases never appear in any output.
"""

from __future__ import annotations

import datetime
import json

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from iotpki_test.certificates import Issued, issue, make_ca

SERVER_ASSIGNED = ("certificate_id", "owner", "verify_code", "create_date")  # null in the check-mode prediction of an upload


def iotda_requests(sim):
    return [entry for entry in sim.requests() if entry["platform"] == "iotda"]


def assert_check_diff_matches(run):
    """The check-mode diff is the real run's, but for the values only the platform assigns."""
    check, real = run.task("Upload, verify and bind (check mode, diff)"), run.task("Upload, verify and bind")
    assert check["diff"]["before"] == real["diff"]["before"] == {}
    for name in SERVER_ASSIGNED:
        assert check["diff"]["after"][name] is None and real["diff"]["after"][name]
    assert {k: v for k, v in check["diff"]["after"].items() if k not in SERVER_ASSIGNED} == {
        k: v for k, v in real["diff"]["after"].items() if k not in SERVER_ASSIGNED
    }
    return check, real


@pytest.mark.compat
def test_lifecycle_derived_signing_with_template(run_playbook, sim):
    ca_pem, ca_key = make_ca("iotpki lifecycle CA")
    run = run_playbook("iotda_ca_lifecycle", extra_vars={"ca_pem": ca_pem, "ca_key": ca_key, "ca_template_id": "tpl-1"},
                       secrets=[ca_key])
    check, real = assert_check_diff_matches(run)
    assert real["diff"]["after"]["template_id"] == "tpl-1" and real["diff"]["after"]["provision_enable"] is True
    assert real["diff"]["after"]["expiry_date"].endswith("Z") and real["certificate"]["verify_code"]
    assert run.task("Read the requests of the re-run by content")["json"]["count"] == 2
    assert run.task("Read the requests of the re-run by certificate_id")["json"]["count"] == 1
    seen = iotda_requests(sim)
    assert {entry["auth"] for entry in seen} == {"derived"}
    writes = [(entry["method"], entry["path"].split("/")[-1]) for entry in seen if entry["write"]]
    cid = real["certificate"]["certificate_id"]
    assert writes == [("POST", "certificates"), ("POST", "action"), ("PUT", cid), ("DELETE", cid)]


def test_lifecycle_standard_signing_basic_edition_encrypted_rsa_key(run_playbook, sim):
    sim.config(iotda_mode="basic")
    passphrase = "p4ss-%s" % datetime.datetime.now().strftime("%f")
    ca_pem, ca_key = make_ca("iotpki basic CA", key_type="rsa", passphrase=passphrase)
    defaults = {"endpoint": sim.url, "project_id": sim.iotda_project_id, "region": sim.iotda_region, "signing": "standard"}
    extra_vars = {"ca_pem": ca_pem, "ca_key": ca_key, "ca_key_passphrase": passphrase, "iotda_defaults": defaults}
    run = run_playbook("iotda_ca_lifecycle", extra_vars=extra_vars, secrets=[ca_key, passphrase], verbosity=3)
    assert_check_diff_matches(run)
    seen = iotda_requests(sim)
    assert {entry["auth"] for entry in seen} == {"standard"}
    assert not [entry for entry in seen if entry["method"] == "PUT"]  # nothing to update: the basic edition refuses PUT


def test_lifecycle_token_auth(run_playbook, sim):
    ca_pem, ca_key = make_ca("iotpki token CA")
    defaults = {"endpoint": sim.url, "project_id": sim.iotda_project_id, "auth_token": sim.iotda_auth_token}
    extra_vars = {"ca_pem": ca_pem, "ca_key": ca_key, "ca_template_id": "tpl-2", "iotda_defaults": defaults}
    no_aksk = {"IOTDA_ACCESS_KEY": None, "IOTDA_SECRET_KEY": None, "IOTDA_REGION": None}
    run = run_playbook("iotda_ca_lifecycle", extra_vars=extra_vars, env=no_aksk, secrets=[ca_key])
    assert_check_diff_matches(run)
    assert {entry["auth"] for entry in iotda_requests(sim)} == {"token"}


def test_ad_hoc_upload_then_unchanged(ansible_module, sim):
    ca_pem, dummy = make_ca("iotpki ad-hoc CA")
    first = ansible_module("iotda_ca_certificate", {"content": ca_pem, "app_id": "adhoc-space"}, diff=True)
    assert first.changed and first.result["certificate"]["verified"] is False
    assert sim.state()["iotda"]["ca_certificates"][0]["app_id"] == "adhoc-space"
    sim.clear_requests()
    again = ansible_module("iotda_ca_certificate", {"content": ca_pem, "app_id": "adhoc-space"})
    assert not again.changed and again.result["certificate"]["certificate_id"] == first.result["certificate"]["certificate_id"]
    seen = iotda_requests(sim)
    assert [entry["method"] for entry in seen] == ["GET", "GET"] and seen[0]["query"].get("app_id") in ("adhoc-space", ["adhoc-space"])
    assert "BEGIN CERTIFICATE" not in json.dumps(first.result["certificate"]) + json.dumps(first.result["diff"])


def signed_by(ca_pem, ca_key_pem, common_name):
    """A leaf certificate with this CN, signed by the given CA."""
    ca = Issued(x509.load_pem_x509_certificate(ca_pem.encode()), serialization.load_pem_private_key(ca_key_pem.encode(), password=None))
    return issue(common_name, issuer=ca, days=1).pem


def test_failures_and_recoveries(run_playbook, sim):
    ca_pem, ca_key = make_ca("iotpki failing CA")
    other_pem, other_key = make_ca("iotpki other CA")
    retry_pem, dummy = make_ca("iotpki retried CA")
    run = run_playbook("iotda_ca_failures", secrets=[ca_key, other_key], extra_vars={
        "ca_pem": ca_pem, "ca_key": ca_key, "other_key": other_key, "retry_ca_pem": retry_pem,
        "bad_proof": signed_by(other_pem, other_key, "not-the-verify-code"),
    })
    bad = run.task("Bad input")["results"]
    expected = ["content is not a PEM certificate", "content is not a readable PEM certificate",
                "parameters are mutually exclusive: certificate_id|content", "one of the following is required: certificate_id, content",
                "verified is True but any of the following are missing", "private_key does not belong to the CA certificate"]
    assert [message in item["msg"] for item, message in zip(bad, expected)] == [True] * 6
    assert all("error" not in item and item["failed_when_result"] is False for item in bad)
    assert run.task("Read the requests of the bad input")["json"]["count"] == 0

    unknown = run.task("Unknown certificate_id")
    assert unknown["msg"].startswith("no CA certificate with certificate_id 000000000000000000000000")
    assert unknown["error"]["code"] == "IOTDA.014300" and unknown["error"]["http_status"] == 404

    bad_verify = run.task("Upload and verify with a certificate signed by another CA")
    cid = bad_verify["certificate"]["certificate_id"]
    assert bad_verify["changed"] is True and "error" not in bad_verify and cid in bad_verify["msg"]
    assert "the platform's verify_code of CA certificate %s is" % cid in bad_verify["msg"]
    assert run.task("Verify again with the CA key")["certificate"]["certificate_id"] == cid

    lost = run.task("Upload a second CA (the answer is lost)")
    assert lost["error"]["http_status"] == 500 and lost["error"]["retryable"] is True
    cas = sim.state()["iotda"]["ca_certificates"]
    assert sorted(ca["cn_name"] for ca in cas) == ["iotpki failing CA", "iotpki retried CA"]
    assert [ca["status"] for ca in cas if ca["certificate_id"] == cid] == [True]

    throttled = run.task("Find the CA while the list is throttled")
    assert any("HTTP 429" in warning for warning in throttled["warnings"])
    seen = sim.requests()
    # unknown ID, failed verification (list, upload, list and show for a twin), re-verification, lost upload + re-run, throttled
    assert len(seen) == 1 + 4 + 3 + 4 + 3
    assert sum(1 for entry in seen if entry["method"] == "POST" and entry["path"].endswith("/certificates")) == 2
