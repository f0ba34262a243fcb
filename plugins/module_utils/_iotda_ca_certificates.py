# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IoTDA CA certificates: their paths, every call on them, and their record (the keys README.md lists under records).

The list call returns neither the PEM nor a fingerprint, so a CA is found by its content in two
steps: candidates by CN and validity from the list (all pages), then confirmed by comparing the
DER of the show call's ``content``. The DER comparison needs only the standard library.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_resource as resource
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import days_until, iso_utc, parse_iotda_date, pem_der

PATH = "/certificates"
ITEMS_KEY = "certificates"
CONTENT_KEY = "content"
NOUN = "CA certificate"


class Listing(t.NamedTuple):
    records: t.List[t.Dict[str, t.Any]]
    total: int
    truncated: bool


def _flag(value: t.Any) -> t.Optional[bool]:
    return None if value is None else bool(value)


def _unset(value: t.Any) -> t.Any:
    """The platform writes "not set" as null or ''."""
    return None if value in (None, "") else value


def ca_record(answer: t.Optional[t.Mapping[str, t.Any]], now: t.Optional[datetime.datetime] = None, content: bool = False) -> t.Dict[str, t.Any]:
    """The CA certificate record of README.md's records; ``content`` (the PEM) only when asked for."""
    answer = answer or {}
    expiry = parse_iotda_date(answer.get("expiry_date"))
    record = {
        "certificate_id": answer.get("certificate_id"),
        "common_name": answer.get("cn_name"),
        "owner": answer.get("owner"),
        "verified": _flag(answer.get("status")),
        "verify_code": _unset(answer.get("verify_code")),
        "provision_enable": _flag(answer.get("provision_enable")),
        "template_id": _unset(answer.get("template_id")),
        "ocsp_enable": _flag(answer.get("ocsp_enable")),
        "ocsp_ssl_enable": _flag(answer.get("ocsp_ssl_enable")),
        "ocsp_server_ca_id": _unset(answer.get("ocsp_server_ca_id")),
        "create_date": iso_utc(parse_iotda_date(answer.get("create_date"))),
        "effective_date": iso_utc(parse_iotda_date(answer.get("effective_date"))),
        "expiry_date": iso_utc(expiry),
        "expires_in_days": days_until(expiry, now),
    }
    if content:
        record["content"] = answer.get("content")
    return record


def get(client: t.Any, certificate_id: str, missing: t.Optional[str] = None,
        now: t.Optional[datetime.datetime] = None) -> t.Optional[t.Dict[str, t.Any]]:
    """One CA certificate with its ``content`` (the show call).

    An unknown ID is None, or ``NotFound`` worded by the ``missing`` template (``{error}``: the platform's error).
    """
    answer = resource.get(client, resource.item_path(client, PATH, certificate_id), missing)
    return None if answer is None else ca_record(answer, now, content=True)


def listing(client: t.Any, app_id: t.Optional[str] = None, max_results: t.Optional[int] = None,
            now: t.Optional[datetime.datetime] = None) -> Listing:
    """Every CA certificate (all pages), optionally of one resource space."""
    page = client.list_all(PATH, ITEMS_KEY, [("app_id", app_id)], max_results)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return Listing([ca_record(item, now) for item in page.items], page.total, page.truncated)


def upload(client: t.Any, content: str, app_id: t.Optional[str]) -> t.Dict[str, t.Any]:
    body = {"content": content, "app_id": app_id}
    return ca_record(client.request("POST", PATH, body={k: v for k, v in body.items() if v}))


def verify(client: t.Any, certificate_id: str, proof: str) -> None:
    """Proof of possession with a certificate whose CN is the CA's ``verify_code``."""
    path = resource.item_path(client, PATH, certificate_id) + "/action"
    client.request("POST", path, query=[("action_id", "verify")], body={"verify_content": proof})


def update(client: t.Any, certificate_id: str, body: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """PUT the settings in ``body``; the record the platform answers (empty when it answers nothing)."""
    answer = client.request("PUT", resource.item_path(client, PATH, certificate_id), body=dict(body))
    return ca_record(answer) if answer else {}


def delete(client: t.Any, certificate_id: str) -> bool:
    """False when the CA certificate was already gone."""
    return resource.delete(client, resource.item_path(client, PATH, certificate_id))


def copies(
    client: t.Any,
    der: bytes,
    common_name: t.Optional[str],
    effective_date: t.Optional[str],
    expiry_date: t.Optional[str],
    app_id: t.Optional[str] = None,
) -> t.Tuple[t.List[t.Dict[str, t.Any]], t.List[t.Dict[str, t.Any]]]:
    """The uploaded copies of a CA: (confirmed by DER, same CN and validity but without a PEM to compare).

    Cost: every list page plus one show call per candidate with the same CN and validity.
    """
    candidates = [
        record
        for record in listing(client, app_id).records
        if (record["common_name"], record["effective_date"], record["expiry_date"]) == (common_name, effective_date, expiry_date)
    ]
    confirmed: t.List[t.Dict[str, t.Any]] = []
    unconfirmed: t.List[t.Dict[str, t.Any]] = []
    for candidate in candidates:
        shown = get(client, candidate["certificate_id"])
        if shown is None:  # deleted since it was listed
            continue
        if not shown.get("content"):
            unconfirmed.append(shown)
        elif pem_der(shown["content"]) == der:
            confirmed.append(shown)
    return confirmed, unconfirmed


def find_by_content(
    client: t.Any,
    der: bytes,
    common_name: t.Optional[str],
    effective_date: t.Optional[str],
    expiry_date: t.Optional[str],
    app_id: t.Optional[str] = None,
    warn: t.Optional[t.Callable[[str], None]] = None,
) -> t.Optional[t.Dict[str, t.Any]]:
    """The uploaded CA with this DER (record with ``content``), or None; InputError when several cannot be told apart."""
    confirmed, unconfirmed = copies(client, der, common_name, effective_date, expiry_date, app_id)
    matches = confirmed or unconfirmed
    if len(matches) > 1:
        raise InputError(
            "%d CA certificates match content (same %s): %s; select one with certificate_id%s"
            % (
                len(matches),
                "certificate" if confirmed else "CN and validity, and the platform does not return their content",
                ", ".join(sorted(str(m["certificate_id"]) for m in matches)),
                "" if app_id else " or narrow the search with app_id",
            )
        )
    if unconfirmed and not confirmed and warn:
        warn("CA certificate %s matched content by CN and validity only: the platform did not return its PEM to compare" % unconfirmed[0]["certificate_id"])
    return matches[0] if matches else None
