# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""enos_certificate_revoke: ensure() against a stub client, and bad input through main()."""

from __future__ import annotations

import json
import re
import types

import pytest

from ansible.module_utils.testing import patch_module_args
from iotpki_test.modules import Failed, FakeModule

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_client
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.modules import enos_certificate_revoke as module_under_test

FAR_FUTURE_MS = 4102444800000  # 2100-01-01
PAST_MS = 946684800000  # 2000-01-01


def record(sn, status=0, revoker="", reason=""):
    return {
        "certSN": str(sn), "certStatus": status, "subject": "CN=dev", "issuer": "CN=EnOS CA",
        "signDate": PAST_MS, "effetiveDate": PAST_MS, "expireDate": PAST_MS if status == 2 else FAR_FUTURE_MS,
        "revoker": revoker, "revokerReason": reason, "issueAuthority": "RSA",
    }


def ensure(client, check=False, **params):
    module = FakeModule(module_under_test.ARGUMENT_SPEC, client, check_mode=check, **params)
    return module, module_under_test.ensure(module)


class FakeEnos:
    """Plays the platform: a list of records per device; revoke marks one revoked."""

    def __init__(self, records):
        self.records = records
        self.calls = []

    def certificates(self, action, device, body=None):
        self.calls.append((action, body))
        if action == "revoke":
            for item in self.records:
                if item["certSN"] == str(body["certSn"]):
                    item.update(certStatus=1, revoker="IoT_Hub", revokerReason="KEY COMPROMISE")
            return None
        return [dict(item) for item in self.records]


def test_valid_certificate_is_revoked_and_read_again():
    client = FakeEnos([record(7), record(8)])
    result = ensure(client, asset_id="a1", cert_sn=8, reason="key_compromise")[1]
    assert client.calls == [("list", None), ("revoke", {"certSn": 8, "reason": 1}), ("list", None)]
    assert result["changed"] is True
    assert result["certificate"]["status"] == "revoked" and result["certificate"]["revoker"] == "IoT_Hub"
    assert result["diff"]["before"]["status"] == "valid"
    assert result["diff"]["after"] == result["certificate"]


def test_check_mode_sends_no_revoke_and_predicts_the_same_diff():
    checked = FakeEnos([record(8)])
    check = ensure(checked, check=True, asset_id="a1", cert_sn=8, reason="key_compromise")[1]
    assert checked.calls == [("list", None)]
    real = ensure(FakeEnos([record(8)]), asset_id="a1", cert_sn=8, reason="key_compromise")[1]
    assert check["changed"] is True and check["certificate"]["revoker"] is None
    expected = dict(real["diff"]["after"], revoker=None)
    assert check["diff"] == {"before": real["diff"]["before"], "after": expected}


@pytest.mark.parametrize("name, number", [("unspecified", 0), ("superseded", 4), ("privilege_withdrawn", 9)])
def test_reason_is_sent_as_its_number(name, number):
    client = FakeEnos([record(8)])
    ensure(client, asset_id="a1", cert_sn=8, reason=name)[1]
    assert client.calls[1] == ("revoke", {"certSn": 8, "reason": number})


def test_already_revoked_is_unchanged_with_one_list():
    client = FakeEnos([record(8, status=1, revoker="IoT_Hub", reason="KEY COMPROMISE")])
    module, result = ensure(client, asset_id="a1", cert_sn=8, reason="key_compromise")
    assert client.calls == [("list", None)]
    assert result["changed"] is False and result["certificate"]["revoke_reason"] == "key_compromise"
    assert result["diff"]["before"] == result["diff"]["after"] and module.warnings == []


def test_already_revoked_with_another_reason_warns():
    client = FakeEnos([record(8, status=1, revoker="IoT_Hub", reason="SUPERSEDED")])
    module, result = ensure(client, asset_id="a1", cert_sn=8, reason="key_compromise")
    assert result["changed"] is False
    assert "already revoked with reason superseded" in module.warnings[0]


def test_expired_is_unchanged_with_a_warning():
    client = FakeEnos([record(8, status=2)])
    module, result = ensure(client, product_key="pk", device_key="dk", cert_sn=8)
    assert client.calls == [("list", None)] and result["changed"] is False
    assert len(module.warnings) == 1 and "expired" in module.warnings[0] and "product_key=pk/device_key=dk" in module.warnings[0]


