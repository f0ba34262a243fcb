# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iotda_ca_certificate: ensure() against an in-memory platform, and bad input through main()."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

import pytest

from ansible.module_utils.testing import patch_module_args
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from iotpki_test.certificates import Issued, issue, key_pem, new_key
from iotpki_test.modules import Failed, FakeModule

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca_certificates as ca_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca_plan as ca_plan
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_client
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, IncompleteListing, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import pem_der
from ansible_collections.iotpki.certificates.plugins.module_utils._paging import collect_pages
from ansible_collections.iotpki.certificates.plugins.modules import iotda_ca_certificate as module_under_test

NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)
PASSPHRASE = "correct horse battery staple"


def make_ca(cn="Fleet Root CA"):
    ca = issue(cn, ca=True, not_before=NOT_BEFORE, not_after=NOT_AFTER, organization="Example Corp")
    return ca.pem, ca.key


CA_PEM, CA_KEY = make_ca()
CA_KEY_PEM = key_pem(CA_KEY)


SERVER_ASSIGNED = ("certificate_id", "owner", "verify_code", "create_date")


def api_error(method, path, status, code, message):
    return ApiError("IoTDA", method, "https://iotda.example/v5/iot/p" + path, message, http_status=status, code=code, request_id="req-1")


class FakeIotda:
    """Plays the CA certificate endpoints: upload, list (marker paging), show, verify, update, delete."""

    def __init__(self, *pems, verified=False):
        self.cas = {}
        self.calls = []
        self.next_id = 0x62B3CEC5558D4B703F064534
        for pem in pems:
            self._add(pem, verified)

    def _add(self, pem, verified=False, app_id=None):
        cert = x509.load_pem_x509_certificate(pem.encode())
        self.next_id += 1
        cid = "%024x" % self.next_id
        self.cas[cid] = {
            "certificate_id": cid, "cn_name": cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
            "owner": "Example Corp", "status": verified, "verify_code": "code-%s" % cid[-4:],
            "provision_enable": False, "template_id": None, "ocsp_enable": False, "ocsp_ssl_enable": False,
            "ocsp_server_ca_id": None, "create_date": "20260201T000000Z",
            "effective_date": cert.not_valid_before_utc.strftime("%Y%m%dT%H%M%SZ"),
            "expiry_date": cert.not_valid_after_utc.strftime("%Y%m%dT%H%M%SZ"),
            "name": "name-" + cid[-4:], "content": pem, "_app_id": app_id,
        }
        return cid

    @property
    def writes(self):
        return [call for call in self.calls if call[0] != "GET"]

    @staticmethod
    def _public(record, show=False):
        return {k: v for k, v in record.items() if not k.startswith("_") and (show or k not in ("name", "content"))}

    def _get_record(self, method, path, cid):
        if cid not in self.cas:
            raise api_error(method, path, 404, "IOTDA.014300", "The certificate does not exist.")
        return self.cas[cid]

    def get(self, path, query=None):
        return self.request("GET", path, query)

    def list_all(self, path, items_key, query=None, max_results=None):
        app_id = dict(query or []).get("app_id")

        def fetch(limit, marker):
            self.calls.append(("GET", path, None))
            ids = sorted((cid for cid, rec in self.cas.items() if not app_id or rec["_app_id"] == app_id), reverse=True)
            matching = len(ids)
            ids = [cid for cid in ids if marker is None or cid < marker][:limit]
            return {"certificates": [self._public(self.cas[cid]) for cid in ids], "page": {"count": matching, "marker": ids[-1] if ids else None}}

        return collect_pages(fetch, items_key, max_results)

    def request(self, method, path, query=None, body=None, idempotent=None):
        self.calls.append((method, path, body))
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["certificates"]:
            return self._public(self.cas[self._add(body["content"], app_id=body.get("app_id"))])
        record = self._get_record(method, path, parts[1])
        if method == "GET":
            return self._public(record, show=True)
        if method == "DELETE":
            del self.cas[parts[1]]
            return None
        if method == "POST":  # verify
            assert dict(query) == {"action_id": "verify"}
            proof = x509.load_pem_x509_certificate(body["verify_content"].encode())
            try:
                assert proof.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == record["verify_code"]
                proof.verify_directly_issued_by(x509.load_pem_x509_certificate(record["content"].encode()))
            except Exception:
                raise api_error(method, path, 400, "IOTDA.014307", "Operation not allowed. The certificates verify verifyCode failed") from None
            record["status"] = True
            return None
        record.update(body)  # PUT
        return self._public(record)


