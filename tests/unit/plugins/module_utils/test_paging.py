# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paging edge cases: empty page, missing marker, last page exactly 50, max_results."""

from __future__ import annotations

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, IncompleteListing
from ansible_collections.iotpki.certificates.plugins.module_utils._http import Answer
from ansible_collections.iotpki.certificates.plugins.module_utils._paging import ListingSource, collect_pages


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


def test_missing_marker_on_the_last_full_page_completes():
    fake = FakeList(50, marker=False)
    result = collect_pages(fake, "items", "id")
    assert result.requests == 1 and len(result.items) == 50 and not result.truncated


def test_missing_marker_while_count_says_more_is_an_incomplete_listing():
    fake = FakeList(120, marker=False)
    with pytest.raises(IncompleteListing) as caught:
        collect_pages(fake, "items", "id", source=ListingSource("IoTDA", "GET", "https://h/v5/iot/p/certificates"))
    error = caught.value
    assert isinstance(error, ApiError) and error.to_dict()["url"] == "https://h/v5/iot/p/certificates"
    assert (error.read, error.unique, error.total) == (50, 50, 120) and len(fake.calls) == 1
    assert "no page.marker" in str(error) and "50 records read of the 120" in str(error) and "retry later" in str(error)


class StuckPager:
    """The pager of the issue: ``page.marker`` never moves, the same 50 records come back each time."""

    def __init__(self, count=150, request_id="req-stuck"):
        self.count = count
        self.request_id = request_id
        self.markers = []

    def __call__(self, limit, marker):
        self.markers.append(marker)
        page = Answer({"items": [{"id": "%024x" % i} for i in range(limit)], "page": {"count": self.count, "marker": "%024x" % 1}},
                      self.request_id)
        return page


def test_a_marker_that_does_not_move_is_never_sent_twice():
    pager = StuckPager()
    with pytest.raises(IncompleteListing) as caught:
        collect_pages(pager, "items", "id")
    assert pager.markers == [None, "%024x" % 1]  # the repeated marker was not followed
    error = caught.value
    assert error.request_id == "req-stuck" and error.read == 100 and error.unique == 50 and error.total == 150
    assert "already followed" in error.message and "50 unique" in error.message and "request id req-stuck" in str(error)


def test_markers_that_cycle_are_caught():
    pages = {None: ("a", range(0, 50)), "a": ("b", range(50, 100)), "b": ("a", range(100, 150))}

    def fetch(limit, marker):
        nxt, ids = pages[marker]
        return {"items": [{"id": i} for i in ids], "page": {"count": 500, "marker": nxt}}

    with pytest.raises(IncompleteListing, match="page 3 gave page.marker a"):
        collect_pages(fetch, "items", "id")


def test_records_repeated_across_pages_are_kept_once():
    pages = {None: ("m1", list(range(0, 50))), "m1": ("m2", list(range(25, 75)))}

    def fetch(limit, marker):
        nxt, ids = pages[marker]
        return {"items": [{"id": i} for i in ids], "page": {"count": 75, "marker": nxt}}

    result = collect_pages(fetch, "items", "id")
    assert [item["id"] for item in result.items] == list(range(75)) and result.total == 75 and not result.truncated


def test_a_full_page_of_records_already_listed_stops():
    pages = {None: ("m1", list(range(50))), "m1": ("m2", list(range(50)))}

    def fetch(limit, marker):
        nxt, ids = pages[marker]
        return {"items": [{"id": i} for i in ids], "page": {"count": 200, "marker": nxt}}

    with pytest.raises(IncompleteListing, match="page 2 repeated only records already listed"):
        collect_pages(fetch, "items", "id")


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
