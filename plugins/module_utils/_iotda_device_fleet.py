# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many IoTDA device certificates in one task (docs/fleet-operations.md): select, read concurrently, write each once.

Selected by ``certificate_ids``, ``fingerprints`` or ``filters`` (``common_name_prefix``, ``issuer``,
``expiring_within_days``, ``status``). Reads cost as little as the selection allows: a list of IDs or
SHA-256 fingerprints is matched against the full listing when that takes fewer requests than one
call per target (the first list page tells), and the listing fetches the pages of one marker window
in parallel. ``issuer`` costs one show call per candidate left by the other filters.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import math
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_certificates as certificates
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._fleet import Fleet, failure_entry, fleet_result, run_controls
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_reads import issued_by, issuer_from_pem, list_windows, page_fetcher
from ansible_collections.iotpki.certificates.plugins.module_utils._paging import PAGE_SIZE
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import normalize_fingerprint

FILTER_OPTIONS: t.Dict[str, t.Dict[str, t.Any]] = {
    "common_name_prefix": {"type": "str"},
    "issuer": {"type": "str"},
    "expiring_within_days": {"type": "int"},
    "status": {"type": "str", "choices": ["active", "inactive"]},
}

ARGUMENT_SPEC: t.Dict[str, t.Dict[str, t.Any]] = {
    "certificate_ids": {"type": "list", "elements": "str"},
    "fingerprints": {"type": "list", "elements": "str"},
    "filters": {"type": "dict", "options": FILTER_OPTIONS},
}
SELECTORS = tuple(ARGUMENT_SPEC)


def requested(params: t.Mapping[str, t.Any]) -> bool:
    """Whether the task uses the fleet form."""
    return any(params.get(name) is not None for name in SELECTORS)


class Selection(t.NamedTuple):
    option: str
    ids: t.List[str]
    fingerprints: t.List[str]
    filters: t.Dict[str, t.Any]
    issuer: t.Any  # _x509.CertificateInfo of the CA, or None


def selection_from_params(params: t.Mapping[str, t.Any]) -> Selection:
    """The one fleet selector, validated before any request (InputError naming the option)."""
    given = [name for name in SELECTORS if params.get(name) is not None]
    single = [name for name in certificates.SELECTORS if params.get(name) not in (None, "")]
    if len(given) > 1 or single:
        raise InputError("select device certificates one way: %s are mutually exclusive (and exclusive with %s); got %s"
                         % (", ".join(SELECTORS), ", ".join(certificates.SELECTORS), ", ".join(given + single)))
    option = given[0]
    value = params[option]
    if option == "certificate_ids":
        ids = _distinct(str(item).strip() for item in value)
        if not ids or "" in ids:
            raise InputError("certificate_ids must list at least one certificate ID, without empty entries")
        return Selection(option, ids, [], {}, None)
    if option == "fingerprints":
        if not value:
            raise InputError("fingerprints must list at least one fingerprint")
        normalised = []
        for index, item in enumerate(value):
            try:
                normalised.append(normalize_fingerprint(item or ""))
            except InputError as error:
                raise InputError("fingerprints[%d]: %s" % (index, error)) from None
        return Selection(option, [], _distinct(normalised), {}, None)
    filters = {key: item for key, item in (value or {}).items() if item not in (None, "")}
    if not filters:
        raise InputError("filters must set at least one of %s (an empty filter would select every device certificate)" % ", ".join(FILTER_OPTIONS))
    if "common_name_prefix" in filters:
        try:
            certificates.check_common_name(filters["common_name_prefix"])
        except InputError as error:
            raise InputError("filters.common_name_prefix: %s" % error) from None
    issuer = issuer_from_pem(filters["issuer"], "filters.issuer") if "issuer" in filters else None
    return Selection(option, [], [], filters, issuer)


def _distinct(values: t.Iterable[str]) -> t.List[str]:
    return list(dict.fromkeys(values))


# -- reads -----------------------------------------------------------------------------------------

def list_records(client: t.Any, fleet: Fleet, common_name: t.Optional[str] = None,
                 first_page: t.Optional[t.Mapping[str, t.Any]] = None) -> t.List[t.Dict[str, t.Any]]:
    """Every device certificate (with the server's CN prefix filter), by parallel offset windows."""
    items, _total = list_windows(client, fleet, certificates.PATH, certificates.ITEMS_KEY, [("common_name", common_name)], first_page)
    now = datetime.datetime.now(datetime.timezone.utc)
    return [certificates.device_certificate_record(item, now) for item in items]


def _listing_is_cheaper(first_page: t.Mapping[str, t.Any], targets: int) -> bool:
    count = (first_page.get("page") or {}).get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        return False
    return math.ceil(count / PAGE_SIZE) - 1 < targets


class Found(t.NamedTuple):
    records: t.List[t.Dict[str, t.Any]]
    not_found: t.List[str]
    failures: t.List[t.Dict[str, t.Any]]


def find_by_ids(client: t.Any, fleet: Fleet, ids: t.List[str]) -> Found:
    first = page_fetcher(client, certificates.PATH)(0, None)
    if _listing_is_cheaper(first, len(ids)):
        by_id = {record["certificate_id"]: record for record in list_records(client, fleet, first_page=first)}
        return Found([by_id[i] for i in ids if i in by_id], [i for i in ids if i not in by_id], [])
    records, not_found, failures = [], [], []
    for outcome in fleet.map(lambda certificate_id: certificates.get(client, certificate_id), ids):
        if outcome.error is not None:
            failures.append(failure_entry(outcome.item, outcome.error))
        elif outcome.value is None:
            not_found.append(outcome.item)
        else:
            outcome.value.pop(certificates.CONTENT_KEY, None)
            records.append(outcome.value)
    return Found(records, not_found, failures)


