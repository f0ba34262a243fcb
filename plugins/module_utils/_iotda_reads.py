# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading IoTDA CA and device certificates: the one implementation behind the
``iotda_certificate_info`` module and the ``iotda_certificate`` lookup.

``read_query(...)`` checks the options (``InputError`` before any request), ``read(client, query)``
does the calls through the resource homes: one show call per certificate ID, or a listing through
every page with the platform's filters, then the local expiry filter, the ``issuer`` filter (one
show call per candidate, checked with the CA's public key), ``max_results``, and the optional show
(``include_content``) and list-device (``include_devices``) calls. Every certificate is its kind's
record (the keys README.md lists under records).

The calls go through one ``_fleet.Fleet`` (docs/fleet-operations.md): with ``concurrency`` above 1 the pages
of one marker window are fetched in parallel (still ceil(N/50) list requests when ``page.count``
is exact), and the per-certificate calls run ``concurrency`` at a time. A failed list page raises
the client's ``ApiError``: there is never a partial listing. A failed per-certificate call is that
certificate's entry in ``failures`` (the certificate is left out); ``Read.failure_message`` says
when there are more than ``max_failures``, and the callers fail then.

Imports stay light (cryptography only for ``issuer``): read-only plugins are run often and benchmarked.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import re
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca_certificates as ca_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_certificates as device_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import (
    Fleet, RunControls, collect_windows, failure_entry, failure_message, run_controls,
)
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_resource import NotFound
from ansible_collections.iotpki.certificates.plugins.module_utils._paging import PAGE_SIZE
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
    "issuer": {"type": "str"},
}

_APP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_DEVICE_ONLY = ("common_name", "fingerprint", "include_devices", "issuer")
_LIST_ONLY = ("app_id", "common_name", "fingerprint", "expiring_within_days", "issuer")


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
    issuer: t.Any = None  # _x509.CertificateInfo of the ``issuer`` CA


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
        issuer=issuer_from_pem(options["issuer"], "issuer") if options.get("issuer") is not None else None,
    )


def issuer_from_pem(pem: str, option: str) -> t.Any:
    """The CA certificate of an ``issuer`` filter; InputError naming ``option`` unless it is a CA."""
    from ansible_collections.iotpki.certificates.plugins.module_utils._x509 import load_certificate  # cryptography: only here
    from cryptography import x509

    info = load_certificate(pem, option)
    try:
        constraints = info.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise InputError("%s must be the PEM of a CA certificate (basicConstraints CA:TRUE); %r is not a CA" % (option, info.subject))
    return info


def signed_by(certificate_pem: t.Optional[str], issuer: t.Any) -> bool:
    """Whether the certificate was issued by ``issuer``: its issuer name and signature, checked with the CA's public key."""
    from cryptography import x509

    if not certificate_pem:
        return False
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode("utf-8"))
        certificate.verify_directly_issued_by(issuer.certificate)
    except (ValueError, TypeError):  # unreadable, or another issuer's name
        return False
    except Exception:  # pylint: disable=broad-exception-caught  # InvalidSignature and unsupported key types: not this CA
        return False
    return True


class Checked(t.NamedTuple):
    """The records a per-certificate step kept, and one failure entry per certificate whose call failed."""

    records: t.List[t.Dict[str, t.Any]]
    failures: t.List[t.Dict[str, t.Any]]


def issued_by(client: t.Any, fleet: Fleet, records: t.List[t.Dict[str, t.Any]], issuer: t.Any, keep_content: bool = False) -> Checked:
    """The device certificates of ``records`` that ``issuer`` signed: one show call each, ``concurrency`` at a time.

    With ``keep_content`` the records kept carry the PEM the show call brought (``include_content``).
    """
    kept, failures = [], []
    for outcome in fleet.map(lambda record: device_certificates.get(client, record["certificate_id"]), records, "issuer checks"):
        if outcome.error is not None:
            failures.append(failure_entry(outcome.item["certificate_id"], outcome.error))
        elif outcome.value is not None and signed_by(outcome.value.get(device_certificates.CONTENT_KEY), issuer):
            kept.append(dict(outcome.item, **{device_certificates.CONTENT_KEY: outcome.value[device_certificates.CONTENT_KEY]})
                        if keep_content else outcome.item)
    return Checked(kept, failures)


