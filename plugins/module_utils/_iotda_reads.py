# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading IoTDA CA and device certificates: the one implementation behind the
``iotda_certificate_info`` module and the ``iotda_certificate`` lookup.

``read_query(...)`` checks the options (``InputError`` before any request), ``read(client, query)``
does the calls through the resource homes: one show call per certificate ID, or a listing through
every page with the platform's filters, then the local expiry filter, ``max_results``, and the
optional show (``include_content``) and list-device (``include_devices``) calls. Every certificate
is its kind's record (SPEC section 8). Any failed page raises the client's ``ApiError``: there is
no partial result.

Imports stay light (no cryptography): read-only plugins are run often and benchmarked.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca_certificates as ca_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_certificates as device_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import normalize_fingerprint, parse_iso_utc

# The resource home of each kind.
KINDS: t.Dict[str, t.Any] = {"ca": ca_certificates, "device": device_certificates}

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
_DEVICE_ONLY = ("common_name", "fingerprint", "include_devices")
_LIST_ONLY = ("app_id", "common_name", "fingerprint", "expiring_within_days")


class ReadQuery(t.NamedTuple):
    """A validated read: either ``certificate_ids`` (show calls) or a listing with filters."""

    kind: str
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
    kind = options.get("kind") or "ca"
    if kind not in KINDS:
        raise InputError("kind must be 'ca' or 'device', got %r" % kind)
    ids = tuple(str(value).strip() for value in certificate_ids)
    if any(not value for value in ids):
        raise InputError("certificate_id must not be empty")
    if kind == "ca":
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
    if common_name is not None:
        device_certificates.check_common_name(common_name)
    fingerprint = options.get("fingerprint")
    if fingerprint is not None:
        fingerprint = normalize_fingerprint(fingerprint)
    for name, low in (("expiring_within_days", 0), ("max_results", 1)):
        value = options.get(name)
        if value is not None and value < low:
            raise InputError("%s must be %d or more, got %d" % (name, low, value))
    return ReadQuery(
        kind=kind,
        certificate_ids=ids,
        app_id=app_id,
        common_name=common_name,
        fingerprint=fingerprint,
        expiring_within_days=options.get("expiring_within_days"),
        include_content=bool(options.get("include_content")),
        include_devices=bool(options.get("include_devices")),
        max_results=options.get("max_results"),
    )


class Read(t.NamedTuple):
    """What a read found: the records, ``total``, whether ``max_results`` cut them, and the IDs nobody knows."""

    certificates: t.List[t.Dict[str, t.Any]]
    total: int
    truncated: bool
    missing: t.List[str]

    def result(self) -> t.Dict[str, t.Any]:
        """``certificates``, ``total``, ``returned`` and ``truncated``, as the info module returns them."""
        return {"certificates": self.certificates, "total": self.total, "returned": len(self.certificates), "truncated": self.truncated}


def missing_message(kind: str, certificate_id: str, error: str = "") -> str:
    """Says which kind was searched, and the other kind to try (kind defaults to ca)."""
    other = "device" if kind == "ca" else "ca"
    return "no %s has certificate_id %s%s; if it is a %s, set kind=%s" % (KINDS[kind].NOUN, certificate_id, error, KINDS[other].NOUN, other)


def read(client: t.Any, query: ReadQuery, missing_ok: bool = True, now: t.Optional[datetime.datetime] = None) -> Read:
    """The records the query asks for.

    An ID the platform does not know is listed in ``missing`` when ``missing_ok`` (the info module
    warns and returns the others), otherwise it fails, saying which kind was searched (the lookup
    returns one value per term or fails).
    """
    home = KINDS[query.kind]
    now = now or datetime.datetime.now(datetime.timezone.utc)
    missing: t.List[str] = []
    if query.certificate_ids:
        certificates = []
        for certificate_id in query.certificate_ids:
            found = home.get(client, certificate_id, None if missing_ok else missing_message(query.kind, certificate_id, " ({error})"), now)
            if found is None:
                missing.append(certificate_id)
                continue
            if not query.include_content:
                found.pop(home.CONTENT_KEY)
            certificates.append(found)
        total = len(certificates)
        cut = query.max_results if query.max_results is not None else total
        certificates, truncated = certificates[:cut], total > cut
    else:
        certificates, total, truncated = _listing(client, query, now)
        if query.include_content:
            for record in certificates:
                shown = home.get(client, record["certificate_id"])
                record[home.CONTENT_KEY] = shown[home.CONTENT_KEY] if shown else None
    if query.include_devices:
        for record in certificates:
            record["devices"] = device_certificates.devices_using(client, record["certificate_id"])
    return Read(certificates, total, truncated, missing)


def _listing(client: t.Any, query: ReadQuery, now: datetime.datetime) -> t.Tuple[t.List[t.Dict[str, t.Any]], int, bool]:
    """All pages with the platform's filters, then the local expiry filter and ``max_results``."""
    if query.kind == "ca":
        def fetch(max_results: t.Optional[int]) -> t.Any:
            return ca_certificates.listing(client, query.app_id, max_results, now)
    else:
        def fetch(max_results: t.Optional[int]) -> t.Any:
            return device_certificates.listing(client, query.common_name, query.fingerprint, max_results, now)
    if query.expiring_within_days is None:
        return fetch(query.max_results)
    # The platform cannot filter on expiry: read every page, keep what expires by the deadline (the
    # expired ones too), and count them here, so that total is what matches all the filters.
    deadline = now + datetime.timedelta(days=query.expiring_within_days)
    matching = [record for record in fetch(None).records if _expires_by(record, deadline)]
    cut = query.max_results if query.max_results is not None else len(matching)
    return matching[:cut], len(matching), len(matching) > cut


def _expires_by(record: t.Mapping[str, t.Any], deadline: datetime.datetime) -> bool:
    when = parse_iso_utc(record.get("expiry_date"))
    return when is not None and when <= deadline
