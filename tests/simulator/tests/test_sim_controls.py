"""Test controls: reset, request log, config, state, seeding validation, faults of every kind."""

from __future__ import annotations

import http.client
import json
import time

import pytest
from sim_helpers import ENOS_SECRET, IOTDA_TOKEN, Client


def test_reset_clears_everything(client, enos):
    """Data, tokens, faults, log and config overrides go back to startup."""
    client.control("POST", "/iotda/device-certificates", {"generate": {"count": 2}})
    client.control("POST", "/enos/devices", {"devices": [{"asset_id": "x1"}]})
    client.control("POST", "/config", {"iotda_mode": "basic"})
    token = enos.get_token().json["data"]["accessToken"]
    client.control("POST", "/faults", {"status": 500, "count": 5})
    assert client.control("POST", "/reset").json == {"reset": True}
    state = client.control("GET", "/state").json
    assert state["iotda"] == {"ca_certificates": [], "device_certificates": [], "devices": []}
    assert state["enos"] == {"devices": [], "certificates": [], "tokens_issued": 0}
    assert client.control("GET", "/config").json["iotda_mode"] == "instance"
    assert client.control("GET", "/faults").json == {"count": 0, "faults": []}
    assert client.control("GET", "/requests").json == {"count": 0, "requests": []}
    assert enos.call("list", token=token, assetId="x1").json["code"] == 1004


def test_request_log(client, enos):
    """Entries carry the documented fields, controls are not logged, since= filters, no secrets appear."""
    client.iotda("GET", "/certificates?limit=5&app_id=a%20b")
    client.iotda("POST", "/certificates", {"content": "x"})
    enos.get_token()
    entries = client.control("GET", "/requests").json
    assert entries["count"] == 3
    first, second, third = entries["requests"]
    assert set(first) == {"seq", "time", "timestamp", "throttled", "platform", "method", "path", "query", "status",
                          "code", "auth", "temporary", "fault", "write", "instance_id"}
    assert isinstance(first["timestamp"], float) and first["throttled"] is False
    assert first["platform"] == "iotda" and first["query"] == {"limit": "5", "app_id": "a b"}
    assert first["path"].endswith("/certificates") and first["status"] == 200 and first["code"] is None
    assert first["write"] is False and first["fault"] is False and first["time"].endswith("Z")
    assert second["write"] is True and second["code"] == "IOTDA.014301" and second["status"] == 400
    assert third["platform"] == "enos-token" and third["auth"] == "none" and third["write"] is False
    later = client.control("GET", "/requests?since=%d" % second["seq"]).json
    assert [e["seq"] for e in later["requests"]] == [third["seq"]]
    text = json.dumps(entries)
    for secret in (IOTDA_TOKEN, ENOS_SECRET, enos.get_token().json["data"]["accessToken"]):
        assert secret not in text
    assert client.control("DELETE", "/requests").json == {"cleared": 4}
    assert client.control("GET", "/requests").json["count"] == 0
    assert client.control("GET", "/requests?since=x").status == 400


def test_config(client):
    """GET shows every setting; POST is a validated partial update."""
    config = client.control("GET", "/config").json
    assert config == {"iotda_mode": "instance", "iotda_duplicate_upload": "allow", "iotda_ca_quota": 100,
                      "enos_token_ttl": 7200, "enos_expired_token_status": 200, "enos_list_cert_field": "serial",
                      "enos_effective_date_key": "effetiveDate", "max_skew_seconds": 900, "latency": 0.0,
                      "rate_limit": None, "iotda_list_device_secondary": True, "iotda_reset_secret_device": "convert",
                      "iotda_cleared_fingerprint": "absent", "enos_apply_with_valid": "keep", "enos_csr_subject": "cn"}
    updated = client.control("POST", "/config", {"enos_token_ttl": 60, "max_skew_seconds": 30}).json
    assert updated["enos_token_ttl"] == 60 and updated["iotda_mode"] == "instance"
    for bad in ({"iotda_mode": "pro"}, {"nope": 1}, {"iotda_ca_quota": -1}, {"enos_expired_token_status": 403}):
        reply = client.control("POST", "/config", bad)
        assert reply.status == 400 and "error" in reply.json
    assert client.control("GET", "/config").json["enos_token_ttl"] == 60


