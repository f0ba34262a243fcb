# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Marker paging of the IoTDA list calls, independent of HTTP so that it can be unit-tested.

Paging stops at the first page shorter than the limit, at an empty page or a missing
``page.marker``, or once the records gathered reach ``page.count``: N records cost ceil(N/50)
list requests. ``max_results`` stops early and marks the result truncated.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import typing as t

PAGE_SIZE = 50  # the API maximum

# fetch(limit, marker) -> the decoded page: {"<items_key>": [...], "page": {"count": N, "marker": "..."}}
PageFetcher = t.Callable[[int, t.Optional[str]], t.Mapping[str, t.Any]]


class PageResult:
    """Records of every page, the platform's total, and whether ``max_results`` cut the list."""

    def __init__(self, items: t.List[t.Dict[str, t.Any]], total: t.Optional[int], truncated: bool, requests: int) -> None:
        self.items = items
        self.total = total
        self.truncated = truncated
        self.requests = requests


def collect_pages(fetch: PageFetcher, items_key: str, max_results: t.Optional[int] = None, page_size: int = PAGE_SIZE) -> PageResult:
    """Follow ``page.marker`` from the newest record until the list is complete."""
    items: t.List[t.Dict[str, t.Any]] = []
    total: t.Optional[int] = None
    marker: t.Optional[str] = None
    requests = 0
    while True:
        limit = page_size
        if max_results is not None:
            limit = max(1, min(page_size, max_results - len(items)))
        page = fetch(limit, marker) or {}
        requests += 1
        records = list(page.get(items_key) or [])
        info = page.get("page") or {}
        if total is None and isinstance(info.get("count"), int):
            total = info["count"]
        items.extend(records)
        if max_results is not None and len(items) >= max_results:
            more = len(items) > max_results or (total is not None and total > max_results) or (total is None and len(records) == limit)
            return PageResult(items[:max_results], total, more, requests)
        marker = info.get("marker")
        if len(records) < limit or not records or not marker or (total is not None and len(items) >= total):
            return PageResult(items, total if total is not None else len(items), False, requests)
