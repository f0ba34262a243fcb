# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The worked vectors computed with the official huaweicloudsdkcore 3.1.219 signer, reproduced exactly."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_signer as signer

AK = "AKTESTEXAMPLE0000001"
SK = "SKtestExampleSecretKey0000000000000000001"
PROJECT = "0123456789abcdef0123456789abcdef"
SHARED = "iotda.cn-north-4.myhuaweicloud.com"
INSTANCE = "abc123def4.st1.iotda-app.cn-north-4.myhuaweicloud.com"


def headers(host, **extra):
    base = {"Content-Type": "application/json", "X-Sdk-Date": "20240102T030405Z", "X-Project-Id": PROJECT, "Host": host}
    base.update(extra)
    return base


def test_v1_standard_get_with_query():
    query = signer.canonical_query([("limit", 10), ("app_id", "my_app"), ("offset", 0)])
    assert query == "app_id=my_app&limit=10&offset=0"
    path = "/v5/iot/%s/certificates" % PROJECT
    creq, signed = signer.canonical_request("GET", path, query, headers(SHARED), b"")
    assert signed == "content-type;host;x-project-id;x-sdk-date"
    assert hashlib.sha256(creq.encode()).hexdigest() == "068dd07346b71d662b27102d3804fbf4fd54dcd246a7d33c9c351ee8d6670ee2"
    assert signer.authorization("GET", path, query, headers(SHARED), b"", AK, SK) == (
        "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        "Signature=995bf0f76818ee4f706b03d6b03c333add84328af3b79b903f5e0f3c0d82eed0"
    )


def test_v2_standard_post_with_body():
    body = b'{"content": "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n", "app_id": "my_app"}'
    assert hashlib.sha256(body).hexdigest() == "8a7dc87a3a4eedd7ebaa435724d821f36c7e2ecb097354fe711fb2168187f731"
    path = "/v5/iot/%s/certificates" % PROJECT
    creq, dummy = signer.canonical_request("POST", path, "", headers(SHARED), body)
    assert hashlib.sha256(creq.encode()).hexdigest() == "9604350cb30c852ab075d122e88b3e1480e049c6de6a2ac1858e80075b2e3d4f"
    assert signer.authorization("POST", path, "", headers(SHARED), body, AK, SK).endswith(
        "Signature=396aa3cda3dd23511af7a0e32fcbe319e7a4255b2905daa1ba49437477446dcc"
    )


def test_v3_derived_verify_with_instance_id():
    body = b'{"verify_content": "-----BEGIN CERTIFICATE-----\\nMIIC\\n-----END CERTIFICATE-----\\n"}'
    assert hashlib.sha256(body).hexdigest() == "d6e976f2c17807566cdeaf0627b1fdcfdc65343d49a61ab93e4532bb2d0fd634"
    path = "/v5/iot/%s/certificates/5f0d0bb6e2e0b5026c29d6a1/action" % PROJECT
    hdrs = headers(INSTANCE, **{"Instance-Id": "11111111-2222-3333-4444-555555555555"})
    assert signer.derived_key(AK, SK, "20240102/cn-north-4/iotdm") == b"da75e019357991ffa223c6752f08e459ac9a1c6f765d26b8c603587d557bcd32"
    creq, dummy = signer.canonical_request("POST", path, "action_id=verify", hdrs, body)
    assert hashlib.sha256(creq.encode()).hexdigest() == "f76de218ca9d580a9012148c3586179b7c3973d2179a48ad8265dbeec932fcb2"
    assert signer.authorization("POST", path, "action_id=verify", hdrs, body, AK, SK, "cn-north-4") == (
        "V11-HMAC-SHA256 Credential=AKTESTEXAMPLE0000001/20240102/cn-north-4/iotdm, "
        "SignedHeaders=content-type;host;instance-id;x-project-id;x-sdk-date, "
        "Signature=417efe7cca0a0a81e5331dcd00b59a6376a39cb22375ddfa34f0e63af8d0b75c"
    )


def test_v4_derived_delete():
    path = "/v5/iot/%s/device-certificates/6543210fedcba98765432100" % PROJECT
    creq, dummy = signer.canonical_request("DELETE", path, "", headers(INSTANCE), b"")
    assert hashlib.sha256(creq.encode()).hexdigest() == "23d84e79164d7af2d927cae2d4d2b96d8a89c5ab457b2e85e111f22818be0695"
    assert signer.authorization("DELETE", path, "", headers(INSTANCE), b"", AK, SK, "cn-north-4").endswith(
        "Signature=f0912e8955651b56caf674ed8babe07a9d6de9616e73492dd77970859dd4b4af"
    )


def test_v5_query_encoding():
    query = signer.canonical_query([("common_name", "dev 01/a+b"), ("limit", 50), ("marker", "ffffffffffffffffffffffff")])
    assert query == "common_name=dev%2001%2Fa%2Bb&limit=50&marker=ffffffffffffffffffffffff"
    path = "/v5/iot/%s/device-certificates" % PROJECT
    creq, dummy = signer.canonical_request("GET", path, query, headers(SHARED), b"")
    assert hashlib.sha256(creq.encode()).hexdigest() == "072b8ebb7e453331b329ce00b44df5d3adb497bcccc56987ad875389ea49e9d1"
    assert signer.authorization("GET", path, query, headers(SHARED), b"", AK, SK).endswith(
        "Signature=e2d8436685219c21d2b05da81de75ef5e3678e34cf6061ef59e61257a4132fec"
    )


@pytest.mark.parametrize(
    "host, derived",
    [
        ("iotda.cn-north-4.myhuaweicloud.com", False),
        ("iotda.cn-north-4.myhuaweicloud.cn", False),
        ("a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com", True),
        ("a1b2c3d4e5.iotda-app.cn-north-4.myhuaweicloud.com", True),
        ("127.0.0.1", True),
        ("localhost", True),
    ],
)
def test_auto_signing_predicate(host, derived):
    assert signer.uses_derived_signing(host) is derived


@pytest.mark.parametrize(
    "host, region",
    [
        ("a1b2c3d4e5.st1.iotda-app.ap-southeast-1.myhuaweicloud.com", "ap-southeast-1"),
        ("iotda.cn-north-4.myhuaweicloud.com", "cn-north-4"),
        ("127.0.0.1", None),
    ],
)
def test_region_from_host(host, region):
    assert signer.region_from_host(host) == region


def test_canonical_uri_encodes_segments_and_adds_slash():
    assert signer.canonical_uri("/v5/iot/p/devices/dc%3A1") == "/v5/iot/p/devices/dc%3A1/"
    assert signer.canonical_query([("flag", True)]) == "flag=true"
