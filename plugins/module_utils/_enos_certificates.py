# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""EnOS certificates: the calls on them, their record (the keys README.md lists under records), and what the EnOS modules share.

The list API answers ``certSN`` as a string, ``certStatus`` as 0/1/2, dates as epoch milliseconds
(``effetiveDate`` in every sample, ``effectiveDate`` in later tables) and the revocation reason as
text such as ``KEY COMPROMISE``. ``enos_certificate_record`` turns one answer into the record:
snake_case keys, an integer serial, status names, ISO 8601 UTC dates, lower-case reasons by the
modules' option names and lower-case issue authority.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import describe_device, device_query
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import days_until, iso_utc

# RFC 5280 CRLReason numbers that EnOS accepts, by the modules' option names.
REASONS: t.Dict[str, int] = {
    "unspecified": 0,
    "key_compromise": 1,
    "affiliation_changed": 3,
    "superseded": 4,
    "cessation_of_operation": 5,
    "certificate_hold": 6,
    "privilege_withdrawn": 9,
}
REASON_NAMES: t.Dict[int, str] = {number: name for name, number in REASONS.items()}

# The CA wrapper's code for a refused revocation (already revoked or expired, or not bound).
ALREADY_REVOKED_CODE = "99400"

STATUSES: t.Dict[int, str] = {0: "valid", 1: "revoked", 2: "expired"}


def device_argument_spec(**options: t.Dict[str, t.Any]) -> t.Dict[str, t.Dict[str, t.Any]]:
    """Device selection options of both EnOS modules, plus the module's own ``options``.

    The combination is checked by ``device_selection`` (before any request), not by the argument spec,
    so that both modules give the same messages as the client.
    """
    spec: t.Dict[str, t.Dict[str, t.Any]] = {
        "asset_id": {"type": "str"},
        "product_key": {"type": "str", "no_log": False},
        "device_key": {"type": "str", "no_log": False},
    }
    spec.update(options)
    return spec


def device_selection(params: t.Mapping[str, t.Any]) -> t.List[t.Tuple[str, str]]:
    """The device query for the module's options; InputError unless exactly one way is given."""
    return device_query(asset_id=params.get("asset_id"), product_key=params.get("product_key"), device_key=params.get("device_key"))


def check_cert_sn(value: t.Optional[int]) -> t.Optional[int]:
    """Serial numbers are non-negative; EnOS rejects negative ones, so fail before asking it."""
    if value is not None and value < 0:
        raise InputError("cert_sn must be 0 or greater, got %d" % value)
    return value