def find_by_fingerprints(client: t.Any, fleet: Fleet, fingerprints: t.List[str]) -> Found:
    sha256 = [value for value in fingerprints if len(value) == 64]
    by_fingerprint: t.Dict[str, t.List[t.Dict[str, t.Any]]] = {}
    failures = []
    queried = [value for value in fingerprints if len(value) != 64]
    if sha256:
        first = page_fetcher(client, certificates.PATH)(0, None)
        if _listing_is_cheaper(first, len(sha256)):
            wanted = set(sha256)
            for record in list_records(client, fleet, first_page=first):
                if record["fingerprint"] in wanted:
                    by_fingerprint.setdefault(record["fingerprint"], []).append(record)
        else:
            queried = fingerprints
    outcomes = fleet.map(lambda value: certificates.listing(client, fingerprint=value).records, queried)
    for outcome in outcomes:
        if outcome.error is not None:
            failures.append(failure_entry(outcome.item, outcome.error))
        else:
            by_fingerprint[outcome.item] = outcome.value
    records: t.List[t.Dict[str, t.Any]] = []
    seen: t.Set[str] = set()
    failed = {entry["target"] for entry in failures}
    not_found = [value for value in fingerprints if not by_fingerprint.get(value) and value not in failed]
    for value in fingerprints:
        for record in by_fingerprint.get(value, []):
            if record["certificate_id"] not in seen:
                seen.add(record["certificate_id"])
                records.append(record)
    return Found(records, not_found, failures)


def find_by_filters(client: t.Any, fleet: Fleet, filters: t.Mapping[str, t.Any], issuer: t.Any) -> Found:
    """The listing (server-side CN prefix), the cheap filters here, then the issuer on what is left."""
    records = list_records(client, fleet, common_name=filters.get("common_name_prefix"))
    records = [record for record in records if matches_filters(record, filters)]
    if issuer is None:
        return Found(records, [], [])
    checked = issued_by(client, fleet, records, issuer)
    return Found(checked.records, [], checked.failures)


def matches_filters(record: t.Mapping[str, t.Any], filters: t.Mapping[str, t.Any]) -> bool:
    """The filters that need no call: CN prefix (the server's is a prefix search too), status, expiry."""
    prefix = filters.get("common_name_prefix")
    if prefix and not (record.get("common_name") or "").startswith(prefix):
        return False
    if filters.get("status") and record.get("status") != filters["status"]:
        return False
    days = filters.get("expiring_within_days")
    if days is not None and (record.get("expires_in_days") is None or record["expires_in_days"] > days):
        return False
    return True


# -- the task --------------------------------------------------------------------------------------

def ensure(module: t.Any) -> t.Dict[str, t.Any]:
    """The fleet form of iotda_device_certificate; fails the module past ``max_failures``."""
    selection = selection_from_params(module.params)
    controls = run_controls(module.params)
    state = module.params.get("state") or "present"
    status = module.params.get("status")
    fleet = Fleet(module.client, controls)
    client = module.client
    if selection.option == "certificate_ids":
        found = find_by_ids(client, fleet, selection.ids)
    elif selection.option == "fingerprints":
        found = find_by_fingerprints(client, fleet, selection.fingerprints)
    else:
        found = find_by_filters(client, fleet, selection.filters, selection.issuer)

    def wanted(record: t.Dict[str, t.Any]) -> t.Optional[t.Dict[str, t.Any]]:
        """The record after the run; None when deleted; the same record when nothing is to do."""
        if state == "absent":
            return None
        if status and record["status"] != status:
            return dict(record, status=status)
        return record

    to_change = [record for record in found.records if wanted(record) != record]

    def write(record: t.Dict[str, t.Any]) -> bool:
        if state == "absent":
            return certificates.delete(client, record["certificate_id"])
        certificates.set_status(client, record["certificate_id"], status)
        return True

    failures = list(found.failures)
    changed: t.Set[str] = set()
    if module.check_mode:
        changed = {record["certificate_id"] for record in to_change}
    else:
        for outcome in fleet.map(write, to_change):
            if outcome.error is not None:
                failures.append(failure_entry(outcome.item["certificate_id"], outcome.error))
            elif outcome.value:
                changed.add(outcome.item["certificate_id"])
    failed = {entry["target"] for entry in failures}
    after: t.List[t.Dict[str, t.Any]] = []
    before_diff, after_diff = {}, {}
    for record in found.records:
        certificate_id = record["certificate_id"]
        if certificate_id in changed:
            new = wanted(record)
            before_diff[certificate_id] = record
            if new is not None:
                after_diff[certificate_id] = new
                after.append(new)
        elif not (state == "absent" and certificate_id not in failed):
            after.append(record)
    changed_ids = [record["certificate_id"] for record in found.records if record["certificate_id"] in changed]
    result, message = fleet_result(
        records=after, changed_ids=changed_ids, failures=failures, not_found=found.not_found,
        matched=len(found.records) + len(found.failures), seconds=fleet.seconds, requests=fleet.requests,
        max_failures=controls.max_failures, check_mode=module.check_mode,
    )
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": before_diff, "after": after_diff}
    if found.not_found and state != "absent" and message is None:
        message = "%d of the selected %s match no IoTDA device certificate: %s. %s" % (
            len(found.not_found), selection.option, ", ".join(found.not_found[:10]) + (" ..." if len(found.not_found) > 10 else ""),
            certificates.NOT_CREATABLE)
    if message is not None:
        module.fail_json(msg=message, **result)
    return result