def story(client, check_mode=False, warnings=None, **params):
    module = FakeModule(module_under_test.ARGUMENT_SPEC, client, check_mode=check_mode, **params)
    result = module_under_test.ensure(module)
    if warnings is not None:
        warnings.extend(module.warnings)
    return result


# --- helpers ---------------------------------------------------------------------------------


def test_update_body_sends_only_differences_and_null_for_empty_ids():
    current = {"provision_enable": True, "template_id": "t1", "ocsp_enable": False, "ocsp_server_ca_id": None}
    settings = {"provision_enable": True, "template_id": "", "ocsp_ssl_enable": False, "ocsp_server_ca_id": ""}
    assert ca_plan.update_body(current, settings) == {"template_id": None}
    assert ca_plan.update_body({"template_id": None}, {"template_id": ""}) == {}
    assert ca_plan.update_body({}, {"ocsp_enable": True, "ocsp_server_ca_id": "c2"}) == {"ocsp_enable": True, "ocsp_server_ca_id": "c2"}


def test_record_has_every_key_iso_dates_and_no_content_unless_asked():
    answer = FakeIotda(CA_PEM).cas.popitem()[1]
    record = ca_certificates.ca_record(answer)
    assert record["effective_date"] == "2026-01-01T00:00:00Z" and record["expiry_date"] == "2036-01-01T00:00:00Z"
    assert record["create_date"] == "2026-02-01T00:00:00Z" and record["common_name"] == "Fleet Root CA" and record["verified"] is False
    assert isinstance(record["expires_in_days"], int) and "content" not in record
    assert ca_certificates.ca_record(answer, content=True)["content"] == CA_PEM
    empty = ca_certificates.ca_record({})
    assert set(empty) == set(record) and set(empty.values()) == {None}


def test_pem_der_accepts_surrounding_text_and_rejects_garbage():
    assert pem_der("subject=...\n" + CA_PEM) == x509.load_pem_x509_certificate(CA_PEM.encode()).public_bytes(serialization.Encoding.DER)
    assert pem_der("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----") is None
    assert pem_der(None) is None


# --- upload, identity, idempotence ----------------------------------------------------------


def test_upload_once_then_found_by_content_with_one_list_and_one_show():
    client = FakeIotda()
    first = story(client, content=CA_PEM, app_id="space-1")
    assert first["changed"] is True and [c[0] for c in client.calls] == ["GET", "POST", "GET", "GET"]  # list, upload, twin check
    assert client.calls[1][2] == {"content": CA_PEM, "app_id": "space-1"}
    client.calls.clear()
    second = story(client, content=CA_PEM, app_id="space-1")
    assert second["changed"] is False and client.writes == [] and len(client.calls) == 2
    assert second["certificate"]["certificate_id"] == first["certificate"]["certificate_id"]
    assert "content" not in second["certificate"]
    assert second["diff"]["before"] == second["diff"]["after"]


def test_idempotent_by_id_costs_one_show():
    client = FakeIotda(CA_PEM)
    cid = next(iter(client.cas))
    result = story(client, certificate_id=cid)
    assert result["changed"] is False and client.calls == [("GET", "/certificates/%s" % cid, None)]
    assert result["diff"]["after"]["expiry_date"] == "2036-01-01T00:00:00Z"


def test_same_cn_and_validity_but_other_certificate_is_uploaded():
    other, dummy = make_ca()
    client = FakeIotda(other)
    assert story(client, content=CA_PEM)["changed"] is True
    # list, show (different DER), upload, then the twin check: list, show both
    assert [c[0] for c in client.calls] == ["GET", "GET", "POST", "GET", "GET", "GET"]
    assert len(client.cas) == 2


def test_app_id_filters_the_search():
    client = FakeIotda()
    client._add(CA_PEM, app_id="other-space")
    assert story(client, content=CA_PEM, app_id="space-1")["changed"] is True
    assert len(client.cas) == 2


