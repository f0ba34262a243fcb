# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzzing the request signers: any method, path, query, header and body text signs without an
exception, deterministically, and the signature never carries the secret."""

from __future__ import annotations

import re

from hypothesis import assume, example, given, strategies as st

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_signer as enos_signer
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_signer as signer

# Text as Ansible can hand it to a module (JSON strings): any code point but lone surrogates.
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
header_names = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=":"), min_size=1, max_size=20)
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@given(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "get"]),
    text,
    st.lists(st.tuples(text, text | st.integers() | st.booleans()), max_size=5),
    st.dictionaries(header_names, text, max_size=4),
    st.binary(max_size=200),
    text.map(lambda value: "sk-secret-" + value),
    st.none() | text,
)
@example("GET", "/v5/iot/p/certificates", [("limit", 50)], {}, b"", "sk-secret-the", "cn-north-4")
@example("POST", "/v5/iot/%E4%B8%AD/x y/", [("a", "é"), ("a", "")], {"Host": ""}, b"\x00\xff", "sk-secret-\u00e9\u4e2d", "")
def test_iotda_signature_is_stable_and_secret_free(method, path, query, extra_headers, body, secret, region):
    assume(secret not in (region or "") and not any(secret in name for name in extra_headers))
    query_string = signer.canonical_query(query)
    headers = dict(extra_headers, **{"Host": "iotda.example:443", "X-Sdk-Date": "20260131T120000Z"})
    first = signer.authorization(method, path, query_string, headers, body, "AK", secret, region)
    again = signer.authorization(method, path, query_string, dict(headers), body, "AK", secret, region)
    assert first == again
    assert secret not in first
    assert first.startswith(signer.DERIVED if region is not None else signer.STANDARD)
    assert HEX64.match(first.rsplit("Signature=", 1)[1])


@given(text)
@example("iotda.cn-north-4.myhuaweicloud.com")
@example("abc.st1.iotda-app.ap-southeast-1.myhuaweicloud.com")
@example("\u0130")  # changes length when lower-cased
def test_host_rules_never_raise(host):
    assert isinstance(signer.uses_derived_signing(host), bool)
    region = signer.region_from_host(host)
    assert region is None or isinstance(region, str)


@given(text, st.integers(min_value=0, max_value=2 ** 63), text,
       st.lists(st.tuples(text, text), max_size=5), st.binary(max_size=200))
@example("sim-enos-app-key", 1700000000000, "sim-enos-app-secret", [("action", "list"), ("orgId", "o1")], b"")
def test_enos_signatures_are_hex_and_secret_free(app_key, stamp, secret, query, body):
    encryption = enos_signer.token_encryption(app_key, stamp, secret)
    signature = enos_signer.request_signature("APIM" + "0" * 40, query, body, stamp, secret)
    assert HEX64.match(encryption) and HEX64.match(signature)
    assert signature == enos_signer.request_signature("APIM" + "0" * 40, list(reversed(query)) if len({k for k, _v in query}) == len(query) else query,
                                                      body, stamp, secret)
    if len(secret) >= 4:
        assert secret not in encryption + signature
