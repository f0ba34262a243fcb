# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Token reuse, one re-fetch on an expired token, business errors in HTTP 200 (HTTP layer stubbed)."""

from __future__ import annotations

import re

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import EnosClient, device_query
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import Response

PARAMS = {"gateway_url": "https://gw.example", "access_key": "ak", "secret_key": "very-secret", "org_id": "o1", "retries": 0}


class StubHttp:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []
        self.base_url = "https://gw.example"

    def request_json(self, method, path, query="", body=None, headers=None, sign=None, idempotent=None):
        signed = sign(method, path, query, headers or {}, body or b"") if sign else {}
        self.calls.append((method, path, query, signed))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Response(200, {}, b""), answer


def make(answers):
    client = EnosClient(PARAMS)
    client.http = StubHttp(answers)
    return client


TOKEN = {"status": 0, "msg": "SUCCESS", "data": {"accessToken": "tok-1", "expire": 7200}}
OK_LIST = {"code": 0, "msg": "OK", "requestId": "r1", "data": []}


def test_token_is_fetched_once_per_client():
    client = make([TOKEN, OK_LIST, OK_LIST])
    client.certificates("list", [("assetId", "a1")])
    client.certificates("list", [("assetId", "a1")])
    assert [call[1] for call in client.http.calls].count("/apim-token-service/v2.0/token/get") == 1
    assert client.http.calls[1][3]["apim-accesstoken"] == "tok-1"


def test_expired_token_in_http_200_fetches_one_new_token_and_retries_once():
    expired = {"code": 1203, "msg": "access token expired"}
    token2 = {"status": 0, "data": {"accessToken": "tok-2", "expire": 7200}}
    client = make([TOKEN, expired, token2, OK_LIST])
    assert client.certificates("list", [("assetId", "a1")]) == []
    assert client.http.calls[-1][3]["apim-accesstoken"] == "tok-2" and client.token_requests == 2


def test_expired_twice_fails_instead_of_looping():
    expired = {"code": 1203, "msg": "access token expired", "requestId": "x"}
    client = make([TOKEN, expired, TOKEN, expired])
    with pytest.raises(ApiError) as info:
        client.certificates("list", [("assetId", "a1")])
    assert info.value.code == 1203 and len(client.http.calls) == 4


def test_http_401_triggers_one_new_token():
    unauthorized = ApiError("EnOS", "GET", "https://gw.example/x", "unauthorized", http_status=401)
    client = make([TOKEN, unauthorized, TOKEN, OK_LIST])
    assert client.certificates("list", [("assetId", "a1")]) == []


def test_business_error_in_http_200():
    client = make([TOKEN, {"code": 11404, "msg": "device cannot be found", "requestId": "rq", "data": None}])
    with pytest.raises(ApiError) as info:
        client.certificates("revoke", [("assetId", "nope")], {"certSn": 1, "reason": 0})
    err = info.value
    assert (err.http_status, err.code, err.request_id, err.method) == (200, 11404, "rq", "POST")
    assert "very-secret" not in str(err) and "tok-1" not in str(err)


def test_token_service_refusal():
    client = make([{"status": 1002, "msg": "appKey does not exist"}])
    with pytest.raises(ApiError) as info:
        client.token()
    assert info.value.code == 1002 and "appKey does not exist" in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"asset_id": "a", "product_key": "p"}, {"product_key": "p"}, {"device_key": "d"}],
)
def test_device_selection_is_exactly_one_way(kwargs):
    with pytest.raises(InputError):
        device_query(**kwargs)


def test_wrong_secret_names_the_settings_to_check():
    client = make([{"status": 1003, "msg": "encryption is invalid"}])
    with pytest.raises(ApiError) as info:
        client.token()
    message = str(info.value)
    assert "encryption is invalid" in message and "secret_key (or ENOS_SECRET_KEY)" in message
    assert "access_key (or ENOS_ACCESS_KEY)" in message and "clock" in message and "very-secret" not in message


def test_a_timestamp_outside_the_skew_names_the_clock():
    skew = {"code": 1004, "msg": "invalid parameter: apim-timestamp is missing, malformed or outside the allowed clock skew"}
    client = make([TOKEN, skew])
    with pytest.raises(ApiError, match="check the clock of the controller"):
        client.certificates("list", [("assetId", "a1")])


@pytest.mark.parametrize("params, text", [
    ({"org_id": ""}, "missing required option: org_id (or ENOS_ORG_ID)"),
    ({"timeout": -1.0}, "timeout (or ENOS_TIMEOUT) must be a number of seconds greater than 0"),
    ({"retries": -1}, "retries (or ENOS_RETRIES) must be a whole number"),
    ({"gateway_url": "gw example"}, "gateway_url (or ENOS_GATEWAY_URL) must not contain spaces"),
])
def test_bad_connection_options_fail_before_any_request(params, text):
    with pytest.raises(InputError, match=re.escape(text)):
        EnosClient(dict(PARAMS, **params))