def test_search_follows_every_page():
    pems = [make_ca(cn="CA %d" % i)[0] for i in range(60)]
    client = FakeIotda(CA_PEM, *pems)  # CA_PEM has the lowest ID: on the second page
    result = story(client, content=CA_PEM)
    assert result["changed"] is False and [c[0] for c in client.calls] == ["GET", "GET", "GET"]


def test_duplicates_that_cannot_be_told_apart_fail_with_their_ids():
    client = FakeIotda(CA_PEM, CA_PEM)
    with pytest.raises(InputError) as caught:
        story(client, content=CA_PEM)
    for cid in client.cas:
        assert cid in str(caught.value)
    assert "certificate_id" in str(caught.value) and client.writes == []


def test_check_mode_upload_predicts_and_diff_equals_real_run_but_server_fields():
    checked = FakeIotda()
    params = dict(content=CA_PEM, verified=True, private_key=CA_KEY_PEM, provision_enable=True, template_id="tpl")
    check = story(checked, check_mode=True, **params)
    assert checked.writes == [] and check["changed"] is True
    for name in SERVER_ASSIGNED:
        assert check["certificate"][name] is None
    assert check["certificate"]["verified"] is True and check["certificate"]["template_id"] == "tpl"
    real = story(FakeIotda(), **params)
    assert check["diff"]["before"] == real["diff"]["before"] == {}
    assert check["diff"]["after"] == dict(real["diff"]["after"], **dict.fromkeys(SERVER_ASSIGNED))
    assert real["diff"]["after"]["verified"] is True and real["diff"]["after"]["provision_enable"] is True


# --- verification -----------------------------------------------------------------------------


def test_upload_verify_update_in_one_run_and_in_this_order():
    client = FakeIotda()
    result = story(client, content=CA_PEM, verified=True, private_key=CA_KEY_PEM, provision_enable=True, template_id="tpl")
    cid = result["certificate"]["certificate_id"]
    assert [(c[0], c[1].rsplit("/", 1)[-1]) for c in client.writes] == [("POST", "certificates"), ("POST", "action"), ("PUT", cid)]
    assert client.writes[2][2] == {"provision_enable": True, "template_id": "tpl"}
    assert result["certificate"]["verified"] is True and result["certificate"]["provision_enable"] is True
    client.calls.clear()
    again = story(client, content=CA_PEM, verified=True, private_key=CA_KEY_PEM, provision_enable=True, template_id="tpl")
    assert again["changed"] is False and client.writes == []


def test_encrypted_key_with_passphrase_verifies():
    client = FakeIotda()
    result = story(client, content=CA_PEM, verified=True, private_key=key_pem(CA_KEY, PASSPHRASE), private_key_passphrase=PASSPHRASE)
    assert result["certificate"]["verified"] is True and next(iter(client.cas.values()))["status"] is True


@pytest.mark.parametrize(
    "params, message",
    [
        ({"private_key": key_pem(new_key())}, "private_key does not belong to the CA certificate"),
        ({"private_key": key_pem(CA_KEY, PASSPHRASE)}, "private_key is encrypted"),
        ({"private_key": key_pem(CA_KEY, PASSPHRASE), "private_key_passphrase": "wrong"}, "wrong private_key_passphrase"),
        ({"private_key": "not a key"}, "private_key cannot be read"),
        ({"verification_certificate": "garbage"}, "verification_certificate is not a PEM certificate"),
    ],
)
def test_bad_key_material_fails_before_any_request(params, message):
    client = FakeIotda()
    with pytest.raises(InputError) as caught:
        story(client, content=CA_PEM, verified=True, **params)
    assert message in str(caught.value) and client.calls == []
    assert PASSPHRASE not in str(caught.value) and "PRIVATE KEY" not in str(caught.value)


def test_unparseable_content_fails_before_any_request():
    client = FakeIotda()
    with pytest.raises(InputError, match="content is not a PEM certificate"):
        story(client, content="hello")
    assert client.calls == []


