# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Marker paging of the IoTDA list calls, independent of HTTP so that it can be unit-tested.

Paging stops at the first page shorter than the limit, at an empty page, or once the distinct
records gathered reach ``page.count``: N records cost ceil(N/50) list requests. ``max_results``
stops early and marks the result truncated.

A platform's pager cannot make a listing repeat or silently lose records: records are
de-duplicated by ID, the same marker is never sent twice, and a listing that cannot be completed
raises ``IncompleteListing`` (an ``ApiError``) instead of returning a partial list:

- the platform answers with a ``page.marker`` it already gave (the pager would loop);
- a full page without ``page.marker`` while ``page.count`` says there are more records (or no
  count at all), so the next page cannot be asked for;
- a full page of records already listed.

So the info module and the lookup fail on an incomplete listing (never ``truncated: false`` with
repeats), and a write module never decides "not there yet" from a partial list.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import IncompleteListing

PAGE_SIZE = 50  # the API maximum

# fetch(limit, marker) -> the decoded page: {"<items_key>": [...], "page": {"count": N, "marker": "..."}}.
# A page with a ``request_id`` attribute (the HTTP client's Answer) names it in IncompleteListing.
PageFetcher = t.Callable[[int, t.Optional[str]], t.Mapping[str, t.Any]]


class PageResult:
    """Distinct records of every page, the platform's total, and whether ``max_results`` cut the list."""

    def __init__(self, items: t.List[t.Dict[str, t.Any]], total: t.Optional[int], truncated: bool, requests: int) -> None:
        self.items = items
        self.total = total
        self.truncated = truncated
        self.requests = requests


class ListingSource(t.NamedTuple):
    """Where a listing comes from, for the message of an IncompleteListing."""

    platform: str = "IoTDA"
    method: str = "GET"
    url: str = ""


def _count(info: t.Mapping[str, t.Any]) -> t.Optional[int]:
    count = info.get("count")
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None


def collect_pages(
    fetch: PageFetcher,
    items_key: str,
    id_key: t.Optional[str] = None,
    max_results: t.Optional[int] = None,
    page_size: int = PAGE_SIZE,
    source: ListingSource = ListingSource(),
) -> PageResult:
    """Follow ``page.marker`` from the newest record until the list is complete (see the module doc).

    ``id_key`` names the records' ID field for de-duplication (records without one are all kept).
    """
    items: t.List[t.Dict[str, t.Any]] = []
    seen_ids: t.Set[t.Any] = set()
    used_markers: t.Set[str] = set()
    total: t.Optional[int] = None
    marker: t.Optional[str] = None
    read = requests = 0
    while True:
        limit = page_size
        if max_results is not None:
            limit = max(1, min(page_size, max_results - len(items)))
        page = fetch(limit, marker) or {}
        requests += 1
        records = list(page.get(items_key) or [])
        info = page.get("page") or {}
        total = _count(info) if _count(info) is not None else total
        read += len(records)
        fresh = 0
        for record in records:
            key = record.get(id_key) if id_key else None
            if isinstance(key, (str, int)):
                if key in seen_ids:
                    continue
                seen_ids.add(key)
            items.append(record)
            fresh += 1

        def incomplete(problem: str) -> IncompleteListing:
            return IncompleteListing(source.platform, source.method, source.url, problem, read, len(items), total,
                                     request_id=getattr(page, "request_id", None))

        if max_results is not None and len(items) >= max_results:
            more = len(items) > max_results or (total is not None and total > max_results) or (total is None and len(records) == limit)
            return PageResult(items[:max_results], total, more, requests)
        if len(records) < limit or (total is not None and len(items) >= total):
            return PageResult(items, total if total is not None else len(items), False, requests)
        next_marker = info.get("marker")
        if isinstance(next_marker, int) and not isinstance(next_marker, bool):
            next_marker = str(next_marker)
        if isinstance(next_marker, str) and next_marker in used_markers:
            raise incomplete("page %d gave page.marker %s, which the pager had already followed" % (requests, next_marker[:64]))
        if not fresh:
            raise incomplete("page %d repeated only records already listed" % requests)
        if not isinstance(next_marker, str) or not next_marker:
            expected = "page.count says %d" % total if total is not None else "there is no page.count"
            raise incomplete("page %d was full but had no page.marker to ask for the next one, and %s" % (requests, expected))
        used_markers.add(next_marker)
        marker = next_marker
