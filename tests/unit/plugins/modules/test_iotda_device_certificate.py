# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iotda_device_certificate: selection, ensure() against a fake platform, bad input through main()."""

from __future__ import annotations

import datetime
import hashlib
import json
import subprocess
import sys

import pytest

from ansible.module_utils.testing import patch_module_args
from iotpki_test.certificates import issue
from iotpki_test.modules import Failed, FakeModule

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_client
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_certificates as device
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._paging import collect_pages
from ansible_collections.iotpki.certificates.plugins.modules import iotda_device_certificate as module_under_test

SHA256 = "AB" * 32
SHA1 = "CD" * 20


def cert(cid, cn, fingerprint=None, status="ACTIVE"):
    return {
        "certificate_id": cid,
        "common_name": cn,
        "fingerprint": fingerprint or hashlib.sha256(cid.encode()).hexdigest().upper(),
        "status": status,
        "expiry_date": "20300131T120000Z",
    }


def not_found(path, code="IOTDA.014300"):
    return ApiError("IoTDA", "GET", "https://sim" + path, "The device certificate does not exist.", http_status=404, code=code, request_id="r-404")


class FakeIotda:
    """Plays the device-certificate API: prefix and fingerprint filters, marker paging, show/PUT/DELETE."""

    def __init__(self, records, sha1=None):
        self.records = {r["certificate_id"]: dict(r, certificate_pem="-----BEGIN CERTIFICATE-----\nPEM\n-----END CERTIFICATE-----") for r in records}
        self.sha1 = sha1 or {}
        self.calls = []

    def get(self, path, query=None):
        return self.request("GET", path, query)

    def list_all(self, path, items_key, query=None, max_results=None):
        def fetch(limit, marker):
            given = [(name, value) for name, value in query or [] if value is not None]  # as the client sends them
            return self.get(path, given + [("limit", limit)] + ([("marker", marker)] if marker else []))

        return collect_pages(fetch, items_key, max_results)

    def request(self, method, path, query=None, body=None, idempotent=None):
        self.calls.append((method, path, dict(query or []), body))
        if path == "/device-certificates":
            return self._list(dict(query or []))
        cid = path.rsplit("/", 1)[1]
        if cid not in self.records:
            raise not_found(path)
        if method == "PUT":
            self.records[cid]["status"] = body["status"]
        if method == "DELETE":
            del self.records[cid]
            return None
        return dict(self.records[cid])

    def _list(self, query):
        prefix, fingerprint = query.get("common_name") or "", query.get("fingerprint")
        ids = sorted((cid for cid, r in self.records.items() if r["common_name"].startswith(prefix)
                      and fingerprint in (None, r["fingerprint"], self.sha1.get(cid))), reverse=True)
        matching = len(ids)
        if query.get("marker"):
            ids = [cid for cid in ids if cid < query["marker"]]
        page = ids[: query["limit"]]
        items = [{k: v for k, v in self.records[cid].items() if k != "certificate_pem"} for cid in page]
        return {"device_certificates": items, "page": {"count": matching, "marker": page[-1] if page else None}}

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ("PUT", "DELETE", "POST")]


def run_story(client, check_mode=False, **params):
    return module_under_test.ensure(FakeModule(module_under_test.ARGUMENT_SPEC, client, check_mode=check_mode, **params))


def record(answer):
    """The record a listing gives (``expires_in_days`` as of now)."""
    return device.device_certificate_record(answer)


def make_pem(common_name="dev-pem"):
    issued = issue(common_name, days=30)
    return issued.pem, issued.sha256