def test_key_checked_against_the_shown_pem_when_selected_by_id():
    client = FakeIotda(CA_PEM)
    cid = next(iter(client.cas))
    with pytest.raises(InputError, match="does not belong"):
        story(client, certificate_id=cid, verified=True, private_key=key_pem(new_key()))
    assert client.writes == []
    assert story(client, certificate_id=cid, verified=True, private_key=CA_KEY_PEM)["certificate"]["verified"] is True


def proof_for(common_name, signer_key=CA_KEY):
    """A verification certificate with this CN, signed by ``signer_key`` (as if by the CA)."""
    return issue(common_name, issuer=Issued(x509.load_pem_x509_certificate(CA_PEM.encode()), signer_key), days=1, serial=1).pem


def test_verification_certificate_with_another_cn_is_refused_before_sending_it():
    client = FakeIotda()
    with pytest.raises(Failed) as caught:
        story(client, content=CA_PEM, verified=True, verification_certificate=proof_for("not-the-code"))
    failure = caught.value
    cid = failure.result["certificate"]["certificate_id"]
    assert failure.result["changed"] is True and cid in client.cas and "error" not in failure.result
    assert "CA certificate %s was uploaded, but its verification failed" % cid in failure.msg
    assert "verification_certificate has CN 'not-the-code', but the platform's verify_code" in failure.msg
    assert [c[0] for c in client.writes] == ["POST"]  # the upload only
    client.calls.clear()
    with pytest.raises(InputError, match="verify_code of CA certificate %s is 'code-" % cid):  # now known: before any write
        story(client, certificate_id=cid, verified=True, verification_certificate=proof_for("not-the-code"))
    assert client.writes == []


def test_failed_verification_after_upload_reports_the_uploaded_ca_and_a_rerun_converges():
    client = FakeIotda()
    cid = "%024x" % (client.next_id + 1)  # the ID the upload gets, so that the CN is the verify_code
    with pytest.raises(Failed) as caught:
        story(client, content=CA_PEM, verified=True, verification_certificate=proof_for("code-" + cid[-4:], new_key()))
    failure = caught.value
    assert failure.result["certificate"]["certificate_id"] == cid
    assert failure.result["changed"] is True and cid in client.cas
    assert failure.result["error"]["code"] == "IOTDA.014307" and failure.result["error"]["http_status"] == 400
    assert "CA certificate %s was uploaded, but its verification failed" % cid in failure.msg
    assert "IOTDA.014307" in failure.msg
    client.calls.clear()
    result = story(client, content=CA_PEM, verified=True, private_key=CA_KEY_PEM)
    assert result["changed"] is True and [c[0] for c in client.writes] == ["POST"] and len(client.cas) == 1
    assert result["diff"]["before"]["verified"] is False and result["diff"]["after"]["verified"] is True


def test_given_verification_certificate_is_sent_as_is():
    client = FakeIotda(CA_PEM)
    cid, record = next(iter(client.cas.items()))
    proof = proof_for(record["verify_code"])
    result = story(client, certificate_id=cid, verified=True, verification_certificate=proof)
    assert result["changed"] is True and client.writes[0][2] == {"verify_content": proof}


def test_already_verified_is_no_change():
    client = FakeIotda(CA_PEM, verified=True)
    result = story(client, content=CA_PEM, verified=True, private_key=CA_KEY_PEM)
    assert result["changed"] is False and client.writes == []


def test_verified_false_on_a_verified_ca_fails_before_any_write():
    client = FakeIotda(CA_PEM, verified=True)
    with pytest.raises(InputError, match="cannot undo a verification"):
        story(client, content=CA_PEM, verified=False)
    assert client.writes == []
    assert story(FakeIotda(CA_PEM), content=CA_PEM, verified=False)["changed"] is False


# --- update -------------------------------------------------------------------------------------


def test_only_differing_settings_are_sent_and_empty_template_unbinds():
    client = FakeIotda(CA_PEM, verified=True)
    cid, record = next(iter(client.cas.items()))
    record.update(provision_enable=True, template_id="tpl")
    result = story(client, certificate_id=cid, provision_enable=False, template_id="", ocsp_enable=False)
    assert client.writes == [("PUT", "/certificates/%s" % cid, {"provision_enable": False, "template_id": None})]
    assert result["diff"]["before"]["template_id"] == "tpl" and result["diff"]["after"]["template_id"] is None