def test_serial_not_bound_fails_naming_device_serial_and_bound_serials():
    client = FakeEnos([record(7), record(9)])
    with pytest.raises(InputError) as caught:
        ensure(client, asset_id="a1", cert_sn=8)[1]
    assert str(caught.value) == "certificate 8 is not bound to EnOS device asset_id=a1 (certificates bound to it: 7, 9)"
    assert client.calls == [("list", None)]


def test_platform_errors_propagate():
    class Failing(FakeEnos):
        def certificates(self, action, device, body=None):
            url = "https://gw/connect-service/v2.0/certificates"
            raise ApiError("EnOS", "GET", url, "Device cannot be found", http_status=200, code=11404, request_id="r1")

    with pytest.raises(ApiError):
        ensure(Failing([]), asset_id="a1", cert_sn=8)[1]


def test_a_revoke_refused_because_another_run_revoked_it_first_is_unchanged():
    class Raced(FakeEnos):
        def certificates(self, action, device, body=None):
            if action == "revoke":
                super().certificates(action, device, body)  # the other run's revocation
                url = "https://gw/connect-service/v2.0/certificates"
                raise ApiError("EnOS", "POST", url, "Revoke cert is failed!message: certificate already revoked", http_status=200, code=99400)
            return super().certificates(action, device, body)

    client = Raced([record(8)])
    module, result = ensure(client, asset_id="a1", cert_sn=8, reason="key_compromise")
    assert [call[0] for call in client.calls] == ["list", "revoke", "list"]
    assert result["changed"] is False and result["certificate"]["status"] == "revoked"
    assert result["diff"]["before"] == result["diff"]["after"]


def test_a_refused_revoke_of_a_still_valid_certificate_fails():
    class Refusing(FakeEnos):
        def certificates(self, action, device, body=None):
            if action == "revoke":
                raise ApiError("EnOS", "POST", "https://gw/x", "Revoke cert is failed!message: CA down", http_status=200, code=99400)
            return super().certificates(action, device, body)

    with pytest.raises(ApiError, match="CA down"):
        ensure(Refusing([record(8)]), asset_id="a1", cert_sn=8)


CONNECTION = {"gateway_url": "https://gw.example", "access_key": "ak", "secret_key": "sk-secret", "org_id": "o1"}


