# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""enos_certificate_info: filters, normalised output, bad input through main()."""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args
from iotpki_test.modules import FakeModule

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_client
from ansible_collections.iotpki.certificates.plugins.modules import enos_certificate_info as module_under_test

RECORDS = [
    {"certSN": "7", "certStatus": 1, "expireDate": 4102444800000, "revoker": "IoT_Hub", "revokerReason": "SUPERSEDED"},
    {"certSN": "8", "certStatus": 0, "expireDate": 4102444800000, "effectiveDate": 946684800000},
    {"certSN": "9", "certStatus": 2, "expireDate": 946684800000},
]


def ensure(client, check_mode=False, **params):
    module = FakeModule(module_under_test.ARGUMENT_SPEC, client, check_mode=check_mode, **dict({"asset_id": "a1"}, **params))
    return module, module_under_test.ensure(module)


class FakeEnos:
    def __init__(self):
        self.calls = []

    def certificates(self, action, device, body=None):
        self.calls.append((action, list(device), body))
        return [dict(item) for item in RECORDS]


@pytest.mark.parametrize(
    "params, serials",
    [({}, [7, 8, 9]), ({"cert_sn": 8}, [8]), ({"cert_sn": 10}, []), ({"status": "expired"}, [9]), ({"status": "valid", "cert_sn": 7}, [])],
)
def test_filters(params, serials):
    client = FakeEnos()
    result = ensure(client, **params)[1]
    assert [c["cert_sn"] for c in result["certificates"]] == serials
    assert result["changed"] is False and client.calls == [("list", [("assetId", "a1")], None)]


def test_every_certificate_is_normalised_with_expires_in_days():
    certificates = ensure(FakeEnos())[1]["certificates"]
    assert all(isinstance(c["expires_in_days"], int) for c in certificates)
    assert certificates[0]["revoke_reason"] == "superseded" and certificates[1]["effective_date"] == "2000-01-01T00:00:00Z"
    assert certificates[2]["expires_in_days"] < 0


@pytest.mark.parametrize(
    "args, message",
    [
        ({}, "select the EnOS device"),
        ({"asset_id": "a1", "cert_sn": -5}, "cert_sn must be 0 or greater"),
        ({"asset_id": "a1", "status": "gone"}, "value of status must be one of"),
    ],
)
def test_bad_input_fails_before_any_request(args, message, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(_enos_client.EnosClient, "call", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(_enos_client.EnosClient, "_fetch_token", lambda *a, **k: calls.append(a))
    connection = {"gateway_url": "https://gw.example", "access_key": "ak", "secret_key": "sk", "org_id": "o1"}
    with patch_module_args(dict(connection, **args)):
        with pytest.raises(SystemExit):
            module_under_test.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True and message in result["msg"] and calls == []