def test_token_ttl_setting(client, enos):
    """enos_token_ttl applies to new tokens."""
    client.control("POST", "/config", {"enos_token_ttl": 60})
    assert enos.get_token().json["data"]["expire"] == 60


def test_state_and_seeding(client):
    """State shows seeded data with verify codes; bad seeding requests are 400/404."""
    client.control("POST", "/iotda/ca-certificates", {"generate": {"count": 2, "app_id": "space-a", "verified": True}})
    devices = client.control("POST", "/enos/devices", {"devices": [{"asset_id": "a1", "product_key": "p",
                                                                    "device_key": "d"}, {}]}).json["created"]
    assert devices[1]["asset_id"].startswith("sim-asset-") and devices[1]["org_id"] == "o15000000000001"
    cert = client.control("POST", "/enos/certificates", {"product_key": "p", "device_key": "d", "status": "revoked",
                                                         "common_name": "cn-1", "issue_authority": "ECC"}).json
    assert cert["status"] == "revoked" and cert["revoker"] == "IoT_Hub" and cert["issuer"].startswith("EMAILADDRESS")
    state = client.control("GET", "/state").json
    cas = state["iotda"]["ca_certificates"]
    assert len(cas) == 2 and cas[0]["status"] is True and cas[0]["app_id"] == "space-a" and cas[0]["verify_code"]
    assert state["enos"]["certificates"][0]["common_name"] == "cn-1"
    assert client.control("POST", "/enos/certificates", {"asset_id": "zz"}).status == 404
    assert client.control("POST", "/enos/certificates", {"asset_id": "a1", "cert_sn": cert["cert_sn"]}).status == 400
    assert client.control("POST", "/enos/certificates", {"asset_id": "a1", "status": "expired",
                                                         "expires_in_days": 5}).status == 400
    assert client.control("POST", "/enos/devices", {"devices": [{"asset_id": "a1", "product_key": "q"}]}).status == 400
    assert client.control("POST", "/iotda/devices", {"certificate_id": "0" * 24}).status == 404
    assert client.control("POST", "/iotda/device-certificates", {"generate": {"count": 0}}).status == 400
    assert client.control("POST", "/iotda/ca-certificates", {"generate": {"app_id": "bad id"}}).status == 400
    assert client.control("GET", "/nothing").status == 404
    assert client.control("GET", "/reset").status == 405
    assert client.control("POST", "/faults", "{broken").status == 400


def test_fault_status_retry_after_and_count(client):
    """A 503 fault with Retry-After answers the next N matching requests, then real answers resume."""
    created = client.control("POST", "/faults", {"count": 2, "status": 503, "retry_after": "2"})
    assert created.status == 201 and created.json == {"id": 1}
    for _attempt in range(2):
        reply = client.iotda("GET", "/certificates")
        assert reply.status == 503 and reply.headers["retry-after"] == "2"
        assert reply.json["error_code"] == "IOTDA.000005" and reply.headers["x-request-id"]
    assert client.iotda("GET", "/certificates").status == 200
    log = client.control("GET", "/requests").json["requests"]
    expected = [(503, True, "token"), (503, True, "token"), (200, False, "token")]
    assert [(e["status"], e["fault"], e["auth"]) for e in log] == expected
    assert log[0]["code"] == "IOTDA.000005"