@pytest.mark.parametrize(
    "args, message",
    [
        ({"asset_id": "a1", "product_key": "pk", "device_key": "dk", "cert_sn": 1}, "not both"),
        ({"product_key": "pk", "cert_sn": 1}, "product_key and device_key go together"),
        ({"asset_id": "a1", "cert_sn": -1}, "cert_sn must be 0 or greater"),
        ({"asset_id": "a1", "cert_sn": 1, "reason": "lost"}, "value of reason must be one of"),
    ],
)
def test_bad_input_fails_before_any_request(args, message, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(_enos_client.EnosClient, "call", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(_enos_client.EnosClient, "_fetch_token", lambda *a, **k: calls.append(a))
    with patch_module_args(dict(CONNECTION, **args)):
        with pytest.raises(SystemExit):
            module_under_test.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True and message in result["msg"] and calls == []
    assert "sk-secret" not in json.dumps(result)


# -- the fleet form (targets) ----------------------------------------------------------------------

class FleetEnos:
    """Several devices (by asset ID); counts lists and revokes per device; ``throttle`` answers 429 to the first revokes."""

    def __init__(self, devices, throttle=0):
        self.devices = devices
        self.calls = []
        self.throttle = throttle
        self.http = types.SimpleNamespace(request_count=0, limiter=None, sleep=lambda seconds: None,
                                          size_pool=lambda connections: None)

    def certificates(self, action, device, body=None):
        asset = dict(device)["assetId"]
        self.calls.append((action, asset, body))
        if action == "revoke":
            if self.throttle:
                self.throttle -= 1
                raise ApiError("EnOS", "POST", "https://x/certificates?action=revoke", "too many requests", 429, "429", "r", True)
            for item in self.devices[asset]:
                if item["certSN"] == str(body["certSn"]):
                    item.update(certStatus=1, revoker="IoT_Hub", revokerReason="KEY COMPROMISE")
            return None
        return [dict(item) for item in self.devices[asset]]


def fleet(client, check=False, **params):
    module = FakeModule(module_under_test.ARGUMENT_SPEC, client, check_mode=check, **params)
    module._diff = True  # pylint: disable=protected-access
    return module, module_under_test.ensure(module)


def test_targets_are_grouped_by_device_one_list_before_and_after_each():
    client = FleetEnos({"a1": [record(1), record(2), record(3, status=2)], "a2": [record(4)]})
    module, result = fleet(client, targets=[
        {"asset_id": "a1", "cert_sn": 1}, {"asset_id": "a2", "cert_sn": 4, "reason": "superseded"},
        {"asset_id": "a1", "cert_sn": 2}, {"asset_id": "a1", "cert_sn": 3}, {"asset_id": "a1", "cert_sn": 1},
    ], reason="key_compromise", concurrency=1)
    assert [call[:2] for call in client.calls] == [("list", "a1"), ("revoke", "a1"), ("revoke", "a1"), ("list", "a1"),
                                                   ("list", "a2"), ("revoke", "a2"), ("list", "a2")]
    assert client.calls[5][2] == {"certSn": 4, "reason": 4} and client.calls[1][2] == {"certSn": 1, "reason": 1}
    assert result["changed_ids"] == ["asset_id=a1 cert_sn=1", "asset_id=a2 cert_sn=4", "asset_id=a1 cert_sn=2"]
    assert result["summary"]["matched"] == 4 and result["summary"]["unchanged"] == 1
    assert [item["cert_sn"] for item in result["certificates"]] == [1, 4, 2, 3]
    assert set(result["diff"]["after"]) == set(result["changed_ids"])
    assert any("expired" in warning for warning in module.warnings)


def test_check_mode_predicts_without_a_revoke():
    client = FleetEnos({"a1": [record(1)]})
    _module, result = fleet(client, check=True, targets=[{"asset_id": "a1", "cert_sn": 1}])
    assert [call[0] for call in client.calls] == ["list"]
    assert result["changed_ids"] == ["asset_id=a1 cert_sn=1"] and result["certificates"][0]["status"] == "revoked"


def test_a_serial_not_bound_and_a_failing_device_are_failures_of_their_targets_only():
    client = FleetEnos({"a1": [record(1)], "a2": [record(4)]})
    with pytest.raises(Failed) as caught:
        fleet(client, targets=[{"asset_id": "a1", "cert_sn": 9}, {"asset_id": "a2", "cert_sn": 4}, {"asset_id": "a3", "cert_sn": 5}])
    result = caught.value.result
    assert result["msg"].startswith("2 of 3 targets failed (max_failures=0); first: asset_id=a1 cert_sn=9: certificate 9 is not bound")
    assert [entry["target"] for entry in result["failures"]] == ["asset_id=a1 cert_sn=9", "asset_id=a3 cert_sn=5"]
    assert result["changed_ids"] == ["asset_id=a2 cert_sn=4"]


def test_a_throttled_revoke_is_sent_again_within_retries_only():
    client = FleetEnos({"a1": [record(1)]}, throttle=2)
    _module, result = fleet(client, targets=[{"asset_id": "a1", "cert_sn": 1}], retries=2)
    assert [call[0] for call in client.calls] == ["list", "revoke", "revoke", "revoke", "list"]
    assert result["changed_ids"] == ["asset_id=a1 cert_sn=1"]
    client = FleetEnos({"a1": [record(1)]}, throttle=2)
    with pytest.raises(Failed) as caught:
        fleet(client, targets=[{"asset_id": "a1", "cert_sn": 1}], retries=1)
    assert caught.value.result["failures"][0]["error"]["http_status"] == 429


@pytest.mark.parametrize("params, words", [
    ({"targets": []}, "targets must list"),
    ({"targets": [{"asset_id": "a", "cert_sn": 1}], "cert_sn": 1}, "cannot be combined with cert_sn"),
    ({"targets": [{"asset_id": "a", "cert_sn": 1}, {"product_key": "p", "cert_sn": 2}]}, "targets[1]: product_key and device_key go together"),
    ({"targets": [{"asset_id": "a", "cert_sn": -2}]}, "targets[0]: cert_sn must be 0 or greater"),
    ({"targets": [{"asset_id": "a", "cert_sn": 1}], "concurrency": 65}, "concurrency must be"),
])
def test_bad_targets_fail_before_any_request(params, words):
    client = FleetEnos({})
    with pytest.raises(InputError, match=re.escape(words)):
        fleet(client, **params)
    assert client.calls == []
