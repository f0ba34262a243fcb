# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regression tests of bugs the reliability suite found outside the fuzz runs (load, fault matrix)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import TOKEN_ATTEMPTS, EnosClient
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import Response

PARAMS = {"gateway_url": "https://gateway.example", "access_key": "ak", "secret_key": "app-secret", "org_id": "o1"}
REPLAYED = {"status": 1001, "msg": "repeated request: this encryption was already used", "data": None}
TOKEN = {"status": 0, "msg": "SUCCESS", "data": {"accessToken": "APIM" + "1" * 40, "expire": 7200}}


class TokenService:
    """Answers token requests from a script; records the timestamps it was sent."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.stamps = []
        self.sleeps = []
        self.base_url = PARAMS["gateway_url"]

    def request_json(self, method, path, query="", body=None, headers=None, sign=None, idempotent=None):
        self.stamps.append(json.loads(body)["timestamp"])
        return Response(200, {}, b"{}"), self.answers.pop(0)

    def sleep(self, seconds):
        self.sleeps.append(seconds)


def test_a_replayed_token_request_is_asked_again_with_a_fresh_timestamp(monkeypatch):
    """Found by the load test: 100 runs at 20 forks, two of them in one millisecond got 1001 and failed."""
    clock = iter(range(1700000000000, 1700000000100))
    monkeypatch.setattr("ansible_collections.iotpki.certificates.plugins.module_utils._enos_signer.timestamp_ms", lambda now=None: next(clock))
    client = EnosClient(PARAMS)
    client.http = TokenService([REPLAYED, REPLAYED, TOKEN])
    assert client.token() == TOKEN["data"]["accessToken"]
    assert client.token_requests == 3 and len(set(client.http.stamps)) == 3
    assert len(client.http.sleeps) == 2 and all(0 < s < 0.1 for s in client.http.sleeps)


def test_a_token_service_that_keeps_saying_replayed_fails_clearly():
    client = EnosClient(PARAMS)
    client.http = TokenService([REPLAYED] * TOKEN_ATTEMPTS)
    with pytest.raises(ApiError) as caught:
        client.token()
    assert caught.value.code == 1001 and "cannot get an access token" in str(caught.value)
    assert client.token_requests == TOKEN_ATTEMPTS