def test_check_mode_update_predicts_without_writing():
    client = FakeIotda(CA_PEM, verified=True)
    cid = next(iter(client.cas))
    check = story(client, check_mode=True, certificate_id=cid, ocsp_enable=True)
    real = story(FakeIotda(CA_PEM, verified=True), certificate_id=cid, ocsp_enable=True)
    assert client.writes == [] and check["changed"] is True
    assert check["diff"] == real["diff"] and check["certificate"] == real["certificate"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"provision_enable": True, "template_id": "tpl"}, "provision_enable=true needs a verified CA certificate"),
        ({"ocsp_enable": True}, "ocsp_enable=true needs a verified CA certificate"),
        ({"verified": True, "private_key": CA_KEY_PEM, "provision_enable": True}, "needs a provisioning template"),
        ({"ocsp_ssl_enable": True}, "needs the CA certificate of the OCSP server"),
    ],
)
def test_settings_the_platform_refuses_fail_before_any_write(params, message):
    client = FakeIotda()
    with pytest.raises(InputError, match=message):
        story(client, content=CA_PEM, **params)
    assert client.writes == []


def test_update_failure_after_upload_reports_the_certificate():
    class NoPut(FakeIotda):
        def request(self, method, path, query=None, body=None, idempotent=None):
            if method == "PUT":
                raise api_error(method, path, 403, "IOTDA.000022", "basic edition")
            return super().request(method, path, query, body, idempotent)

    client = NoPut()
    with pytest.raises(Failed) as caught:
        story(client, content=CA_PEM, verified=True, private_key=CA_KEY_PEM, provision_enable=True, template_id="tpl")
    assert caught.value.result["changed"] is True and caught.value.result["certificate"]["verified"] is True
    assert caught.value.result["error"]["code"] == "IOTDA.000022"


# --- absent, unknown IDs ------------------------------------------------------------------------


def test_delete_by_content_then_absent_is_unchanged():
    client = FakeIotda(CA_PEM)
    cid = next(iter(client.cas))
    check = story(client, check_mode=True, content=CA_PEM, state="absent")
    assert check["changed"] is True and client.writes == []
    result = story(client, content=CA_PEM, state="absent")
    assert result["changed"] is True and client.writes == [("DELETE", "/certificates/%s" % cid, None)]
    assert result["diff"] == check["diff"] and result["diff"]["after"] == {} and result["diff"]["before"]["certificate_id"] == cid
    again = story(client, content=CA_PEM, state="absent")
    assert again["changed"] is False and again["certificate"] == {} and len(client.writes) == 1


def test_delete_by_unknown_id_is_unchanged_and_404_on_delete_counts_as_gone():
    client = FakeIotda()
    assert story(client, certificate_id="0" * 24, state="absent")["changed"] is False

    class Vanishing(FakeIotda):
        def request(self, method, path, query=None, body=None, idempotent=None):
            if method == "DELETE":
                raise api_error(method, path, 404, "IOTDA.014300", "The certificate does not exist.")
            return super().request(method, path, query, body, idempotent)

    vanishing = Vanishing(CA_PEM)
    assert story(vanishing, certificate_id=next(iter(vanishing.cas)), state="absent")["changed"] is False


def test_unknown_id_with_state_present_fails_with_the_error_fields():
    client = FakeIotda()
    with pytest.raises(ApiError) as caught:
        story(client, certificate_id="0" * 24)
    assert str(caught.value).startswith("no CA certificate with certificate_id %s" % ("0" * 24))
    assert caught.value.to_dict()["http_status"] == 404 and caught.value.to_dict()["code"] == "IOTDA.014300"
    assert client.writes == []


def test_gateway_404_is_an_error_not_a_missing_certificate():
    class WrongEndpoint(FakeIotda):
        def request(self, method, path, query=None, body=None, idempotent=None):
            raise api_error(method, path, 404, "APIGW.0101", "The API does not exist")

    with pytest.raises(ApiError):
        story(WrongEndpoint(), certificate_id="0" * 24, state="absent")


# --- argument spec through main() ---------------------------------------------------------------

CONNECTION = {"endpoint": "https://iotda.example", "project_id": "p", "region": "cn-north-4", "access_key": "ak", "secret_key": "sk-secret"}


