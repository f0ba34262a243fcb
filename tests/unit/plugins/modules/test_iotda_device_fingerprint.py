# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iotda_device_fingerprint: the desired state from options, and one device against a stub client."""

from __future__ import annotations

import hashlib
import re

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_devices as devices
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.modules import iotda_device_fingerprint as module_under_test

PEM = """-----BEGIN CERTIFICATE-----
MIIBGDCBv6ADAgECAgEBMAoGCCqGSM49BAMCMBYxFDASBgNVBAMMC3VuaXQtZGV2
aWNlMB4XDTI2MDEwMTAwMDAwMFoXDTM1MTIzMDAwMDAwMFowFjEUMBIGA1UEAwwL
dW5pdC1kZXZpY2UwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT2HCDs4IfmkS0C
71ns9Rs3D/vVRpJypwB9fhqQ/avg7qMitXJouByHOioB9U1+yonLyngaA3UYnJd6
EI5MinTWMAoGCCqGSM49BAMCA0gAMEUCIQDYAgAfl6lLVN7gaIJFrekOFUZEQnhZ
5hR58YkDMj1OdwIgdrdu2PCGWJylnxgWhaVLiVQifSfWsMETJmH/0CbefDg=
-----END CERTIFICATE-----
"""
DER = __import__("base64").b64decode("".join(PEM.strip().splitlines()[1:-1]))
SHA256 = hashlib.sha256(DER).hexdigest().upper()
SHA1 = hashlib.sha1(DER).hexdigest().upper()
OLD = "A" * 64


class FakeIotda:
    """One device; reset-fingerprint writes a slot, clearing omits the key."""

    def __init__(self, auth_type="CERTIFICATES", fingerprint=OLD, secondary=None, exists=True):
        self.device = {
            "device_id": "dev-1", "node_id": "n1", "device_name": "d1", "product_id": "p", "app_id": "a",
            "status": "ONLINE",
            "auth_info": {"auth_type": auth_type, "secret": "s3cr3t-value", "secondary_secret": "other-s3cr3t",
                          "fingerprint": fingerprint, "secondary_fingerprint": secondary},
        }
        self.exists = exists
        self.writes = []

    def get(self, path):
        if not self.exists:
            raise ApiError("IoTDA", "GET", "https://x/v5/iot/p" + path, "The device does not exist.", http_status=404, code="IOTDA.014000")
        assert path == "/devices/dev-1"
        return __import__("copy").deepcopy(self.device)

    def request(self, method, path, body=None):
        assert (method, path) == ("POST", "/devices/dev-1/reset-fingerprint")
        self.writes.append(body)
        slot = "fingerprint" if body["fingerprint_type"] == "PRIMARY" else "secondary_fingerprint"
        self.device["auth_info"][slot] = body.get("fingerprint")
        return {"device_id": "dev-1", "fingerprint_type": body["fingerprint_type"], "fingerprint": body.get("fingerprint")}


def run(client, check_mode=False, force=False, **options):
    hidden = set()
    wanted = module_under_test.wanted_from(dict({"device_id": "dev-1"}, **options), force)
    before, after = module_under_test.ensure(client, wanted, check_mode, hidden.add)
    return before, after, hidden


def test_record_never_carries_secrets_and_secrets_are_hidden_first():
    client = FakeIotda()
    before, after, hidden = run(client, fingerprint=OLD)
    assert hidden == {"s3cr3t-value", "other-s3cr3t"}
    assert set(before) == set(devices.RECORD_KEYS)
    assert "s3cr3t" not in repr(before) + repr(after)
    assert before == after and client.writes == []
    assert before["status"] == "online" and before["auth_type"] == "certificates"


def test_only_the_slot_that_differs_is_written():
    client = FakeIotda()
    before, after, _hidden = run(client, fingerprint=OLD.lower(), secondary_certificate=PEM)
    assert client.writes == [{"fingerprint_type": "SECONDARY", "force_disconnect": False, "fingerprint": SHA256}]
    assert after == dict(before, secondary_fingerprint=SHA256)


def test_sha1_and_sha256_of_the_same_certificate_are_equal():
    client = FakeIotda(fingerprint=":".join(re.findall("..", SHA1.lower())))
    before, after, _hidden = run(client, certificate=PEM)
    assert client.writes == [] and before == after


def test_promote_writes_primary_first_then_clears_secondary():
    client = FakeIotda(secondary=SHA256)
    _before, after, _hidden = run(client, certificate=PEM, secondary_fingerprint="", force=True)
    assert [w["fingerprint_type"] for w in client.writes] == ["PRIMARY", "SECONDARY"]
    assert "fingerprint" not in client.writes[1] and client.writes[0]["force_disconnect"] is True
    assert after["fingerprint"] == SHA256 and after["secondary_fingerprint"] is None


def test_check_mode_predicts_without_writing():
    client = FakeIotda()
    before, after, _hidden = run(client, check_mode=True, secondary_fingerprint=SHA256)
    assert client.writes == [] and after == dict(before, secondary_fingerprint=SHA256)


def test_secret_device_fails_clearly():
    with pytest.raises(InputError, match="auth_type SECRET, not CERTIFICATES"):
        run(FakeIotda(auth_type="SECRET"), fingerprint=OLD)


def test_unknown_device():
    with pytest.raises(module_under_test.DeviceNotFound, match="does not exist"):
        run(FakeIotda(exists=False), fingerprint=OLD)


@pytest.mark.parametrize("options, message", [
    ({"fingerprint": "ABC"}, "fingerprint: fingerprint must be a SHA-256"),
    ({"certificate": "not a pem"}, "certificate is not a PEM certificate"),
    ({}, "nothing to set"),
    ({"fingerprint": OLD, "certificate": PEM}, "not both"),
])
def test_bad_input_before_any_request(options, message):
    with pytest.raises(InputError, match=message):
        module_under_test.wanted_from(dict({"device_id": "dev-1"}, **options), False)


def test_item_force_disconnect_overrides_the_task():
    assert module_under_test.wanted_from({"device_id": "d", "fingerprint": OLD, "force_disconnect": False}, True).force_disconnect is False
    assert module_under_test.wanted_from({"device_id": "d", "fingerprint": OLD}, True).force_disconnect is True
