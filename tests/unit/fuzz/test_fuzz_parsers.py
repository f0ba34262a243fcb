# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzzing what reads the platforms' answers: random bytes and random JSON structures.

Whatever a server (or a proxy in front of it) sends, the parsers may only return a value or raise
the documented error (``ApiError``); anything else would reach the user as a traceback.
"""

from __future__ import annotations

import datetime
import json
import time

from hypothesis import example, given, strategies as st

from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_certificates as enos
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_ca_certificates as ca_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_device_certificates as device_certificates
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_reads as reads
from ansible_collections.iotpki.certificates.plugins.module_utils import _retry
from ansible_collections.iotpki.certificates.plugins.module_utils._enos_client import TOKEN_ATTEMPTS, EnosClient
from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import Response, describe_body
from ansible_collections.iotpki.certificates.plugins.module_utils._iotda_client import IotdaClient
from ansible_collections.iotpki.certificates.plugins.module_utils._x509_text import days_until, iso_utc, parse_iotda_date

NOW = datetime.datetime(2026, 1, 31, 12, 0, tzinfo=datetime.timezone.utc)

# JSON values as json.loads can produce them (including NaN and Infinity, which Python accepts).
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)

# Dicts that use the platforms' real keys, with values of any type.
ENOS_KEYS = ["certSN", "certSn", "certStatus", "subject", "issuer", "signDate", "effetiveDate", "effectiveDate", "expireDate",
             "revoker", "revokerReason", "revokeReason", "issueAuthority", "cert", "isEnosCert"]
IOTDA_KEYS = ["certificate_id", "common_name", "cn_name", "fingerprint", "status", "expiry_date", "effective_date", "owner",
              "verify_code", "provision_enable", "template_id", "ocsp_enable", "ocsp_ssl_enable", "ocsp_server_ca_id", "content"]
digit_text = st.text(alphabet="0123456789", min_size=1, max_size=20)
enos_records = st.dictionaries(st.sampled_from(ENOS_KEYS), json_values | digit_text, max_size=len(ENOS_KEYS))
iotda_records = st.dictionaries(st.sampled_from(IOTDA_KEYS), json_values | st.just("20300131T120000Z"), max_size=len(IOTDA_KEYS))

headers = st.fixed_dictionaries({}, optional={
    "Content-Type": st.sampled_from(["application/json", "text/html; charset=utf-8", "text/plain", ""]) | st.text(max_size=20),
    "X-Request-Id": st.text(max_size=40),
    "Retry-After": st.text(max_size=40),
})
json_bytes = json_values.map(lambda value: json.dumps(value).encode("utf-8"))
html_bytes = st.text(max_size=200).map(lambda text: ("<html><head><title>%s</title></head><body>%s</body></html>" % (text, text)).encode("utf-8"))
bodies = st.binary(max_size=300) | json_bytes | html_bytes


@given(st.integers(100, 599), headers, bodies)
@example(502, {"Content-Type": "text/html"}, b"<html><title>502 Bad Gateway</title></html>")
@example(200, {}, b"[" * 100000)  # nesting deeper than the JSON decoder's recursion limit
@example(500, {}, b'{"error_code": {"a": 1}, "error_msg": ["x"], "request_id": 7}')
def test_describe_body_always_describes(status, header_values, body):
    code, message, request_id = describe_body(Response(status, header_values, body))
    assert isinstance(message, str) and message
    assert len(message) < 600
    assert code is None or isinstance(code, (str, int, float, bool, list, dict))
    del request_id  # anything the server sent; only printed


@given(bodies)
@example(b"[" * 100000)
def test_response_json_raises_only_value_error(body):
    try:
        Response(200, {}, body).json()
    except ValueError:
        pass


@given(st.text(max_size=60) | st.none())
@example("Wed, 21 Oct 2015 07:28:00 GMT")
@example("Mon, 01 Jan 99999 00:00:00 GMT")
@example("99999999999999999999999")
@example("Wed, 21 Oct 2015 07:28:00 -0000")
@example("\u00b2")  # a digit for str.isdigit(), not for float()
def test_retry_after_is_seconds_or_none(value):
    seconds = _retry.parse_retry_after(value, now=1.7e9)
    assert seconds is None or seconds >= 0
    if seconds is not None:
        assert 0 <= _retry.wait_before_retry(1, seconds) <= _retry.RETRY_AFTER_CAP


@given(json_values | st.text(max_size=30))
@example("20300131T120000Z")
@example("99991231T235959Z")
@example(["20300131T120000Z"])
def test_iotda_dates_parse_or_none(value):
    parsed = parse_iotda_date(value)
    assert parsed is None or parsed.tzinfo is not None
    iso_utc(parsed)
    days_until(parsed, NOW)


@given(enos_records)
@example({"certSN": "1" * 5000})
@example({"certStatus": float("inf")})
@example({"certStatus": float("nan")})
@example({"revokerReason": "\u00b2"})  # a digit for str.isdigit(), not for int()
@example({"revokerReason": "1" * 5000})
@example({"expireDate": 1e300, "signDate": -1e300, "effetiveDate": "nan"})
def test_enos_record_never_raises(record):
    view = enos.enos_certificate_record(record, NOW)
    keys = {"cert_sn", "status", "subject", "issuer", "sign_date", "effective_date", "expire_date", "revoker",
            "revoke_reason", "issue_authority", "expires_in_days"}
    assert set(view) - {"certificate_pem"} == keys
    assert view["cert_sn"] is None or isinstance(view["cert_sn"], int)
    assert view["status"] in (None, "valid", "revoked", "expired")
    json.dumps(view)


@given(iotda_records)
@example({"expiry_date": ["x"], "fingerprint": 5, "status": 1})
@example({"effective_date": {}, "cn_name": [], "template_id": ""})
def test_iotda_records_never_raise(record):
    json.dumps(device_certificates.device_certificate_record(record, NOW, content=True))
    json.dumps(ca_certificates.ca_record(record, NOW, content=True))


class _FakeHttp:
    """Stands in for HttpClient: request_json answers with the next fuzzed body; what a Fleet attaches to."""

    base_url = "https://gateway.example"

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0
        self.limiter = None  # a fleet read attaches its rate limiter here

    def sleep(self, seconds):
        assert 0 <= seconds < 1

    def size_pool(self, connections):
        assert connections >= 1

    @property
    def request_count(self):
        return self.calls

    def request_json(self, method, path, query="", body=None, headers=None, sign=None, idempotent=None):
        self.calls += 1
        if sign is not None:
            sign(method, path, query, dict(headers or {}), body or b"")
        answer = self.answers.pop(0) if self.answers else {"code": 0, "data": []}
        return Response(200, {}, b"{}"), answer


ENOS_PARAMS = {"gateway_url": "https://gateway.example", "access_key": "ak", "secret_key": "enos-fuzz-secret", "org_id": "o1"}
envelopes = json_values | st.fixed_dictionaries({}, optional={
    "code": json_values | st.sampled_from([0, "0", 1203, "1203", 99400]),
    "status": json_values | st.sampled_from([0, 1203]),
    "msg": json_values,
    "requestId": json_values,
    "data": json_values | st.lists(enos_records, max_size=3),
})
token_answers = json_values | st.fixed_dictionaries({"status": st.sampled_from([0, "0", 1001, 1002]) | json_values}, optional={
    "data": json_values | st.fixed_dictionaries({}, optional={"accessToken": json_values | st.text(min_size=1, max_size=20)}),
    "msg": json_values,
})


@given(token_answers, envelopes, envelopes, token_answers, envelopes)
@example({"status": 0, "data": {"accessToken": 12345}}, {"code": 0, "data": []}, {}, {}, {})
@example({"status": 0, "data": {"accessToken": ["APIM"]}}, {"code": 0, "data": []}, {}, {}, {})
@example({"status": 1001, "msg": "replayed"}, {"status": 1001}, {"status": 0, "data": {"accessToken": "APIM"}}, {}, {})
def test_enos_envelope_only_api_error(token, first, second, token_again, third):
    client = EnosClient(ENOS_PARAMS)
    client.http = _FakeHttp([token, first, token_again, second, third])
    try:
        data = client.certificates("list", [("assetId", "a1")])
    except ApiError as error:
        assert "enos-fuzz-secret" not in str(error)
        json.dumps(error.to_dict(), default=str)
    else:
        enos.list_certificates(_Canned(data), [("assetId", "a1")])
    assert client.http.calls <= 2 * TOKEN_ATTEMPTS + 2  # tokens (replays asked again), call, one new token, one repeat


class _Canned:
    def __init__(self, data):
        self.data = data

    def certificates(self, action, device_query, body=None):
        return self.data


IOTDA_PARAMS = {"endpoint": "https://iotda.example", "project_id": "p1", "region": "cn-north-4", "access_key": "AK",
                "secret_key": "iotda-fuzz-secret", "signing": "derived", "validate_certs": True, "timeout": 5.0, "retries": 0}
pages = json_values | st.fixed_dictionaries({}, optional={
    "device_certificates": json_values | st.lists(iotda_records, max_size=4),
    "page": json_values | st.fixed_dictionaries({}, optional={
        "count": json_values | st.integers(-5, 200),
        "marker": json_values | st.text(alphabet="0123456789abcdef", min_size=1, max_size=24),
    }),
})


@given(st.lists(pages, min_size=1, max_size=4), st.none() | st.integers(1, 120))
@example([[1, 2]], None)
@example([{"device_certificates": {"a": 1}}], None)
@example([{"device_certificates": ["x", 1]}], None)
@example([{"device_certificates": [{}], "page": []}], 5)
@example([{"device_certificates": [{}] * 50, "page": {"count": True, "marker": {"m": 1}}}], None)
def test_iotda_paging_only_api_error(answers, max_results):
    client = IotdaClient(IOTDA_PARAMS)
    fake = _FakeHttp(answers + [{"device_certificates": []}] * 3)
    client.http = fake
    try:
        result = client.list_all("/device-certificates", "device_certificates", [("common_name", "dev")], max_results)
    except ApiError as error:
        assert "iotda-fuzz-secret" not in str(error)
        return
    assert all(isinstance(item, dict) for item in result.items)
    assert max_results is None or len(result.items) <= max_results
    assert result.total is None or isinstance(result.total, int)
    for item in result.items:
        json.dumps(device_certificates.device_certificate_record(item))


# Records as the read helper needs them: the platform always sends a certificate_id (its contract);
# every other field may be anything.
identified_records = st.tuples(st.text(alphabet="0123456789abcdef", min_size=24, max_size=24), iotda_records).map(
    lambda pair: dict(pair[1], certificate_id=pair[0]))
read_pages = json_values | st.fixed_dictionaries({}, optional={
    "device_certificates": json_values | st.lists(identified_records, max_size=3),
    "page": json_values | st.fixed_dictionaries({}, optional={"count": json_values, "marker": json_values}),
})


@given(st.lists(read_pages, min_size=1, max_size=3))
def test_iotda_read_only_api_error(answers):
    """The info module's and the lookup's read, on fuzzed list answers and show answers."""
    client = IotdaClient(IOTDA_PARAMS)
    client.http = _FakeHttp(answers + [{}] * 60)
    query = reads.read_query([], kind="device", include_content=True, expiring_within_days=30)
    try:
        result = reads.read(client, query, now=NOW)
    except ApiError:
        return
    json.dumps(result.result())


def test_large_pathological_html_is_summarised_quickly():
    """Unclosed tags and titles used to make the summary regexes quadratic (minutes for half a megabyte)."""
    started = time.monotonic()
    for body in (b"<title>" * 100000, b"<" * 1000000, b"<title x>" * 50000 + b"<title>Gateway</title>"):
        code, message, _request_id = describe_body(Response(502, {"Content-Type": "text/html"}, body))
        assert code is None and message.startswith("non-JSON body (text/html)")
    assert time.monotonic() - started < 5