def test_fault_match_and_order(client, enos):
    """match narrows by platform/method/path; faults apply in creation order; list and delete work."""
    client.control("POST", "/faults", {"status": 429, "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT",
                                       "match": {"platform": "iotda", "method": "POST", "path": "/certificates"}})
    client.control("POST", "/faults", {"status": 500, "match": {"platform": "iotda"}})
    client.control("POST", "/faults", {"status": 502, "match": {"platform": "enos-token"}, "count": 3})
    listed = client.control("GET", "/faults").json
    assert listed["count"] == 3 and listed["faults"][2]["remaining"] == 3
    assert client.iotda("GET", "/certificates").status == 500
    limited = client.iotda("POST", "/certificates", {"content": "x"})
    assert limited.status == 429 and limited.json["error_code"] == "APIGW.0308"
    assert limited.headers["retry-after"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    token = enos.get_token()
    assert token.status == 502 and token.json["status"] == 1005 and token.json["business"] == "apim-token-service"
    assert client.control("DELETE", "/faults/3").json == {"cleared": 1}
    assert client.control("DELETE", "/faults/3").status == 404
    client.control("POST", "/faults", {"status": 500})
    assert client.control("DELETE", "/faults").json == {"cleared": 1}
    assert enos.get_token().json["status"] == 0


def test_fault_custom_body_and_401(client):
    """A raw body with its content type (malformed answers); a 401 fault has an IoTDA auth body."""
    client.control("POST", "/faults", {"status": 502, "body": "<html>bad gateway</html>", "content_type": "text/html"})
    client.control("POST", "/faults", {"status": 200, "body": '{"certificates": [', "content_type": "application/json"})
    client.control("POST", "/faults", {"status": 401})
    html = client.iotda("GET", "/certificates")
    assert html.status == 502 and html.headers["content-type"] == "text/html" and html.body == b"<html>bad gateway</html>"
    broken = client.iotda("GET", "/certificates")
    assert broken.status == 200 and broken.json is None and broken.body == b'{"certificates": ['
    denied = client.iotda("GET", "/certificates")
    assert denied.status == 401 and denied.json["error_code"] == "APIGW.0301"
    assert denied.json["request_id"] == denied.headers["x-request-id"]


def test_fault_enos_code(client, enos):
    """An enos_code fault answers HTTP 200 with that envelope code."""
    client.control("POST", "/enos/devices", {"devices": [{"asset_id": "a1"}]})
    client.control("POST", "/faults", {"enos_code": 99500, "msg": "boom", "match": {"platform": "enos"}})
    reply = enos.call("list", assetId="a1")
    assert reply.status == 200 and reply.json["code"] == 99500 and reply.json["msg"] == "boom"
    assert reply.json["data"] is None and reply.json["requestId"]
    client.control("POST", "/faults", {"status": 401, "match": {"platform": "enos"}})
    expired = enos.call("list", assetId="a1")
    assert expired.status == 401 and expired.json["code"] == 1203
    assert enos.call("list", assetId="a1").json["code"] == 0
    log = client.control("GET", "/requests").json["requests"]
    assert [e["code"] for e in log if e["platform"] == "enos"] == [99500, 1203, None]


def test_fault_delay(client):
    """A delay-only fault answers normally after the delay."""
    client.control("POST", "/faults", {"delay": 0.3})
    started = time.monotonic()
    reply = client.iotda("GET", "/certificates")
    assert reply.status == 200 and time.monotonic() - started >= 0.3
    assert client.control("GET", "/requests").json["requests"][0]["fault"] is True


def test_fault_drop(client):
    """drop closes the connection without any response."""
    client.control("POST", "/faults", {"drop": True})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        client.iotda("GET", "/certificates")
    assert client.iotda("GET", "/certificates").status == 200
    entry = client.control("GET", "/requests").json["requests"][0]
    assert entry["status"] is None and entry["fault"] is True


def test_fault_after_processing(client):
    """after_processing: the write happens, the answer is the fault (lost response)."""
    client.control("POST", "/faults", {"status": 504, "after_processing": True, "match": {"method": "POST"}})
    from sim_helpers import make_ca, pem  # pylint: disable=import-outside-toplevel
    reply = client.iotda("POST", "/certificates", {"content": pem(make_ca()[1])})
    assert reply.status == 504 and reply.json["error_code"] == "APIGW.0203"
    assert len(client.control("GET", "/state").json["iotda"]["ca_certificates"]) == 1
    client.control("POST", "/faults", {"drop": True, "after_processing": True})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        client.iotda("POST", "/certificates", {"content": pem(make_ca()[1])})
    assert len(client.control("GET", "/state").json["iotda"]["ca_certificates"]) == 2


def test_fault_validation(client):
    """Bad fault specs are 400."""
    for bad in ({"status": 42}, {"count": 0}, {"match": {"platform": "aws"}}, {"drop": "yes"}, {"colour": 1},
                {"delay": -1}, {"retry_after": [1]}):
        assert client.control("POST", "/faults", bad).status == 400, bad


def test_unknown_paths_not_faulted(sim):
    """Unknown paths are 404 and faults only hit platform requests."""
    client = Client(sim.url)
    client.control("POST", "/faults", {"status": 500})
    assert client.request("GET", "/favicon.ico").status == 404
    assert client.control("GET", "/faults").json["count"] == 1
