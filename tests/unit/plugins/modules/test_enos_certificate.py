# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""enos_certificate: the CSR rules, which certificate counts, and what check mode predicts."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from iotpki_test.certificates import make_csr, new_key

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.modules import enos_certificate as module_under_test

RSA_2048 = new_key("rsa")
P256 = new_key()


def csr(key, algorithm=None, new_header=False):
    text = make_csr(key, "unit-meter", algorithm)
    return text.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST") if new_header else text


def test_csr_that_fits_is_returned_as_given():
    text = csr(RSA_2048, new_header=True)
    assert module_under_test.check_csr(text, "rsa") == text.strip()
    assert module_under_test.check_csr(csr(P256), "ecc")


@pytest.mark.parametrize("key, authority, message", [
    (P256, "rsa", "csr has an EC key on curve secp256r1, but issue_authority=rsa needs a 2048-bit RSA key"),
    (RSA_2048, "ecc", "csr has a 2048-bit RSA key, but issue_authority=ecc needs a P-256"),
    (ec.generate_private_key(ec.SECP384R1()), "ecc", "an EC key on curve secp384r1"),
])
def test_key_must_fit_the_issue_authority(key, authority, message):
    with pytest.raises(InputError, match=message):
        module_under_test.check_csr(csr(key), authority)


def test_csr_must_be_pem_and_sha256():
    with pytest.raises(InputError, match="not a PEM certificate signing request"):
        module_under_test.check_csr("hello", "rsa")
    with pytest.raises(InputError, match="not a readable certificate signing request"):
        module_under_test.check_csr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", "rsa")
    with pytest.raises(InputError, match="signed with sha384"):
        module_under_test.check_csr(csr(RSA_2048, hashes.SHA384()), "rsa")


def test_newest_valid_ignores_revoked_and_expired():
    listed = [
        {"cert_sn": 1, "status": "revoked", "expire_date": "2099-01-01T00:00:00Z"},
        {"cert_sn": 2, "status": "valid", "expire_date": "2027-01-01T00:00:00Z"},
        {"cert_sn": 3, "status": "valid", "expire_date": "2028-01-01T00:00:00Z"},
        {"cert_sn": 4, "status": "expired", "expire_date": "2020-01-01T00:00:00Z"},
    ]
    assert module_under_test.newest_valid(listed)["cert_sn"] == 3
    assert module_under_test.newest_valid(listed[:1]) is None


def test_prediction_has_no_platform_values():
    renewed = {"subject": "CN=old", "cert_sn": 9}
    predicted = module_under_test.predicted("ecc", 30, renewed, None)
    assert predicted["cert_sn"] is None and predicted["subject"] == "CN=old" and predicted["issue_authority"] == "ecc"
    assert predicted["expires_in_days"] in (29, 30)
    assert module_under_test.predicted("rsa", None, None, "csr")["expire_date"] is None


@pytest.mark.parametrize("status, reached", [(None, True), (500, True), (503, True), (200, False), (400, False), (401, False)])
def test_which_failures_may_have_reached_the_platform(status, reached):
    error = ApiError("EnOS", "POST", "https://x/connect-service/v2.0/certificates", "boom", http_status=status)
    assert module_under_test.may_have_reached(error) is reached
