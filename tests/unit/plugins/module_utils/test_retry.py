# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retry decisions: which status, which method, Retry-After forms, the cap."""

from __future__ import annotations

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils import _retry


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_for_reads(status):
    assert _retry.should_retry(True, status=status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501])
def test_client_errors_are_final(status):
    assert not _retry.should_retry(True, status=status)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_writes_are_not_retried_after_an_answer(status):
    assert not _retry.should_retry(False, status=status)


def test_writes_are_retried_only_when_never_sent():
    assert _retry.should_retry(False, failure=_retry.CONNECT_ERROR)
    assert not _retry.should_retry(False, failure=_retry.SEND_ERROR)
    assert _retry.should_retry(True, failure=_retry.SEND_ERROR)


def test_retry_after_seconds_and_http_date():
    assert _retry.parse_retry_after("2") == 2.0
    assert _retry.parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == pytest.approx(10.0)
    assert _retry.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412500.0) == 0.0
    assert _retry.parse_retry_after("soon") is None
    assert _retry.parse_retry_after("") is None
    assert _retry.parse_retry_after(None) is None


def test_retry_after_is_a_minimum_and_capped():
    assert _retry.wait_before_retry(1, 5.0, rand=lambda: 0.0) == 5.0
    assert _retry.wait_before_retry(1, 3600.0, rand=lambda: 0.0) == _retry.RETRY_AFTER_CAP
    assert _retry.wait_before_retry(1, None, rand=lambda: 1.0) == _retry.BACKOFF_BASE


def test_backoff_grows_with_jitter_and_is_bounded():
    assert _retry.backoff_delay(1, rand=lambda: 0.0) == _retry.BACKOFF_BASE / 2
    assert _retry.backoff_delay(3, rand=lambda: 1.0) == _retry.BACKOFF_BASE * 4
    assert _retry.backoff_delay(30, rand=lambda: 1.0) == _retry.BACKOFF_CAP