@pytest.mark.parametrize(
    "args, message",
    [
        ({"certificate_id": "c1", "content": CA_PEM}, "mutually exclusive: certificate_id|content"),
        ({}, "one of the following is required: certificate_id, content"),
        ({"content": CA_PEM, "verified": True}, "verified is True but any of the following are missing: verification_certificate, private_key"),
        ({"content": CA_PEM, "private_key_passphrase": PASSPHRASE}, "missing parameter(s) required by 'private_key_passphrase': private_key"),
        ({"content": CA_PEM, "verified": True, "private_key": CA_KEY_PEM, "verification_certificate": CA_PEM}, "mutually exclusive"),
        ({"content": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "content is not a readable PEM certificate"),
        ({"content": CA_PEM, "verified": True, "private_key": key_pem(new_key())}, "does not belong"),
    ],
)
def test_bad_input_fails_before_any_request(args, message, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(_iotda_client.IotdaClient, "request", lambda *a, **k: calls.append(a))
    with patch_module_args(dict(CONNECTION, **args)):
        with pytest.raises(SystemExit):
            module_under_test.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True and message in result["msg"] and calls == []
    text = json.dumps(result)
    assert "sk-secret" not in text and "PRIVATE KEY" not in text and PASSPHRASE not in text


def test_importing_the_module_does_not_import_cryptography():
    """A run selected by certificate_id needs no cryptography: it is imported only for PEM or key options."""
    code = (
        "import sys\n"
        "from ansible_collections.iotpki.certificates.plugins.modules import iotda_ca_certificate\n"
        "sys.exit(1 if 'cryptography' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- what the platform would refuse, races, incomplete listings ---------------------------------


def test_unbinding_the_template_while_provisioning_stays_on_is_refused_before_any_request():
    client = FakeIotda(CA_PEM, verified=True)
    cid, record = next(iter(client.cas.items()))
    with pytest.raises(InputError, match="set provision_enable=false together with template_id ''"):
        story(client, certificate_id=cid, provision_enable=True, template_id="")
    assert client.calls == []
    record.update(provision_enable=True, template_id="tpl")
    for check_mode in (True, False):
        with pytest.raises(InputError, match="provision_enable stays true on CA certificate %s" % cid):
            story(client, check_mode=check_mode, certificate_id=cid, template_id="")
    assert client.writes == []


def test_an_identical_copy_uploaded_at_the_same_moment_is_reported_with_both_ids():
    class Racing(FakeIotda):
        """Another run uploads the same CA between this run's listing and its upload."""

        def request(self, method, path, query=None, body=None, idempotent=None):
            if method == "POST" and path == "/certificates" and not self.cas:
                self.twin = self._add(body["content"])
            return super().request(method, path, query, body, idempotent)

    client = Racing()
    warnings = []
    result = story(client, content=CA_PEM, warnings=warnings)
    cid = result["certificate"]["certificate_id"]
    assert result["changed"] is True and len(client.cas) == 2
    assert [w for w in warnings if cid in w and client.twin in w and "state=absent" in w]


def test_a_listing_that_cannot_complete_fails_before_any_write():
    class Lying(FakeIotda):
        def list_all(self, path, items_key, query=None, max_results=None):
            raise IncompleteListing("IoTDA", "GET", "https://iotda.example/v5/iot/p/certificates", "page.marker did not move", 100, 50, 150)

    client = Lying()
    with pytest.raises(Failed) as caught:
        story(client, content=CA_PEM)
    assert caught.value.msg.startswith("could not list all CA certificates to check for an existing copy: ")
    assert caught.value.result["error"]["http_status"] == 200 and client.writes == []


def test_a_failed_upload_says_that_running_again_is_safe():
    class Refusing(FakeIotda):
        def request(self, method, path, query=None, body=None, idempotent=None):
            if method == "POST":
                raise api_error(method, path, 500, "IOTDA.000001", "internal error")
            return super().request(method, path, query, body, idempotent)

    with pytest.raises(Failed) as caught:
        story(Refusing(), content=CA_PEM)
    assert "running the task again is safe" in caught.value.msg and caught.value.result["error"]["http_status"] == 500