def page_fetcher(client: t.Any, path: str, query: t.Sequence[t.Tuple[str, t.Any]] = ()) -> t.Callable[[int, t.Optional[str]], t.Mapping[str, t.Any]]:
    """fetch(offset, marker): one page of 50 of a GET list call with the platform's filters ``query`` (None values left out)."""
    base = [(name, value) for name, value in query if value is not None]

    def fetch(offset: int, marker: t.Optional[str]) -> t.Mapping[str, t.Any]:
        paging = [("limit", PAGE_SIZE)] + ([("marker", marker)] if marker else []) + ([("offset", offset)] if offset else [])
        return client.get(path, base + paging) or {}

    return fetch


def list_windows(client: t.Any, fleet: Fleet, path: str, items_key: str, query: t.Sequence[t.Tuple[str, t.Any]] = (),
                 first_page: t.Optional[t.Mapping[str, t.Any]] = None) -> t.Tuple[t.List[t.Dict[str, t.Any]], int]:
    """Every record of a GET list call and the platform's total, the pages of one marker window in parallel
    (``_fleet.collect_windows``); one page at a time with ``concurrency`` 1 (unless ``first_page``, the answer
    to the first request, is given)."""
    if fleet.controls.concurrency == 1 and first_page is None:
        page = client.list_all(path, items_key, [(name, value) for name, value in query if value is not None])
        return page.items, page.total
    fetch = page_fetcher(client, path, query)
    first = fetch(0, None) if first_page is None else first_page
    items = collect_windows(fetch, items_key, "certificate_id", fleet.map, first_page=first, source_url=client.http.base_url + client.prefix + path)
    count = (first.get("page") or {}).get("count")
    return items, count if isinstance(count, int) and not isinstance(count, bool) else len(items)


class Read(t.NamedTuple):
    """What a read found: the records, ``total``, whether ``max_results`` cut them, the IDs nobody knows,
    the failures of per-certificate calls, and how many certificates those calls were for."""

    certificates: t.List[t.Dict[str, t.Any]]
    total: int
    truncated: bool
    missing: t.List[str]
    failures: t.List[t.Dict[str, t.Any]] = []
    matched: int = 0

    def result(self) -> t.Dict[str, t.Any]:
        """``certificates``, ``total``, ``returned``, ``truncated`` and ``failures``, as the info module returns them."""
        return {"certificates": self.certificates, "total": self.total, "returned": len(self.certificates), "truncated": self.truncated,
                "failures": self.failures}

    def failure_message(self, max_failures: int) -> t.Optional[str]:
        """Why the read fails: more certificates could not be read than ``max_failures`` allows (else None)."""
        return failure_message(self.failures, self.matched, max_failures,
                               rest="The others were read; those that failed are left out. Fix the cause and read again")


def missing_message(kind: str, certificate_id: str, error: str = "") -> str:
    """Says which kind was searched, and the other kind to try (kind defaults to ca)."""
    other = "device" if kind == "ca" else "ca"
    return "no %s has certificate_id %s%s; if it is a %s, set kind=%s" % (KINDS[kind].NOUN, certificate_id, error, KINDS[other].NOUN, other)