# --- selection -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "give exactly one of certificate_id, fingerprint, common_name, content to select the device certificate; got none"),
        ({"certificate_id": "c1", "fingerprint": SHA256}, "got certificate_id, fingerprint"),
        ({"fingerprint": "abc"}, "fingerprint must be a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) value"),
        ({"fingerprint": "G" * 64}, "fingerprint must be"),
        ({"common_name": "x" * 33}, "common_name must be 1-32 characters"),
        ({"common_name": "dev/1"}, "common_name must be 1-32 characters"),
        ({"content": "not a pem"}, "content is not a PEM certificate"),
        ({"content": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "content is not a readable PEM certificate"),
    ],
)
def test_bad_selectors_fail_before_any_request(params, message):
    client = FakeIotda([cert("c1", "dev-1")])
    with pytest.raises(InputError) as caught:
        run_story(client, **params)
    assert message in str(caught.value)
    assert client.calls == []


def test_empty_strings_count_as_unset_like_awx_sends_them():
    selector = device.selector_from_params({"certificate_id": "", "fingerprint": None, "common_name": "dev-1", "content": ""})
    assert (selector.option, selector.value) == ("common_name", "dev-1")


@pytest.mark.parametrize("given", [SHA256.lower(), ":".join(SHA256[i:i + 2] for i in range(0, 64, 2)).lower(), SHA256])
def test_fingerprint_is_normalised_and_sent_as_the_server_filter(given):
    client = FakeIotda([cert("c1", "dev-1", fingerprint=SHA256), cert("c2", "dev-2")])
    result = run_story(client, fingerprint=given)
    assert client.calls == [("GET", "/device-certificates", {"fingerprint": SHA256, "limit": 50}, None)]
    assert result["certificate"]["certificate_id"] == "c1" and result["changed"] is False


def test_sha1_fingerprint_trusts_the_server_filter():
    client = FakeIotda([cert("c1", "dev-1", fingerprint=SHA256), cert("c2", "dev-2")], sha1={"c1": SHA1})
    result = run_story(client, fingerprint=SHA1.lower(), status="inactive")
    assert client.calls[0][2] == {"fingerprint": SHA1, "limit": 50}
    assert result["certificate"] == dict(record(cert("c1", "dev-1", fingerprint=SHA256)), status="inactive")


def test_common_name_is_an_exact_match_among_prefix_siblings_on_every_page():
    siblings = [cert("s%03d" % n, "dev-1%d" % n) for n in range(120)]  # dev-10 ... dev-1119, sorted after the target
    client = FakeIotda([cert("a000", "dev-1")] + siblings + [cert("z999", "dev-2")])
    result = run_story(client, common_name="dev-1")
    assert result["certificate"]["certificate_id"] == "a000"
    assert [call[2].get("common_name") for call in client.calls] == ["dev-1"] * 3  # 121 matches of the prefix: 3 pages
    assert client.writes == []


def test_content_selects_by_the_locally_computed_sha256():
    pem, sha256 = make_pem("leaked-device")
    client = FakeIotda([cert("c1", "leaked-device", fingerprint=sha256), cert("c2", "leaked-device")])
    result = run_story(client, content=pem, status="inactive")
    assert client.calls[0] == ("GET", "/device-certificates", {"fingerprint": sha256, "limit": 50}, None)
    assert result["certificate"]["certificate_id"] == "c1" and result["certificate"]["status"] == "inactive"
    assert "BEGIN CERTIFICATE" not in json.dumps(result)


def test_several_matches_fail_listing_ids_and_common_names():
    client = FakeIotda([cert("c1", "dev-1"), cert("c2", "dev-1", status="INACTIVE"), cert("c3", "dev-10")])
    with pytest.raises(Failed) as caught:
        run_story(client, common_name="dev-1", status="inactive")
    message = caught.value.msg
    assert message.startswith("2 device certificates match common_name='dev-1': ")
    assert "c2 (CN dev-1, inactive, expires 2030-01-31T12:00:00Z)" in message and "c1 (CN dev-1, active" in message
    assert [m["certificate_id"] for m in caught.value.result["matches"]] == ["c2", "c1"]
    assert client.writes == []


# --- the story -----------------------------------------------------------------------------------

