# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Normalisation of EnOS certificate records, reason names and numbers, device selection."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_certificates as enos
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError

NOW = datetime.datetime(2025, 7, 3, 12, 0, 0, tzinfo=datetime.timezone.utc)
JAN_31_2026_NOON_MS = 1769860800000  # 2026-01-31T12:00:00Z

# The documentation's list sample (one element), with the platform's misspelling effetiveDate.
SAMPLE = {
    "certSN": "52726", "cert": "52726", "certStatus": 0,
    "issuer": "EMAILADDRESS=ca@eniot.io, CN=EnOS ECC CA, OU=Envision Digital, O=Envision, L=Shanghai, ST=Shanghai, C=CN",
    "subject": "EMAILADDRESS=uKGdK, OU=EnOS, CN=yPI9z8z, O=EnOS, L=Shanghai, ST=Shanghai, C=CN",
    "signDate": 1581218161000, "effetiveDate": 1581218161000, "expireDate": JAN_31_2026_NOON_MS,
    "revoker": "", "revokerReason": "", "isEnosCert": True, "issueAuthority": "ECC",
}


def test_sample_record_is_normalised():
    assert enos.enos_certificate_record(SAMPLE, NOW) == {
        "cert_sn": 52726,
        "status": "valid",
        "subject": SAMPLE["subject"],
        "issuer": SAMPLE["issuer"],
        "sign_date": "2020-02-09T03:16:01Z",
        "effective_date": "2020-02-09T03:16:01Z",
        "expire_date": "2026-01-31T12:00:00Z",
        "revoker": None,
        "revoke_reason": None,
        "issue_authority": "ecc",
        "expires_in_days": 212,
    }


@pytest.mark.parametrize("key", ["effetiveDate", "effectiveDate"])
def test_both_spellings_of_the_effective_date(key):
    record = {"certSN": "1", "certStatus": 0, key: JAN_31_2026_NOON_MS}
    assert enos.enos_certificate_record(record, NOW)["effective_date"] == "2026-01-31T12:00:00Z"


def test_correct_spelling_wins_when_both_are_present():
    record = {"effectiveDate": JAN_31_2026_NOON_MS, "effetiveDate": 0}
    assert enos.enos_certificate_record(record, NOW)["effective_date"] == "2026-01-31T12:00:00Z"


@pytest.mark.parametrize("value, expected", [("32720", 32720), (" 7 ", 7), (52739, 52739), ("0", 0), ("", None), (None, None), ("abc", None)])
def test_cert_sn_becomes_an_int(value, expected):
    assert enos.enos_certificate_record({"certSN": value}, NOW)["cert_sn"] == expected


def test_request_spelling_cert_sn_is_accepted_too():
    assert enos.enos_certificate_record({"certSn": "12"}, NOW)["cert_sn"] == 12


@pytest.mark.parametrize("value, expected", [(0, "valid"), (1, "revoked"), (2, "expired"), ("1", "revoked"), ("expired", "expired"), (7, None), (None, None)])
def test_status_codes(value, expected):
    assert enos.enos_certificate_record({"certStatus": value}, NOW)["status"] == expected


def test_missing_fields_are_none():
    assert enos.enos_certificate_record({}, NOW) == {key: None for key in enos.enos_certificate_record(SAMPLE, NOW)}


@pytest.mark.parametrize("value", ["", None, "not a date", True])
def test_bad_dates_are_none(value):
    normalised = enos.enos_certificate_record({"expireDate": value, "signDate": value}, NOW)
    assert normalised["expire_date"] is None and normalised["sign_date"] is None and normalised["expires_in_days"] is None


def test_dates_as_digit_strings_and_expired_days_negative():
    normalised = enos.enos_certificate_record({"expireDate": "1751457600000"}, NOW)  # 2025-07-02T12:00:00Z, one day before NOW
    assert normalised["expire_date"] == "2025-07-02T12:00:00Z" and normalised["expires_in_days"] == -1


