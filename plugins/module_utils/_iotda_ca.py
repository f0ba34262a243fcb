# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IoTDA CA certificates: find one by ID or by its PEM, compare it with the wanted settings, and
show it as a normalised, secret-free view.

The list call returns neither the PEM nor a fingerprint, so a CA is found by its content in two
steps: candidates by CN and validity from the list (all pages), then confirmed by comparing the
DER of the show call's ``content``. The DER comparison is done with the standard library, so a
module that only knows a ``certificate_id`` does not need ``cryptography``.

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
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import KINDS
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import show as _show
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import iotda_date, iso_utc, parse_iotda_date

# Settings the update call (PUT) changes; the values '' of the two ID fields mean "unset" (JSON null).
UPDATABLE = ("provision_enable", "template_id", "ocsp_enable", "ocsp_ssl_enable", "ocsp_server_ca_id")
_CLEARABLE = ("template_id", "ocsp_server_ca_id")

# Fields only the platform can assign: null in the check-mode prediction of an upload.
SERVER_ASSIGNED = ("certificate_id", "owner", "verify_code", "create_date", "name")

_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


def pem_der(pem: t.Optional[str]) -> t.Optional[bytes]:
    """The DER bytes of the first certificate of a PEM text, or None when there is none."""
    found = _PEM_RE.search(pem or "")
    if not found:
        return None
    try:
        return base64.b64decode("".join(found.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def fingerprint(pem: t.Optional[str]) -> t.Optional[str]:
    """SHA-256 of the DER, uppercase hex (the platform's fingerprint format), or None."""
    der = pem_der(pem)
    return hashlib.sha256(der).hexdigest().upper() if der is not None else None


def public(certificate: t.Optional[t.Mapping[str, t.Any]]) -> t.Dict[str, t.Any]:
    """The platform object without the PEM ``content``."""
    return {k: v for k, v in (certificate or {}).items() if k != "content"}


def _unset(value: t.Any) -> t.Any:
    return None if value == "" else value


def view(certificate: t.Optional[t.Mapping[str, t.Any]], sha256: t.Optional[str] = None) -> t.Dict[str, t.Any]:
    """The normalised diff view: settings, identity, validity and fingerprint; never PEM or keys."""
    if not certificate:
        return {}
    return {
        "certificate_id": certificate.get("certificate_id"),
        "common_name": certificate.get("cn_name"),
        "owner": certificate.get("owner"),
        "verified": bool(certificate.get("status")),
        "provision_enable": bool(certificate.get("provision_enable")),
        "template_id": _unset(certificate.get("template_id")),
        "ocsp_enable": bool(certificate.get("ocsp_enable")),
        "ocsp_ssl_enable": bool(certificate.get("ocsp_ssl_enable")),
        "ocsp_server_ca_id": _unset(certificate.get("ocsp_server_ca_id")),
        "not_before": iso_utc(parse_iotda_date(certificate.get("effective_date"))),
        "not_after": iso_utc(parse_iotda_date(certificate.get("expiry_date"))),
        "fingerprint_sha256": sha256,
    }


def update_body(current: t.Mapping[str, t.Any], wanted: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The PUT body: only the wanted settings that differ (None = not managed, '' = unset -> null)."""
    body: t.Dict[str, t.Any] = {}
    for name in UPDATABLE:
        value = wanted.get(name)
        if value is None:
            continue
        if name in _CLEARABLE:
            value = _unset(value)
            if _unset(current.get(name)) != value:
                body[name] = value
        elif bool(current.get(name)) != value:
            body[name] = value
    return body


def predicted_upload(common_name: t.Optional[str], not_before: datetime.datetime, not_after: datetime.datetime) -> t.Dict[str, t.Any]:
    """What an upload returns, as far as it can be known without sending it (check mode)."""
    certificate: t.Dict[str, t.Any] = dict.fromkeys(SERVER_ASSIGNED)
    certificate.update(
        cn_name=common_name,
        status=False,
        provision_enable=False,
        template_id=None,
        ocsp_enable=False,
        ocsp_ssl_enable=False,
        ocsp_server_ca_id=None,
        effective_date=iotda_date(not_before),
        expiry_date=iotda_date(not_after),
    )
    return certificate


def show(client: t.Any, certificate_id: str, missing_ok: bool = True) -> t.Optional[t.Dict[str, t.Any]]:
    """The show call (``content`` included); None for an ID the platform does not know, when ``missing_ok``."""
    return _show(client, KINDS["ca"], certificate_id, missing_ok)


def _same_date(value: t.Any, wanted: datetime.datetime) -> bool:
    return parse_iotda_date(str(value) if value else None) == wanted.replace(microsecond=0)


def find_by_content(
    client: t.Any,
    der: bytes,
    common_name: t.Optional[str],
    not_before: datetime.datetime,
    not_after: datetime.datetime,
    app_id: t.Optional[str] = None,
    warn: t.Optional[t.Callable[[str], None]] = None,
) -> t.Optional[t.Dict[str, t.Any]]:
    """The uploaded CA with this DER (show object), or None; InputError when several cannot be told apart.

    Cost: every list page (one for up to 50 CAs) plus one show call per candidate with the same CN
    and validity, which is one in practice.
    """
    listed = client.list_all("/certificates", "certificates", query=[("app_id", app_id)])
    candidates = [
        item
        for item in listed.items
        if item.get("cn_name") == common_name and _same_date(item.get("effective_date"), not_before) and _same_date(item.get("expiry_date"), not_after)
    ]
    confirmed: t.List[t.Dict[str, t.Any]] = []
    unconfirmed: t.List[t.Dict[str, t.Any]] = []
    for candidate in candidates:
        shown = show(client, candidate["certificate_id"])
        if shown is None:  # deleted since it was listed
            continue
        merged = dict(candidate, **shown)
        if not shown.get("content"):
            unconfirmed.append(merged)
        elif pem_der(shown["content"]) == der:
            confirmed.append(merged)
    matches = confirmed or unconfirmed
    if len(matches) > 1:
        raise InputError(
            "%d CA certificates match content (same %s): %s; select one with certificate_id%s"
            % (
                len(matches),
                "certificate" if confirmed else "CN and validity, and the platform does not return their content",
                ", ".join(sorted(str(m.get("certificate_id")) for m in matches)),
                "" if app_id else " or narrow the search with app_id",
            )
        )
    if unconfirmed and not confirmed and warn:
        warn("CA certificate %s matched content by CN and validity only: the platform did not return its PEM to compare" % unconfirmed[0].get("certificate_id"))
    return matches[0] if matches else None