def test_deactivate_by_id_sends_one_put_and_reports_the_platform_answer():
    client = FakeIotda([cert("c1", "dev-1")])
    result = run_story(client, certificate_id="c1", status="inactive")
    assert client.calls == [("GET", "/device-certificates/c1", {}, None), ("PUT", "/device-certificates/c1", {}, {"status": "INACTIVE"})]
    assert result["changed"] is True
    assert result["diff"]["before"]["status"] == "active" and result["diff"]["after"]["status"] == "inactive"
    assert result["certificate"] == result["diff"]["after"]
    assert "certificate_pem" not in result["certificate"]


def test_check_mode_sends_no_write_and_predicts_the_real_diff():
    checked = FakeIotda([cert("c1", "dev-1")])
    check = run_story(checked, check_mode=True, certificate_id="c1", status="inactive")
    real = run_story(FakeIotda([cert("c1", "dev-1")]), certificate_id="c1", status="inactive")
    assert checked.writes == [] and len(checked.calls) == 1
    assert check["changed"] is True and check["diff"] == real["diff"] and check["certificate"] == real["certificate"]


@pytest.mark.parametrize("selector", [{"certificate_id": "c1"}, {"common_name": "dev-1"}, {"fingerprint": "AB" * 32}])
def test_second_run_is_unchanged_with_one_read_and_no_write(selector):
    client = FakeIotda([cert("c1", "dev-1", fingerprint=SHA256, status="INACTIVE")])
    result = run_story(client, status="inactive", **selector)
    assert result["changed"] is False and len(client.calls) == 1 and client.writes == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_without_status_the_certificate_is_only_reported():
    client = FakeIotda([cert("c1", "dev-1", status="INACTIVE")])
    result = run_story(client, certificate_id="c1")
    assert result["changed"] is False and result["certificate"]["status"] == "inactive" and client.writes == []


def test_reactivate_sends_active():
    client = FakeIotda([cert("c1", "dev-1", status="INACTIVE")])
    assert run_story(client, certificate_id="c1", status="active")["certificate"]["status"] == "active"
    assert client.writes == [("PUT", "/device-certificates/c1", {}, {"status": "ACTIVE"})]


def test_absent_deletes_and_reports_what_was_deleted():
    client = FakeIotda([cert("c1", "dev-1")])
    check = run_story(client, check_mode=True, common_name="dev-1", state="absent")
    assert client.writes == []
    result = run_story(client, common_name="dev-1", state="absent")
    assert client.writes == [("DELETE", "/device-certificates/c1", {}, None)]
    assert result["changed"] is True and result["certificate"]["certificate_id"] == "c1"
    assert result["diff"] == check["diff"] == {"before": record(cert("c1", "dev-1")), "after": {}}


@pytest.mark.parametrize("selector", [{"certificate_id": "gone"}, {"common_name": "dev-9"}, {"fingerprint": SHA256}])
def test_absent_on_a_missing_certificate_is_unchanged(selector):
    client = FakeIotda([cert("c1", "dev-1")])
    result = run_story(client, state="absent", **selector)
    assert result == {"changed": False, "certificate": {}, "diff": {"before": {}, "after": {}}}
    assert client.writes == []


def test_present_on_an_unknown_id_fails_clearly_with_the_404():
    client = FakeIotda([])
    with pytest.raises(ApiError) as caught:
        run_story(client, certificate_id="nope", status="inactive")
    message = str(caught.value)
    assert message.startswith("No IoTDA device certificate matches certificate_id='nope' (IoTDA GET /device-certificates/nope failed: HTTP 404, IOTDA.014300")
    assert "the platform registers one when a device connects" in message
    assert caught.value.to_dict()["http_status"] == 404 and caught.value.to_dict()["code"] == "IOTDA.014300"


def test_present_on_an_unknown_fingerprint_fails_without_error_fields():
    with pytest.raises(InputError) as caught:
        run_story(FakeIotda([]), fingerprint=SHA256)
    assert "No IoTDA device certificate matches fingerprint='%s'. Device certificates cannot be created" % SHA256 in str(caught.value)
    assert not isinstance(caught.value, ApiError)


