# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""EnOS APIM vectors (computed three ways in the reference: the vendor sample, hashlib, Java)."""

from __future__ import annotations

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_signer as signer

SECRET = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
STAMP = 1572574909697


def test_token_encryption():
    assert signer.token_encryption("5acb82e7-a11e-4300-9164-c8b20b638e8b", STAMP, SECRET) == (
        "0e2d0ad7579e962dd03fbd7b8d46e8982e4e95892f29fa304b97fbd495065e6d"
    )


def test_revoke_signature_sorts_query_and_signs_exact_body():
    query = [("action", "revoke"), ("orgId", "o15xxx"), ("productKey", "pk1"), ("deviceKey", "dk1")]
    assert signer.request_signature("TOKEN-abc", query, b'{"certSn":54376,"reason":9}', STAMP, SECRET) == (
        "af3f0e4f0840ef243b6829a1132d924f628c64fff478c921ff19973ce2be5551"
    )


def test_list_signature_without_body():
    query = [("action", "list"), ("orgId", "o15xxx"), ("assetId", "a1b2c3")]
    assert signer.request_signature("TOKEN-abc", query, b"", STAMP, SECRET) == (
        "c2f5442b9d154352bb41101830240e99ac7c82f4a236cd4404be794b1c5c446e"
    )


def test_timestamp_is_milliseconds():
    assert signer.timestamp_ms(1572574909.697) == STAMP
