# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate values as text: fingerprints, PEM blocks and dates, without importing cryptography.

Read-only plugins (the info modules, the lookup) need only these, and importing cryptography
would cost them about a tenth of a second per run.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import re
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError

_IOTDA_DATE_RE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z")
_HEX_RE = re.compile(r"^[0-9A-F]+$")
_SEPARATORS_RE = re.compile(r"[\s:]")
_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


def fingerprint_text(value: t.Any) -> t.Optional[str]:
    """A fingerprint as the platform or a user writes it, as uppercase hex without separators; None when empty."""
    if not isinstance(value, str):
        return None
    return _SEPARATORS_RE.sub("", value).upper() or None


def normalize_fingerprint(value: str) -> str:
    """Uppercase hex without separators; InputError unless it is a SHA-1 (40) or SHA-256 (64) digest."""
    text = fingerprint_text(value) or ""
    if not _HEX_RE.match(text) or len(text) not in (40, 64):
        raise InputError("fingerprint must be a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) value, colons allowed; got %d characters" % len(text))
    return text


def pem_der(pem: t.Optional[str]) -> t.Optional[bytes]:
    """The DER bytes of the first certificate of a PEM text, or None when there is none."""
    found = _PEM_RE.search(pem or "")
    if not found:
        return None
    try:
        return base64.b64decode("".join(found.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def parse_iotda_date(value: t.Any) -> t.Optional[datetime.datetime]:
    """An IoTDA date (``yyyyMMdd'T'HHmmss'Z'``) as an aware UTC datetime; None when missing or not such a date."""
    if not value or not isinstance(value, str):
        return None
    match = _IOTDA_DATE_RE.fullmatch(value)  # the platform's form, much faster than strptime (large listings)
    try:
        if match:
            return datetime.datetime(*(int(part) for part in match.groups()), tzinfo=datetime.timezone.utc)
        return datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def iso_utc(value: t.Optional[datetime.datetime]) -> t.Optional[str]:
    """ISO 8601 UTC with a ``Z``, e.g. ``2026-01-31T12:00:00Z``."""
    if value is None:
        return None
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(value: t.Any) -> t.Optional[datetime.datetime]:
    """A record's date (``YYYY-MM-DDTHH:MM:SSZ``) as an aware UTC datetime; None otherwise."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def days_until(value: t.Optional[datetime.datetime], now: t.Optional[datetime.datetime] = None) -> t.Optional[int]:
    """Whole days from now until ``value`` (negative once past), rounded down."""
    if value is None:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return int((value - now).total_seconds() // 86400)


def sha256_hex(der: bytes) -> str:
    """SHA-256 of DER bytes, uppercase hex (the platform's fingerprint format)."""
    return hashlib.sha256(der).hexdigest().upper()
