# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IoTDA client: connection checks before any request, advice on authentication failures, paths
never built from a missing value, answers that carry their request id."""

from __future__ import annotations

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, IncompleteListing, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import Response
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient, path_param

PARAMS = {"endpoint": "https://iotda.cn-north-4.myhuaweicloud.com", "project_id": "p1", "access_key": "AK1",
          "secret_key": "very-secret", "signing": "auto", "timeout": 30.0, "retries": 0, "validate_certs": True}


class StubHttp:
    """Answers in order: a (status, headers, body) tuple, or an exception to raise."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []
        self.base_url = "https://iotda.cn-north-4.myhuaweicloud.com"

    def request_json(self, method, path, query="", body=None, headers=None, sign=None, idempotent=None):
        self.calls.append((method, path, query))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Response(200, {"X-Request-Id": "req-%d" % len(self.calls)}, b""), answer


def make(answers, **params):
    client = IotdaClient(dict(PARAMS, **params))
    client.http = StubHttp(answers)
    return client


@pytest.mark.parametrize("value", [None, "", "  ", {"a": 1}, True])
def test_path_param_refuses_a_missing_value_naming_the_field(value):
    with pytest.raises(InputError, match="certificate_id is missing or empty"):
        path_param(value, "certificate_id")


def test_path_param_encodes_like_the_sdk():
    assert path_param("dc:1") == "dc%3A1" and path_param(7) == "7"


@pytest.mark.parametrize("params, text", [
    ({"project_id": ""}, "missing required option: project_id (or IOTDA_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID)"),
    ({"timeout": -1.0}, "timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0, got -1.0"),
    ({"timeout": 0.0}, "timeout (or IOTDA_TIMEOUT) must be a number of seconds greater than 0, got 0.0"),
    ({"retries": -1}, "retries (or IOTDA_RETRIES) must be a whole number from 0 to 100, got -1"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path (or IOTDA_CA_PATH): /nonexistent/ca.pem does not exist"),
    ({"secret_key": None}, "set access_key (or IOTDA_ACCESS_KEY / HUAWEICLOUD_SDK_AK) and secret_key (or IOTDA_SECRET_KEY / HUAWEICLOUD_SDK_SK)"),
])
def test_bad_connection_options_fail_in_the_constructor(params, text):
    with pytest.raises(InputError) as caught:
        IotdaClient(dict(PARAMS, **params))
    assert text in str(caught.value)


def _unauthorized(code, message):
    return ApiError("IoTDA", "GET", "https://h/v5/iot/p1/certificates", message, http_status=401, code=code, request_id="r-401")


def test_401_names_the_credentials_signing_and_region():
    client = make([_unauthorized("APIGW.0301", "Incorrect IAM authentication information")], endpoint="https://x.st1.iotda-app.cn-north-4.myhuaweicloud.com")
    with pytest.raises(ApiError) as caught:
        client.get("/certificates")
    message = str(caught.value)
    for setting in ("secret_key (or IOTDA_SECRET_KEY / HUAWEICLOUD_SDK_SK)", "access_key (or IOTDA_ACCESS_KEY", "signing (or IOTDA_SIGNING)",
                    "region (or IOTDA_REGION / HUAWEICLOUD_SDK_REGION)", "cn-north-4", "clock"):
        assert setting in message
    assert caught.value.request_id == "r-401" and caught.value.http_status == 401 and "very-secret" not in message


def test_a_signature_time_off_names_the_clock():
    client = make([_unauthorized("APIGW.0303", "Incorrect authentication information: the request has expired")])
    with pytest.raises(ApiError, match="more than 15 minutes off: check the clock of the controller"):
        client.get("/certificates")


def test_other_failures_are_unchanged():
    error = ApiError("IoTDA", "GET", "https://h/x", "busy", http_status=503, code="IOTDA.000005")
    with pytest.raises(ApiError) as caught:
        make([error]).get("/certificates")
    assert caught.value is error


def test_answers_and_listed_items_carry_their_request_id():
    client = make([{"certificate_id": "c1"}, {"certificates": [{"certificate_id": "c2"}], "page": {"count": 1}}])
    assert client.get("/certificates/c1").request_id == "req-1"
    assert client.list_all("/certificates", "certificates").items[0].request_id == "req-2"


def test_list_all_fails_on_a_pager_that_does_not_move():
    page = {"certificates": [{"certificate_id": "%024x" % i} for i in range(50)], "page": {"count": 150, "marker": "%024x" % 0}}
    client = make([page, page, page])
    with pytest.raises(IncompleteListing) as caught:
        client.list_all("/certificates", "certificates")
    assert len(client.http.calls) == 2 and caught.value.request_id == "req-2"
    assert caught.value.url == "https://iotda.cn-north-4.myhuaweicloud.com/v5/iot/p1/certificates"