def read(client: t.Any, query: ReadQuery, missing_ok: bool = True, now: t.Optional[datetime.datetime] = None,
         controls: t.Optional[RunControls] = None, progress: t.Optional[t.Callable[[str], None]] = None) -> Read:
    """The records the query asks for, through one Fleet with ``controls`` (None: one call at a time).

    An ID the platform does not know is listed in ``missing`` when ``missing_ok`` (the info module
    warns and returns the others), otherwise it fails, saying which kind was searched (the lookup
    returns one value per term or fails). ``progress`` gets a line at most every few seconds.
    """
    home = KINDS[query.kind]
    now = now or datetime.datetime.now(datetime.timezone.utc)
    fleet = Fleet(client, controls or run_controls({"concurrency": 1}), progress=progress)
    missing: t.List[str] = []
    failures: t.List[t.Dict[str, t.Any]] = []
    if query.certificate_ids:
        def show(certificate_id: str) -> t.Optional[t.Dict[str, t.Any]]:
            return home.get(client, certificate_id, None if missing_ok else missing_message(query.kind, certificate_id, " ({error})"), now)

        certificates = []
        for outcome in fleet.map(show, query.certificate_ids, "show calls"):
            if isinstance(outcome.error, NotFound):
                raise outcome.error
            if outcome.error is not None:
                failures.append(failure_entry(outcome.item, outcome.error))
            elif outcome.value is None:
                missing.append(outcome.item)
            else:
                if not query.include_content:
                    outcome.value.pop(home.CONTENT_KEY)
                certificates.append(outcome.value)
        matched = len(query.certificate_ids) - len(missing)
        total = len(certificates)
        cut = query.max_results if query.max_results is not None else total
        certificates, truncated = certificates[:cut], total > cut
    else:
        certificates, total, truncated, failures, checked = _listing(client, fleet, query, now)
        matched = checked
        if query.include_content and query.issuer is None:  # the issuer check brought the PEM already
            shown = fleet.map(lambda record: home.get(client, record["certificate_id"]), certificates, "show calls")
            certificates, failed = _completed(
                shown, lambda record, value: dict(record, **{home.CONTENT_KEY: value[home.CONTENT_KEY] if value else None}))
            failures += failed
    if query.include_devices:
        using = fleet.map(lambda record: device_certificates.devices_using(client, record["certificate_id"]), certificates, "list-device calls")
        certificates, failed = _completed(using, lambda record, value: dict(record, devices=value))
        failures += failed
    if not query.certificate_ids and query.issuer is None:
        matched = len(certificates) + len(failures)
    return Read(certificates, total, truncated, missing, failures, matched)


Records = t.List[t.Dict[str, t.Any]]


def _completed(outcomes: t.List[t.Any], merge: t.Callable[[t.Dict[str, t.Any], t.Any], t.Dict[str, t.Any]]) -> t.Tuple[Records, Records]:
    """The records completed with what their call gave, and the failures of the others (left out)."""
    records, failures = [], []
    for outcome in outcomes:
        if outcome.error is not None:
            failures.append(failure_entry(outcome.item["certificate_id"], outcome.error))
        else:
            records.append(merge(outcome.item, outcome.value))
    return records, failures


def _listing(client: t.Any, fleet: Fleet, query: ReadQuery,
             now: datetime.datetime) -> t.Tuple[t.List[t.Dict[str, t.Any]], int, bool, t.List[t.Dict[str, t.Any]], int]:
    """All pages with the platform's filters, then the local filters (expiry, issuer) and ``max_results``;
    the failures of the issuer checks, and how many candidates were checked."""
    home = KINDS[query.kind]
    if query.kind == "ca":
        filters = [("app_id", query.app_id)]
    else:
        filters = [("common_name", query.common_name), ("fingerprint", query.fingerprint)]
    local = query.expiring_within_days is not None or query.issuer is not None
    if query.max_results is not None and not local:
        # The platform's own filters only: stop at max_results, one page at a time.
        listed = home.listing(client, *(value for _name, value in filters), max_results=query.max_results, now=now)
        return listed.records, listed.total, listed.truncated, [], 0
    items, total = list_windows(client, fleet, home.PATH, home.ITEMS_KEY, filters)
    record = ca_certificates.ca_record if query.kind == "ca" else device_certificates.device_certificate_record
    records = [record(item, now) for item in items]
    if not local:
        return records, total, False, [], 0
    # The platform cannot filter on expiry or issuer: read every page, keep what matches here (for expiry,
    # the expired ones too), and count them here, so that total is what matches all the filters.
    failures: t.List[t.Dict[str, t.Any]] = []
    if query.expiring_within_days is not None:
        deadline = now + datetime.timedelta(days=query.expiring_within_days)
        records = [found for found in records if _expires_by(found, deadline)]
    candidates = len(records)
    if query.issuer is not None:
        records, failures = issued_by(client, fleet, records, query.issuer, keep_content=query.include_content)
    cut = query.max_results if query.max_results is not None else len(records)
    return records[:cut], len(records), len(records) > cut, failures, candidates


def _expires_by(record: t.Mapping[str, t.Any], deadline: datetime.datetime) -> bool:
    when = parse_iso_utc(record.get("expiry_date"))
    return when is not None and when <= deadline
