# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles iotda_ca_onboarding and certificate_expiry_report against the simulator.

Each role: a --check run (no write request, nothing on the platform), a real run, an identical
second run (changed=0, no write request), and argument_specs validation failing before any
request. The CA keys are generated here; the harness checks they never appear in any output.
"""

from __future__ import annotations

import datetime
import json

import pytest
from iotpki_test.certificates import make_ca

ONBOARDING = "role_iotda_ca_onboarding"
REPORT = "role_certificate_expiry_report"
SHOW = "iotpki.certificates.iotda_ca_onboarding : Show the onboarded CA certificate"
RESCUE = "iotpki.certificates.iotda_ca_onboarding : Report why the CA certificate could not be onboarded"
WRITE_JSON = "iotpki.certificates.certificate_expiry_report : Write expiry-report.json"


def key_secrets(key_pem):
    """The key as a whole and each line of its body: any of them in the output is a leak."""
    return [key_pem] + [line for line in key_pem.splitlines() if line and not line.startswith("-----")]


def writes(sim, since=None):
    return [r for r in sim.requests(since) if r["write"]]


def last_seq(sim):
    entries = sim.requests()
    return entries[-1]["seq"] if entries else 0


# ---------------------------------------------------------------------------------------------
# iotda_ca_onboarding


@pytest.mark.compat
def test_onboarding_check_apply_idempotent(run_playbook, sim):
    ca_pem, ca_key = make_ca("iotpki role onboarding CA")
    role_vars = {"iotda_ca_onboarding_certificate": ca_pem, "iotda_ca_onboarding_private_key": ca_key,
                 "iotda_ca_onboarding_template_id": "tpl-onboarding", "expect_template_id": "tpl-onboarding"}
    secrets = key_secrets(ca_key)

    # --check: the prediction, with no write and nothing on the platform.
    check = run_playbook(ONBOARDING, extra_vars=dict(role_vars, expect_new_ca=True), check=True, diff=True,
                         secrets=secrets)
    assert check.changed == 1
    assert writes(sim) == []
    assert sim.state()["iotda"]["ca_certificates"] == []
    shown = check.task(SHOW)["msg"]
    assert shown["changed"] is True
    assert shown["diff"]["before"] == {}
    assert shown["diff"]["after"]["verified"] is True
    assert shown["diff"]["after"]["template_id"] == "tpl-onboarding"
    assert shown["diff"]["after"]["provision_enable"] is True
    assert shown["diff"]["after"]["certificate_id"] is None

    # Real run: upload, verify, bind (three writes), and the fact.
    real = run_playbook(ONBOARDING, extra_vars=dict(role_vars, expect_new_ca=True), diff=True, secrets=secrets)
    assert real.changed == 1
    assert [(r["method"], r["status"]) for r in writes(sim)] == [("POST", 201), ("POST", 200), ("PUT", 200)]
    cas = sim.state()["iotda"]["ca_certificates"]
    assert len(cas) == 1
    assert cas[0]["status"] is True and cas[0]["template_id"] == "tpl-onboarding" and cas[0]["provision_enable"] is True
    real_shown = real.task(SHOW)["msg"]
    assert real_shown["certificate"]["certificate_id"] == cas[0]["certificate_id"]
    assert "content" not in real_shown["certificate"]
    # The check-mode diff is the real one, but for the values only the platform assigns.
    assigned = ("certificate_id", "owner", "verify_code", "create_date")  # null in the check-mode prediction of an upload
    assert {k: v for k, v in shown["diff"]["after"].items() if k not in assigned} == {
        k: v for k, v in real_shown["diff"]["after"].items() if k not in assigned}

    # Second identical run, at -vvv: nothing changes, no write, no leak at high verbosity.
    seq = last_seq(sim)
    again = run_playbook(ONBOARDING, extra_vars=dict(role_vars, expect_new_ca=False), verbosity=3, secrets=secrets)
    assert again.changed == 0
    assert writes(sim, since=seq) == []
    assert again.task(SHOW)["msg"]["certificate"]["certificate_id"] == cas[0]["certificate_id"]

    # And --check on the onboarded CA predicts no change.
    seq = last_seq(sim)
    check_again = run_playbook(ONBOARDING, extra_vars=dict(role_vars, expect_new_ca=False), check=True, secrets=secrets)
    assert check_again.changed == 0
    assert writes(sim, since=seq) == []


def test_onboarding_verified_ca_needs_no_key(run_playbook, sim):
    """A CA that is verified already can be bound to a template without its private key."""
    ca_pem, _ca_key = make_ca("iotpki role verified CA")
    sim.seed_ca_certificates(certificates=[{"pem": ca_pem, "verified": True}])
    run = run_playbook(ONBOARDING, extra_vars={"iotda_ca_onboarding_certificate": ca_pem,
                                               "iotda_ca_onboarding_template_id": "tpl-2",
                                               "expect_template_id": "tpl-2", "expect_new_ca": False})
    assert run.changed == 1
    assert [r["method"] for r in writes(sim)] == ["PUT"]  # no upload, no verification
    assert sim.state()["iotda"]["ca_certificates"][0]["template_id"] == "tpl-2"


def test_onboarding_bad_input_fails_before_any_request(run_playbook, sim):
    ca_pem, ca_key = make_ca("iotpki role bad input CA")
    _other_pem, other_key = make_ca("iotpki role other CA")
    secrets = key_secrets(ca_key) + key_secrets(other_key)

    # argument_specs: the certificate is required and types are checked (all errors in one message).
    invalid = run_playbook(ONBOARDING, extra_vars={"iotda_ca_onboarding_private_key": ca_key,
                                                   "iotda_ca_onboarding_provision_enable": "sometimes",
                                                   "expect_new_ca": True, "expect_template_id": ""},
                           expect_rc=2, secrets=secrets)
    assert "missing required arguments: iotda_ca_onboarding_certificate" in invalid.stdout
    assert "iotda_ca_onboarding_provision_enable" in invalid.stdout
    assert sim.requests() == []

    # A key that does not belong to the CA: the module's message, through the role's rescue, no request.
    mismatch = run_playbook(ONBOARDING, extra_vars={"iotda_ca_onboarding_certificate": ca_pem,
                                                    "iotda_ca_onboarding_private_key": other_key,
                                                    "expect_new_ca": True, "expect_template_id": ""},
                            expect_rc=2, secrets=secrets)
    failure = mismatch.task(RESCUE)
    assert "does not belong to the CA certificate" in failure["msg"]
    assert sim.requests() == []


# ---------------------------------------------------------------------------------------------
# certificate_expiry_report


def iso_from_iotda(value):
    return datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_from_ms(value):
    return datetime.datetime.fromtimestamp(value / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_fleet(sim):
    """Certificates on both platforms; returns the (expiry_date, platform, id) of those within 30 days."""
    expected = []
    soon = sim.seed_device_certificates(generate={"count": 2, "common_name_prefix": "soon", "expires_in_days": 5})
    sim.seed_device_certificates(generate={"count": 1, "common_name_prefix": "later", "expires_in_days": 200})
    expired = sim.seed_device_certificates(generate={"count": 1, "common_name_prefix": "gone", "expires_in_days": -3})
    for cert in soon["created"] + expired["created"]:
        expected.append((iso_from_iotda(cert["expiry_date"]), "iotda", cert["certificate_id"]))
    ca = sim.seed_ca_certificates(generate={"count": 1, "verified": True, "expires_in_days": 10})
    sim.seed_ca_certificates(generate={"count": 1, "verified": False, "expires_in_days": 400})
    expected.append((iso_from_iotda(ca["created"][0]["expiry_date"]), "iotda", ca["created"][0]["certificate_id"]))

    sim.seed_enos_devices([{"asset_id": "asset-report-1", "product_key": "pk-report", "device_key": "dk-report-1"},
                           {"asset_id": "asset-report-2", "product_key": "pk-report", "device_key": "dk-report-2"}])
    valid = sim.seed_enos_certificate(asset_id="asset-report-1", status="valid", expires_in_days=3)
    sim.seed_enos_certificate(asset_id="asset-report-1", status="revoked", expires_in_days=2)
    gone = sim.seed_enos_certificate(product_key="pk-report", device_key="dk-report-2", status="expired",
                                     expires_in_days=-1)
    sim.seed_enos_certificate(product_key="pk-report", device_key="dk-report-2", status="valid", expires_in_days=300)
    for cert in (valid, gone):
        expected.append((iso_from_ms(cert["expire_date"]), "enos", str(cert["cert_sn"])))
    return [entry[2] for entry in sorted(expected)]


ENOS_DEVICES = [{"asset_id": "asset-report-1"}, {"product_key": "pk-report", "device_key": "dk-report-2"},
                {"product_key": "pk-report", "device_key": "dk-report-1"}]  # the first device again, other selector


@pytest.mark.compat
def test_expiry_report_both_platforms(run_playbook, sim, tmp_path):
    expect_ids = seed_fleet(sim)
    dest = tmp_path / "report"
    role_vars = {"certificate_expiry_report_enos_devices": ENOS_DEVICES, "certificate_expiry_report_dest": str(dest),
                 "expect_ids": expect_ids}

    # --check: the fact is produced from real reads; no write anywhere, no file.
    check = run_playbook(REPORT, extra_vars=role_vars, check=True)
    assert writes(sim) == []
    assert not dest.exists()
    assert check.task(WRITE_JSON)["changed"] is True  # what it would do

    # Real run: the same report, written to both files.
    real = run_playbook(REPORT, extra_vars=role_vars)
    assert writes(sim) == []
    document = json.loads((dest / "expiry-report.json").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in document["certificates"]] == expect_ids
    assert document["within_days"] == 30 and document["count"] == len(expect_ids)
    enos_valid = [entry for entry in document["certificates"] if entry["platform"] == "enos" and entry["status"] == "valid"]
    assert [entry["device"] for entry in enos_valid] == [{"asset_id": "asset-report-1"}]  # once, first selector
    assert {entry["kind"] for entry in document["certificates"]} == {"ca", "device"}
    assert min(entry["expires_in_days"] for entry in document["certificates"]) < 0  # expired ones are listed
    markdown = (dest / "expiry-report.md").read_text(encoding="utf-8")
    rows = [line for line in markdown.splitlines() if line.startswith("| 20")]
    assert len(rows) == len(expect_ids)
    assert all("`%s`" % cert_id in row for cert_id, row in zip(expect_ids, rows))
    assert real.changed == 3  # the directory and the two files

    # Second identical run: nothing changes.
    again = run_playbook(REPORT, extra_vars=role_vars)
    assert again.changed == 0
    assert writes(sim) == []

    # Check mode can be told to write the files (they only live on the controller).
    other = tmp_path / "check-report"
    check_vars = dict(role_vars, certificate_expiry_report_dest=str(other), certificate_expiry_report_write_in_check_mode=True)
    run_playbook(REPORT, check=True, extra_vars=check_vars)
    assert json.loads((other / "expiry-report.json").read_text(encoding="utf-8")) == document
    assert writes(sim) == []


def test_expiry_report_one_platform_at_a_time(run_playbook, sim):
    sim.seed_enos_devices([{"asset_id": "asset-solo"}])
    enos_cert = sim.seed_enos_certificate(asset_id="asset-solo", status="valid", expires_in_days=12)
    iotda_cert = sim.seed_device_certificates(generate={"count": 1, "common_name_prefix": "solo", "expires_in_days": 7})

    enos_only = run_playbook(REPORT, extra_vars={"certificate_expiry_report_iotda": False,
                                                 "certificate_expiry_report_enos_devices": [{"asset_id": "asset-solo"}],
                                                 "expect_ids": [str(enos_cert["cert_sn"])]})
    assert {r["platform"] for r in sim.requests()} == {"enos-token", "enos"}
    assert enos_only.changed == 0

    seq = last_seq(sim)
    iotda_only = run_playbook(REPORT, extra_vars={"certificate_expiry_report_days": 10,
                                                  "expect_ids": [iotda_cert["created"][0]["certificate_id"]]})
    assert {r["platform"] for r in sim.requests(seq)} == {"iotda"}
    assert iotda_only.changed == 0


def test_expiry_report_bad_input_fails_before_any_request(run_playbook, sim):
    invalid = run_playbook(REPORT, extra_vars={"certificate_expiry_report_days": "soon", "expect_ids": [],
                                               "certificate_expiry_report_enos_devices": [
                                                   {"asset_id": "a", "product_key": "p", "device_key": "d"}]},
                           expect_rc=2)
    assert "mutually exclusive: asset_id|product_key" in invalid.stdout
    assert "certificate_expiry_report_days" in invalid.stdout
    assert sim.requests() == []


def test_expiry_report_lists_an_unknown_enos_device_and_finishes(run_playbook, sim, tmp_path):
    sim.seed_enos_devices([{"asset_id": "asset-known"}])
    enos_cert = sim.seed_enos_certificate(asset_id="asset-known", status="valid", expires_in_days=4)
    iotda_cert = sim.seed_device_certificates(generate={"count": 1, "common_name_prefix": "kept", "expires_in_days": 6})
    dest = tmp_path / "report"
    run = run_playbook(REPORT, extra_vars={
        "certificate_expiry_report_enos_devices": [{"asset_id": "asset-unknown"}, {"asset_id": "asset-known"}],
        "certificate_expiry_report_dest": str(dest),
        "expect_ids": [str(enos_cert["cert_sn"]), iotda_cert["created"][0]["certificate_id"]],
    })
    assert run.failed == 0
    document = json.loads((dest / "expiry-report.json").read_text(encoding="utf-8"))
    assert type(document["count"]) is int and type(document["within_days"]) is int  # pylint: disable=unidiomatic-typecheck
    assert document["count"] == 2 and document["within_days"] == 30
    assert [entry["device"] for entry in document["unread"]] == [{"asset_id": "asset-unknown"}]
    assert "asset-unknown" in document["unread"][0]["msg"]
    assert "asset-unknown" in (dest / "expiry-report.md").read_text(encoding="utf-8")
