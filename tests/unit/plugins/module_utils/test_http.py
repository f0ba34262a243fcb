# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared client against a scripted local HTTP server: retries, the error shape, no secrets."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import Answer, HttpClient


class Script:
    """Answers to give, in order; the last one repeats."""

    def __init__(self):
        self.answers = []
        self.seen = []


def make_handler(script):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append((self.command, self.path, dict(self.headers), body))
            status, headers, payload = script.answers[min(len(script.seen), len(script.answers)) - 1]
            if status == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

    return Handler


@pytest.fixture
def server():
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(script))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    script.url = "http://127.0.0.1:%d" % httpd.server_address[1]
    yield script
    httpd.shutdown()
    httpd.server_close()


def client(url, retries=3, warnings=None):
    return HttpClient("IoTDA", url, retries=retries, timeout=2, warn=(warnings.append if warnings is not None else None), sleep=lambda s: None)


def test_get_retries_503_then_succeeds(server):
    server.answers = [(503, {}, {"error_code": "IOTDA.000500", "error_msg": "busy"}), (200, {}, {"ok": True})]
    warnings = []
    dummy, data = client(server.url, warnings=warnings).request_json("GET", "/v5/x")
    assert data == {"ok": True} and len(server.seen) == 2
    assert "HTTP 503" in warnings[0] and "retry 1 of 3" in warnings[0]


def test_post_is_not_retried_after_an_answer(server):
    server.answers = [(500, {"X-Request-Id": "r-1"}, {"error_code": "IOTDA.000500", "error_msg": "Internal error"})]
    with pytest.raises(ApiError) as info:
        client(server.url).request("POST", "/v5/iot/p/certificates", body=b"{}")
    assert len(server.seen) == 1
    err = info.value.to_dict()
    assert err == {
        "platform": "IoTDA", "method": "POST", "url": server.url + "/v5/iot/p/certificates", "http_status": 500,
        "code": "IOTDA.000500", "message": "Internal error", "request_id": "r-1", "retryable": True,
    }
    assert str(info.value) == "IoTDA POST /v5/iot/p/certificates failed: HTTP 500, IOTDA.000500: Internal error (request id r-1)"


def test_retries_are_bounded(server):
    server.answers = [(503, {}, {"error_code": "X", "error_msg": "busy"})]
    with pytest.raises(ApiError) as info:
        client(server.url, retries=2).request("GET", "/a")
    assert len(server.seen) == 3 and info.value.attempts == 3 and "after 3 attempts" in str(info.value)


def test_apig_error_body_with_request_id_in_body(server):
    server.answers = [(401, {}, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information", "request_id": "abc"})]
    with pytest.raises(ApiError) as info:
        client(server.url).request("GET", "/a")
    assert (info.value.code, info.value.request_id, info.value.retryable) == ("APIGW.0301", "abc", False)


def test_html_error_page(server):
    server.answers = [(404, {"Content-Type": "text/html"}, b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>")]
    with pytest.raises(ApiError) as info:
        client(server.url).request("GET", "/a")
    assert info.value.message == "non-JSON body (text/html): 404 Not Found"


def test_malformed_json_on_success_is_an_api_error(server):
    server.answers = [(200, {"Content-Type": "application/json"}, b"{not json")]
    with pytest.raises(ApiError) as info:
        client(server.url).request_json("GET", "/a")
    assert info.value.http_status == 200 and "not valid JSON" in info.value.message


def test_enos_envelope_error_fields(server):
    server.answers = [(500, {}, {"code": 99500, "msg": " Internal Server Error", "requestId": "rq-9", "data": None})]
    with pytest.raises(ApiError) as info:
        client(server.url, retries=0).request("GET", "/a")
    assert (info.value.code, info.value.message, info.value.request_id) == (99500, "Internal Server Error", "rq-9")


def test_dropped_connection_retries_reads_but_not_writes(server):
    server.answers = [("drop", {}, b""), (200, {}, {"ok": 1})]
    dummy, data = client(server.url).request_json("GET", "/a")
    assert data == {"ok": 1}
    server.seen.clear()
    server.answers = [("drop", {}, b"")]
    with pytest.raises(ApiError) as info:
        client(server.url).request("POST", "/a", body=b"{}")
    assert len(server.seen) == 1 and info.value.http_status is None and "connection lost" in info.value.message


def test_connection_refused_is_retried_even_for_post():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    warnings = []
    with pytest.raises(ApiError) as info:
        client("http://127.0.0.1:%d" % port, retries=2, warnings=warnings).request("POST", "/a", body=b"{}")
    assert len(warnings) == 2 and info.value.attempts == 3 and "cannot connect" in info.value.message


def test_signer_runs_per_attempt_and_host_includes_port(server):
    server.answers = [(503, {}, {}), (200, {}, {})]
    calls = []

    def sign(method, path, query, headers, body):
        calls.append((method, path, query, headers["Host"], body))
        return {"Authorization": "sig-%d" % len(calls)}

    client(server.url).request("GET", "/v5/x", query="a=1", sign=sign)
    assert len(calls) == 2 and calls[0][1:4] == ("/v5/x", "a=1", server.url.split("//")[1])
    assert [seen[2]["Authorization"] for seen in server.seen] == ["sig-1", "sig-2"]


def _failure(url, **params):
    http = HttpClient.from_params("IoTDA", url, dict({"retries": 0, "timeout": 2}, **params), url_option="endpoint (or IOTDA_ENDPOINT)")
    with pytest.raises(ApiError) as info:
        http.request("GET", "/v5/x")
    return str(info.value)


@pytest.mark.parametrize("validate_certs", [True, False])
def test_https_on_a_plain_http_port_is_a_protocol_mismatch(server, validate_certs):
    server.answers = [(200, {}, {})]
    message = _failure(server.url.replace("http://", "https://"), validate_certs=validate_certs)
    assert "did not answer in TLS" in message and "plain-HTTP port" in message and "http:// in endpoint (or IOTDA_ENDPOINT)" in message
    assert "validate_certs" not in message and "verification failed" not in message


def test_no_scheme_on_a_plain_http_port_says_https_was_assumed(server):
    server.answers = [(200, {}, {})]
    message = _failure(server.url.replace("http://", ""))
    assert "no scheme was given, so https:// was assumed" in message and "validate_certs" not in message


def test_dns_failure_keeps_its_reason():
    name = ".".join(["iotpki-" + "x" * 50] * 3) + ".invalid"  # a message of over 160 characters before the reason
    message = _failure("https://%s" % name)
    assert "cannot resolve the host name of endpoint (or IOTDA_ENDPOINT)" in message
    assert message.rstrip(")").endswith(("Name or service not known", "not known", "Temporary failure in name resolution")) or "Errno" in message


def test_timeouts_are_reported_as_given():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        message = _failure("http://127.0.0.1:%d" % listener.getsockname()[1], timeout=0.3)
    finally:
        listener.close()
    assert "no answer within 0.3 s" in message


def test_answer_keeps_its_request_id():
    answer = Answer({"a": 1}, "req-9")
    assert answer == {"a": 1} and answer.request_id == "req-9" and json.loads(json.dumps(answer)) == {"a": 1}
