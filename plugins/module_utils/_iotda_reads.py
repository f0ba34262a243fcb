# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading IoTDA CA and device certificates: the one implementation behind the
``iotda_certificate_info`` module and the ``iotda_certificate`` lookup.

``read_query(...)`` checks the options (``InputError`` before any request), ``read(client, query)``
does the calls: one show call per certificate ID, or a listing through every page with the
platform's filters, then the local expiry filter, ``max_results``, and the optional show
(``include_content``) and list-device (``include_devices``) calls. Any failed page raises the
client's ``ApiError``: there is no partial result.

Imports stay light (no cryptography): read-only plugins are run often and benchmarked.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import path_param
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import days_until, normalize_fingerprint, parse_iotda_date


class Kind(t.NamedTuple):
    """Where a kind of certificate lives in the API, and how the platform names its fields."""

    label: str
    path: str
    items_key: str
    content_key: str


KINDS: t.Dict[str, Kind] = {
    "ca": Kind("CA certificate", "/certificates", "certificates", "content"),
    "device": Kind("device certificate", "/device-certificates", "device_certificates", "certificate_pem"),
}

# The options of a read, shared by the info module's argument spec and the lookup's documentation.
READ_OPTIONS: t.Dict[str, t.Dict[str, t.Any]] = {
    "kind": {"type": "str", "default": "ca", "choices": ["ca", "device"]},
    "app_id": {"type": "str"},
    "common_name": {"type": "str"},
    "fingerprint": {"type": "str"},
    "expiring_within_days": {"type": "int"},
    "include_content": {"type": "bool", "default": False},
    "include_devices": {"type": "bool", "default": False},
    "max_results": {"type": "int"},
}

_APP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_COMMON_NAME_RE = re.compile(r"^[A-Za-z0-9_\-? '#().,&%@!*]{1,32}$")
_DEVICE_ONLY = ("common_name", "fingerprint", "include_devices")
_LIST_ONLY = ("app_id", "common_name", "fingerprint", "expiring_within_days")


class ReadQuery(t.NamedTuple):
    """A validated read: either ``certificate_ids`` (show calls) or a listing with filters."""

    kind: Kind
    certificate_ids: t.Tuple[str, ...]
    app_id: t.Optional[str]
    common_name: t.Optional[str]
    fingerprint: t.Optional[str]
    expiring_within_days: t.Optional[int]
    include_content: bool
    include_devices: bool
    max_results: t.Optional[int]


def read_query(certificate_ids: t.Sequence[str] = (), **options: t.Any) -> ReadQuery:
    """Check the options of a read (``READ_OPTIONS`` names); InputError before any request."""
    options = {name: (None if value == "" else value) for name, value in options.items()}  # AWX sends unset fields as ""
    kind_name = options.get("kind") or "ca"
    if kind_name not in KINDS:
        raise InputError("kind must be 'ca' or 'device', got %r" % kind_name)
    ids = tuple(str(value).strip() for value in certificate_ids)
    if any(not value for value in ids):
        raise InputError("certificate_id must not be empty")
    if kind_name == "ca":
        given = [name for name in _DEVICE_ONLY if options.get(name) not in (None, False)]
        if given:
            raise InputError("%s: only for kind=device (kind is ca)" % ", ".join(given))
    elif options.get("app_id") is not None:
        raise InputError("app_id only applies to kind=ca (kind is device): device certificates have no resource space")
    if ids:
        given = [name for name in _LIST_ONLY if options.get(name) is not None]
        if given:
            raise InputError("%s cannot be combined with certificate IDs: filters apply to listings only" % ", ".join(given))
    app_id = options.get("app_id")
    if app_id is not None and not _APP_ID_RE.match(app_id):
        raise InputError("app_id must be 1-36 characters of letters, digits, '_' and '-'")
    common_name = options.get("common_name")
    if common_name is not None and not _COMMON_NAME_RE.match(common_name):
        raise InputError("common_name must be 1-32 characters of letters, digits, spaces and _-?'#().,&%@!* (the platform's prefix search)")
    fingerprint = options.get("fingerprint")
    if fingerprint is not None:
        fingerprint = normalize_fingerprint(fingerprint)
    for name, low in (("expiring_within_days", 0), ("max_results", 1)):
        value = options.get(name)
        if value is not None and value < low:
            raise InputError("%s must be %d or more, got %d" % (name, low, value))
    return ReadQuery(
        kind=KINDS[kind_name],
        certificate_ids=ids,
        app_id=app_id,
        common_name=common_name,
        fingerprint=fingerprint,
        expiring_within_days=options.get("expiring_within_days"),
        include_content=bool(options.get("include_content")),
        include_devices=bool(options.get("include_devices")),
        max_results=options.get("max_results"),
    )