def reason_name(value: t.Any) -> t.Optional[str]:
    """``KEY COMPROMISE``, ``KEY_COMPROMISE``, ``1`` → ``key_compromise``; unknown text unchanged; empty → None."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.isdecimal() and len(text) < 10:  # isdigit() also accepts superscripts, which int() refuses
        return REASON_NAMES.get(int(text), text)
    key = "_".join(text.replace("-", " ").replace("_", " ").lower().split())
    return key if key in REASONS else text


def status_name(value: t.Any) -> t.Optional[str]:
    """``certStatus`` 0/1/2 (int or string) → valid/revoked/expired; a status name passes; else None."""
    try:
        return STATUSES.get(int(value))
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity, which JSON decoding accepts
        text = str(value).strip().lower() if value is not None else ""
        return text if text in STATUSES.values() else None


def serial(value: t.Any) -> t.Optional[int]:
    """``certSN`` as an int (the API sends a decimal string); None when missing or not a number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def from_epoch_ms(value: t.Any) -> t.Optional[datetime.datetime]:
    """Epoch milliseconds (number or digit string) → aware UTC datetime; None when missing or invalid."""
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return datetime.datetime.fromtimestamp(float(value) / 1000.0, tz=datetime.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text(value: t.Any) -> t.Optional[str]:
    """The platform uses ``""`` for "not set"; show that as None."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _lower(value: t.Any) -> t.Optional[str]:
    text = _text(value)
    return text.lower() if text else None


def enos_certificate_record(answer: t.Mapping[str, t.Any], now: t.Optional[datetime.datetime] = None, pem: bool = False) -> t.Dict[str, t.Any]:
    """One certificate of the platform's answer → its record; with ``pem`` (apply, renew), ``certificate_pem`` when the answer has one."""
    effective = answer.get("effectiveDate", answer.get("effetiveDate"))
    expire = from_epoch_ms(answer.get("expireDate"))
    record = {
        "cert_sn": serial(answer.get("certSN", answer.get("certSn"))),
        "status": status_name(answer.get("certStatus")),
        "subject": _text(answer.get("subject")),
        "issuer": _text(answer.get("issuer")),
        "sign_date": iso_utc(from_epoch_ms(answer.get("signDate"))),
        "effective_date": iso_utc(from_epoch_ms(effective)),
        "expire_date": iso_utc(expire),
        "revoker": _text(answer.get("revoker")),
        "revoke_reason": reason_name(answer.get("revokerReason", answer.get("revokeReason"))),
        "issue_authority": _lower(answer.get("issueAuthority")),
        "expires_in_days": days_until(expire, now),
    }
    body = answer.get("cert")  # list answers may carry the serial here: only a PEM counts
    if pem and isinstance(body, str) and "-----BEGIN CERTIFICATE-----" in body:
        record["certificate_pem"] = body
    return record


def list_certificates(client: t.Any, device: t.Sequence[t.Tuple[str, str]]) -> t.List[t.Dict[str, t.Any]]:
    """The device's certificate records (one ``action=list`` request; the API does not page)."""
    data = client.certificates("list", device)
    answers = data if isinstance(data, list) else []
    now = datetime.datetime.now(datetime.timezone.utc)
    return [enos_certificate_record(answer, now) for answer in answers if isinstance(answer, dict)]


def revoke(client: t.Any, device: t.Sequence[t.Tuple[str, str]], cert_sn: int, reason: str) -> t.Tuple[bool, t.Optional[t.Dict[str, t.Any]]]:
    """Revoke; (whether this run revoked it, the certificate's record read again after it, or None).

    A refusal because another run revoked it first (the platform's 99400 "already revoked") counts as
    done once the list confirms the certificate is revoked; any other refusal stays an ApiError.
    """
    refused = send_revoke(client, device, cert_sn, reason)
    after = find(list_certificates(client, device), cert_sn)
    if refused is not None and (after is None or after["status"] != "revoked"):
        raise refused
    return refused is None, after


def send_revoke(client: t.Any, device: t.Sequence[t.Tuple[str, str]], cert_sn: int, reason: str) -> t.Optional[ApiError]:
    """The revoke request alone: None when it was done, or the platform's 99400 refusal ("already revoked"),
    which only a list after it can tell from a real refusal. Any other failure is raised."""
    try:
        client.certificates("revoke", device, {"certSn": cert_sn, "reason": REASONS[reason]})
    except ApiError as error:
        if str(error.code) != ALREADY_REVOKED_CODE:
            raise
        return error
    return None


def issue(
    client: t.Any,
    device: t.Sequence[t.Tuple[str, str]],
    issue_authority: str,
    cert_sn: t.Optional[int] = None,
    csr: t.Optional[str] = None,
    valid_days: t.Optional[int] = None,
) -> t.Dict[str, t.Any]:
    """``action=apply`` (without ``cert_sn``) or ``action=renew`` of certificate ``cert_sn``: the platform's answer
    (``certChainURL``, ``caCert``, ``cert``, ``certSN``, ``issueAuthority``), ``{}`` when it has none.

    Each call issues a new serial: it is a POST, which the shared HTTP client never repeats once it may have
    reached the platform, and the caller sends it at most once per run.
    """
    body: t.Dict[str, t.Any] = {"issueAuthority": issue_authority.upper()}
    if cert_sn is not None:
        body["certSn"] = cert_sn
    if csr is not None:
        body["csr"] = csr
    if valid_days is not None:
        body["validDay"] = valid_days
    data = client.certificates("apply" if cert_sn is None else "renew", device, body)
    return data if isinstance(data, dict) else {}


def find(certificates: t.Iterable[t.Mapping[str, t.Any]], cert_sn: int) -> t.Optional[t.Dict[str, t.Any]]:
    """The certificate with this serial, or None."""
    for certificate in certificates:
        if certificate.get("cert_sn") == cert_sn:
            return dict(certificate)
    return None


def not_bound_message(device: t.Sequence[t.Tuple[str, str]], cert_sn: int, certificates: t.Sequence[t.Mapping[str, t.Any]]) -> str:
    """Says which device, which serial, and which serials the device does have (in numeric order)."""
    serials = sorted(c["cert_sn"] for c in certificates if c.get("cert_sn") is not None)
    bound = ", ".join(str(sn) for sn in serials) or "none"
    return "certificate %d is not bound to EnOS device %s (certificates bound to it: %s)" % (cert_sn, describe_device(device), bound)
