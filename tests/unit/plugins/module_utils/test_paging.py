# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paging edge cases: empty page, missing marker, last page exactly 50, max_results."""

from __future__ import annotations

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils._paging import collect_pages


class FakeList:
    """Serves ``n`` records newest first, like the platform (IDs descending, marker exclusive)."""

    def __init__(self, n, count=None, marker=True):
        self.ids = ["%024x" % (n - i) for i in range(n)]
        self.count = n if count is None else count
        self.marker = marker
        self.calls = []

    def __call__(self, limit, marker):
        self.calls.append((limit, marker))
        start = self.ids.index(marker) + 1 if marker else 0
        page = self.ids[start:start + limit]
        info = {"count": self.count}
        if self.marker and page:
            info["marker"] = page[-1]
        return {"items": [{"id": i} for i in page], "page": info}


@pytest.mark.parametrize("n, requests", [(0, 1), (1, 1), (49, 1), (50, 1), (51, 2), (100, 2), (1234, 25)])
def test_n_records_cost_ceil_n_over_50_requests(n, requests):
    fake = FakeList(n)
    result = collect_pages(fake, "items")
    assert len(result.items) == n and result.total == n and not result.truncated
    assert result.requests == requests == len(fake.calls)
    assert all(limit == 50 for limit, dummy in fake.calls)


def test_last_page_exactly_50_without_count_needs_one_empty_page():
    fake = FakeList(100, count="unknown")
    result = collect_pages(fake, "items")
    assert len(result.items) == 100 and result.requests == 3 and result.total == 100


def test_missing_marker_stops():
    fake = FakeList(120, marker=False)
    result = collect_pages(fake, "items")
    assert result.requests == 1 and len(result.items) == 50


def test_empty_page_stops():
    result = collect_pages(lambda limit, marker: {"items": [], "page": {"count": 0}}, "items")
    assert result.items == [] and result.total == 0 and result.requests == 1


def test_max_results_truncates_and_keeps_total():
    fake = FakeList(130)
    result = collect_pages(fake, "items", max_results=60)
    assert len(result.items) == 60 and result.total == 130 and result.truncated
    assert [limit for limit, dummy in fake.calls] == [50, 10]


def test_max_results_equal_to_total_is_not_truncated():
    result = collect_pages(FakeList(60), "items", max_results=60)
    assert len(result.items) == 60 and not result.truncated