def is_not_found(error: ApiError) -> bool:
    """A 404 of IoTDA itself (unknown ID); an API-gateway 404 (wrong endpoint or path) stays an error."""
    return error.http_status == 404 and str(error.code or "").startswith("IOTDA.")


def show(client: t.Any, kind: Kind, certificate_id: str, missing_ok: bool = False) -> t.Optional[t.Dict[str, t.Any]]:
    """The show call: the full object with its PEM; None for an unknown ID when ``missing_ok``."""
    try:
        return client.get("%s/%s" % (kind.path, path_param(certificate_id))) or {}
    except ApiError as error:
        if missing_ok and is_not_found(error):
            return None
        raise


def devices_using(client: t.Any, certificate_id: str) -> t.List[t.Dict[str, t.Any]]:
    """Every device whose fingerprint is the certificate's (POST list-device, all pages)."""
    return client.list_all_by_post("/device-certificates/%s/list-device" % path_param(certificate_id), "devices").items


def expiry(certificate: t.Mapping[str, t.Any]) -> t.Optional[datetime.datetime]:
    return parse_iotda_date(certificate.get("expiry_date"))


def read(client: t.Any, query: ReadQuery, missing_ok: bool = False, now: t.Optional[datetime.datetime] = None) -> t.Dict[str, t.Any]:
    """``certificates`` (each with ``expires_in_days``), ``total``, ``returned`` and ``truncated``.

    An ID the platform does not know is left out with ``missing_ok`` (the info module reports an
    empty list), otherwise its 404 is raised (the lookup returns one value per term or fails).
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if query.certificate_ids:
        certificates, total, truncated = _shown(client, query, missing_ok)
    else:
        certificates, total, truncated = _listing(client, query, now)
        if query.include_content:
            certificates = [dict(item, **show(client, query.kind, item["certificate_id"])) for item in certificates]
    for item in certificates:
        item["expires_in_days"] = days_until(expiry(item), now)
        if query.include_devices:
            item["devices"] = devices_using(client, item["certificate_id"])
    return {"certificates": certificates, "total": total, "returned": len(certificates), "truncated": truncated}


def _shown(client: t.Any, query: ReadQuery, missing_ok: bool) -> t.Tuple[t.List[t.Dict[str, t.Any]], int, bool]:
    """One show call per ID; the PEM field only when ``include_content`` asks for it."""
    certificates = []
    for certificate_id in query.certificate_ids:
        found = show(client, query.kind, certificate_id, missing_ok)
        if found is not None:
            if not query.include_content:
                found.pop(query.kind.content_key, None)
            certificates.append(found)
    cut = query.max_results if query.max_results is not None else len(certificates)
    return certificates[:cut], len(certificates), len(certificates) > cut


def _listing(client: t.Any, query: ReadQuery, now: datetime.datetime) -> t.Tuple[t.List[t.Dict[str, t.Any]], int, bool]:
    """All pages with the platform's filters, then the local expiry filter and ``max_results``."""
    kind = query.kind
    filters = [("app_id", query.app_id), ("common_name", query.common_name), ("fingerprint", query.fingerprint)]
    if query.expiring_within_days is None:
        page = client.list_all(kind.path, kind.items_key, filters, query.max_results)
        return [dict(item) for item in page.items], page.total, page.truncated
    # The platform cannot filter on expiry: read every page, keep what expires by the deadline (the
    # expired ones too), and count them here, so that total is what matches all the filters.
    deadline = now + datetime.timedelta(days=query.expiring_within_days)
    page = client.list_all(kind.path, kind.items_key, filters)
    matching = [dict(item) for item in page.items if _expires_by(item, deadline)]
    cut = query.max_results if query.max_results is not None else len(matching)
    return matching[:cut], len(matching), len(matching) > cut


def _expires_by(item: t.Mapping[str, t.Any], deadline: datetime.datetime) -> bool:
    when = expiry(item)
    return when is not None and when <= deadline