def test_revoked_record():
    record = dict(SAMPLE, certStatus=1, revoker="IoT_Hub", revokerReason="KEY COMPROMISE")
    normalised = enos.enos_certificate_record(record, NOW)
    assert (normalised["status"], normalised["revoker"], normalised["revoke_reason"]) == ("revoked", "IoT_Hub", "key_compromise")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("KEY COMPROMISE", "key_compromise"),
        ("KEY_COMPROMISE", "key_compromise"),
        ("Cessation of operation", "cessation_of_operation"),
        ("affiliation-changed", "affiliation_changed"),
        ("UNSPECIFIED", "unspecified"),
        ("9", "privilege_withdrawn"),
        (4, "superseded"),
        ("CA COMPROMISE", "CA COMPROMISE"),  # unknown text is kept as the platform wrote it
        ("2", "2"),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_reason_names(text, expected):
    assert enos.reason_name(text) == expected


def test_reason_numbers_are_rfc5280():
    assert enos.REASONS == {
        "unspecified": 0, "key_compromise": 1, "affiliation_changed": 3, "superseded": 4,
        "cessation_of_operation": 5, "certificate_hold": 6, "privilege_withdrawn": 9,
    }
    assert all(enos.reason_name(number) == name for name, number in enos.REASONS.items())


def test_platform_reason_texts_map_back_to_every_option():
    # The platform writes the enum names with spaces (sample: "KEY COMPROMISE").
    for name in enos.REASONS:
        assert enos.reason_name(name.upper().replace("_", " ")) == name


@pytest.mark.parametrize(
    "params, query",
    [
        ({"asset_id": "a1"}, [("assetId", "a1")]),
        ({"product_key": "pk", "device_key": "dk"}, [("productKey", "pk"), ("deviceKey", "dk")]),
    ],
)
def test_device_selection(params, query):
    assert enos.device_selection(params) == query


@pytest.mark.parametrize("params", [{}, {"asset_id": "a1", "product_key": "pk", "device_key": "dk"}, {"product_key": "pk"}, {"device_key": "dk"}])
def test_device_selection_needs_exactly_one_way(params):
    with pytest.raises(InputError):
        enos.device_selection(params)


def test_device_argument_spec_is_a_fresh_copy_with_module_options():
    spec = enos.device_argument_spec(cert_sn={"type": "int"})
    spec["asset_id"]["required"] = True
    assert set(spec) == {"asset_id", "product_key", "device_key", "cert_sn"}
    assert "required" not in enos.device_argument_spec()["asset_id"]
    assert spec["device_key"]["no_log"] is False


def test_negative_cert_sn_is_refused():
    assert enos.check_cert_sn(0) == 0 and enos.check_cert_sn(None) is None
    with pytest.raises(InputError, match="cert_sn must be 0 or greater"):
        enos.check_cert_sn(-1)


def test_not_bound_message_names_device_serial_and_bound_serials():
    message = enos.not_bound_message([("productKey", "pk"), ("deviceKey", "dk")], 99, [{"cert_sn": 2}, {"cert_sn": 1}, {"cert_sn": None}])
    assert message == "certificate 99 is not bound to EnOS device product_key=pk/device_key=dk (certificates bound to it: 1, 2)"
    assert enos.not_bound_message([("assetId", "a1")], 5, []).endswith("(certificates bound to it: none)")


class ListClient:
    def __init__(self, data):
        self.data = data
        self.calls = []

    def certificates(self, action, device, body=None):
        self.calls.append((action, list(device), body))
        return self.data


def test_list_certificates_is_one_list_call_and_tolerates_odd_answers():
    client = ListClient([SAMPLE, "junk"])
    assert [c["cert_sn"] for c in enos.list_certificates(client, [("assetId", "a1")])] == [52726]
    assert client.calls == [("list", [("assetId", "a1")], None)]
    assert enos.list_certificates(ListClient(None), [("assetId", "a1")]) == []
