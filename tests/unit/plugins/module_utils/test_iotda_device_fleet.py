# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet form of iotda_device_certificate: selection checked before any request, filters, issuer."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_fleet as device_fleet
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_reads as reads
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError

NOW = datetime.datetime.now(datetime.timezone.utc)


def certificate(common_name, key, issuer_name=None, issuer_key=None, ca=False):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name or name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=30))
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return builder.sign(issuer_key or key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def pki():
    ca_key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fleet CA")])
    return {
        "ca": certificate("Fleet CA", ca_key, ca=True),
        "impostor_ca": certificate("Fleet CA", other_key, ca=True),  # same name, another key
        "device": certificate("dev-1", ec.generate_private_key(ec.SECP256R1()), ca_name, ca_key),
        "self_signed": certificate("dev-2", ec.generate_private_key(ec.SECP256R1())),
    }


@pytest.mark.parametrize("params, option", [
    ({"certificate_ids": []}, "certificate_ids"),
    ({"certificate_ids": ["a", ""]}, "certificate_ids"),
    ({"fingerprints": []}, "fingerprints"),
    ({"fingerprints": ["abc"]}, "fingerprints[0]"),
    ({"filters": {}}, "filters"),
    ({"filters": {"status": None}}, "filters"),
    ({"filters": {"common_name_prefix": "x" * 40}}, "filters.common_name_prefix"),
    ({"certificate_ids": ["a"], "fingerprints": ["A" * 64]}, "select device certificates one way"),
    ({"certificate_ids": ["a"], "certificate_id": "b"}, "select device certificates one way"),
])
def test_bad_selection_names_the_option(params, option):
    with pytest.raises(InputError) as caught:
        device_fleet.selection_from_params(params)
    assert str(caught.value).startswith(option)


def test_issuer_must_be_a_ca(pki):
    with pytest.raises(InputError, match=r"^filters.issuer must be the PEM of a CA certificate"):
        device_fleet.selection_from_params({"filters": {"issuer": pki["self_signed"]}})
    with pytest.raises(InputError, match=r"^filters.issuer is not a PEM certificate"):
        device_fleet.selection_from_params({"filters": {"issuer": "not a pem"}})


def test_selection_normalises_and_dedupes():
    selection = device_fleet.selection_from_params({"certificate_ids": ["a", " b", "a"], "fingerprints": None})
    assert selection.ids == ["a", "b"]
    fingerprint = "ab:" * 31 + "ab"
    selection = device_fleet.selection_from_params({"fingerprints": [fingerprint, fingerprint.upper().replace(":", "")]})
    assert selection.fingerprints == ["AB" * 32]


def test_signed_by_checks_the_ca_key_not_only_the_name(pki):
    ca = reads.issuer_from_pem(pki["ca"], "issuer")
    impostor = reads.issuer_from_pem(pki["impostor_ca"], "issuer")
    assert reads.signed_by(pki["device"], ca)
    assert not reads.signed_by(pki["device"], impostor)
    assert not reads.signed_by(pki["self_signed"], ca)
    assert not reads.signed_by(None, ca)


@pytest.mark.parametrize("filters, expected", [
    ({"common_name_prefix": "dev-"}, True),
    ({"common_name_prefix": "gw-"}, False),
    ({"status": "active"}, True),
    ({"status": "inactive"}, False),
    ({"expiring_within_days": 30}, True),
    ({"expiring_within_days": 29}, False),
])
def test_filters_that_need_no_call(filters, expected):
    record = {"common_name": "dev-1", "status": "active", "expires_in_days": 30}
    assert device_fleet.matches_filters(record, filters) is expected
