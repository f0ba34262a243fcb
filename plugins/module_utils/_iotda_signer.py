# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Huawei Cloud AK/SK request signing: ``SDK-HMAC-SHA256`` and derived ``V11-HMAC-SHA256``.

Byte-for-byte the algorithm of the official SDK signer (huaweicloudsdkcore ``Signer`` and
``DerivationAKSKSigner``); the unit tests reproduce the SDK's worked vectors. The derived key is
HKDF-SHA256(IKM=SK, salt=AK, info=scope), and its *hex text* is the HMAC key.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import typing as t
from datetime import datetime, timezone
from urllib.parse import quote, unquote

STANDARD = "SDK-HMAC-SHA256"
DERIVED = "V11-HMAC-SHA256"
DERIVED_SERVICE = "iotdm"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"

# The SDK's default derived-auth predicate: hosts of this shape are shared (basic edition)
# endpoints and take standard signing; every other host takes derived signing.
_SHARED_HOST_RE = re.compile(r"^[a-z][a-z0-9-]+(\.[a-z]{2,}-[a-z]+-\d{1,2})?\.(my)?(huaweicloud|myhwclouds)\.(com|cn)")
_INSTANCE_REGION_RE = re.compile(r"\.iotda-app\.([a-z]{2,}-[a-z]+-\d{1,2})\.")
_SHARED_REGION_RE = re.compile(r"^iotda\.([a-z]{2,}-[a-z]+-\d{1,2})\.")


def encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    """Each segment re-encoded, with the trailing slash the SDK adds (the wire path has none)."""
    result = "/".join(encode(segment) for segment in unquote(path).split("/"))
    return result if result.endswith("/") else result + "/"


def canonical_query(params: t.Iterable[t.Tuple[str, t.Any]]) -> str:
    """Sorted ``k=v`` pairs, RFC 3986 encoded. The client sends exactly this string on the wire."""
    pairs = []
    for key, value in params:
        if isinstance(value, bool):
            value = "true" if value else "false"
        pairs.append((encode(str(key)), encode(str(value))))
    return "&".join("%s=%s" % pair for pair in sorted(pairs))


def sdk_date(now: t.Optional[datetime] = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime(DATE_FORMAT)


def uses_derived_signing(host: str) -> bool:
    """``signing: auto``: derived unless the host is a shared ``iotda.<region>.myhuaweicloud.*`` one."""
    return not _SHARED_HOST_RE.match(host.lower())


def region_from_host(host: str) -> t.Optional[str]:
    """The region in an instance host (``*.iotda-app.<region>.``) or a shared one (``iotda.<region>.``)."""
    host = host.lower()
    match = _INSTANCE_REGION_RE.search(host) or _SHARED_REGION_RE.search(host)
    return match.group(1) if match else None


def derived_key(access_key: str, secret_key: str, scope: str) -> bytes:
    """HKDF-SHA256 (RFC 5869, one block) as hex text, the way the SDK uses it as an HMAC key."""
    prk = hmac.new(access_key.encode("utf-8"), secret_key.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(prk, scope.encode("utf-8") + b"\x01", hashlib.sha256).hexdigest().encode("ascii")


def canonical_request(method: str, path: str, query: str, headers: t.Mapping[str, str], body: bytes) -> t.Tuple[str, str]:
    """(canonical request, signed header list) over every header given whose name has no ``_``."""
    lower = {name.lower(): str(value).strip() for name, value in headers.items()}
    signed = sorted(name for name in lower if "_" not in name)
    block = "".join("%s:%s\n" % (name, lower[name]) for name in signed)
    signed_names = ";".join(signed)
    text = "\n".join([method.upper(), canonical_uri(path), query, block, signed_names, hashlib.sha256(body or b"").hexdigest()])
    return text, signed_names


def authorization(
    method: str,
    path: str,
    query: str,
    headers: t.Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    region: t.Optional[str] = None,
) -> str:
    """The ``Authorization`` header value. ``headers`` must hold ``X-Sdk-Date`` and ``Host``.

    With ``region`` the derived V11 algorithm is used (scope ``yyyymmdd/region/iotdm``).
    """
    date = next(str(value).strip() for name, value in headers.items() if name.lower() == "x-sdk-date")
    creq, signed = canonical_request(method, path, query, headers, body)
    digest = hashlib.sha256(creq.encode("utf-8")).hexdigest()
    if region is None:
        to_sign = "%s\n%s\n%s" % (STANDARD, date, digest)
        signature = hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        return "%s Access=%s, SignedHeaders=%s, Signature=%s" % (STANDARD, access_key, signed, signature)
    scope = "%s/%s/%s" % (date[:8], region, DERIVED_SERVICE)
    to_sign = "%s\n%s\n%s\n%s" % (DERIVED, date, scope, digest)
    signature = hmac.new(derived_key(access_key, secret_key, scope), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (DERIVED, access_key, scope, signed, signature)