def test_a_gateway_404_is_an_error_not_a_missing_certificate():
    class WrongEndpoint(FakeIotda):
        def request(self, method, path, query=None, body=None, idempotent=None):
            raise not_found(path, code="APIGW.0101")

    with pytest.raises(ApiError):
        run_story(WrongEndpoint([]), certificate_id="c1", state="absent")


def test_record():
    raw = dict(cert("c1", "dev-1", fingerprint="ab:cd" + "ef" * 30, status="INACTIVE"), certificate_pem="PEM", expiry_date="20300131T120000Z")
    now = datetime.datetime(2029, 1, 31, 12, 0, 1, tzinfo=datetime.timezone.utc)
    assert device.device_certificate_record(raw, now) == {
        "certificate_id": "c1", "common_name": "dev-1", "fingerprint": "ABCD" + "EF" * 30, "status": "inactive",
        "expiry_date": "2030-01-31T12:00:00Z", "expires_in_days": 364,
    }
    assert device.device_certificate_record(raw, now, content=True)["certificate_pem"] == "PEM"
    odd = device.device_certificate_record(dict(raw, expiry_date="soon", status=""))
    assert odd["expiry_date"] is None and odd["expires_in_days"] is None and odd["status"] is None
    assert set(device.device_certificate_record(None).values()) == {None}


def test_a_delete_answered_404_means_another_run_deleted_it_first():
    class Raced(FakeIotda):
        def request(self, method, path, query=None, body=None, idempotent=None):
            if method == "DELETE":
                raise not_found(path)
            return super().request(method, path, query, body, idempotent)

    result = run_story(Raced([cert("c1", "dev-1")]), certificate_id="c1", state="absent")
    assert result == {"changed": False, "certificate": {}, "diff": {"before": {}, "after": {}}}


def test_a_listed_certificate_without_id_fails_naming_the_field_and_sends_nothing():
    class Lacking(FakeIotda):
        http = type("Http", (), {"base_url": "https://iotda.example"})()
        prefix = "/v5/iot/p1"

    client = Lacking([cert("c1", "dev-1")])
    client.records["c1"]["certificate_id"] = None
    with pytest.raises(ApiError, match="without 'certificate_id'"):
        run_story(client, common_name="dev-1", status="inactive")
    assert client.writes == []


# --- through main() ------------------------------------------------------------------------------

CONNECTION = {"endpoint": "http://127.0.0.1:9", "project_id": "p1", "region": "cn-north-4", "access_key": "AK1", "secret_key": "sk-very-secret", "retries": 0}


@pytest.mark.parametrize(
    "args, message",
    [
        ({"certificate_id": "c1", "common_name": "dev-1"}, "give exactly one of"),
        ({"fingerprint": "zz"}, "fingerprint must be"),
        ({"content": "garbage"}, "content is not a PEM certificate"),
        ({"certificate_id": "c1", "status": "disabled"}, "value of status must be one of"),
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
    assert "sk-very-secret" not in json.dumps(result)


def test_importing_the_module_does_not_import_cryptography():
    code = (
        "import sys\n"
        "from ansible_collections.iotpki.certificates.plugins.modules import iotda_device_certificate\n"
        "sys.exit(1 if 'cryptography' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_unknown_id_through_main_reports_msg_and_error_fields(monkeypatch, capsys):
    def answer(self, method, path, query=None, body=None, idempotent=None):
        raise not_found("/v5/iot/p1" + path)

    monkeypatch.setattr(_iotda_client.IotdaClient, "request", answer)
    with patch_module_args(dict(CONNECTION, certificate_id="nope", status="inactive")):
        with pytest.raises(SystemExit):
            module_under_test.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True and result["msg"].startswith("No IoTDA device certificate matches certificate_id='nope'")
    assert result["error"]["http_status"] == 404 and result["error"]["code"] == "IOTDA.014300"
