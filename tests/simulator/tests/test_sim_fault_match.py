"""Faults for one client among many: match on query parameters and on the IoTDA Instance-Id header."""

from __future__ import annotations


def test_fault_matches_query_parameters(client, enos):
    """match.query: only the device named in the query gets the fault; the log shows whose request it was."""
    client.control("POST", "/enos/devices", {"devices": [{"asset_id": "a1"}, {"asset_id": "a2"}]})
    created = client.control("POST", "/faults", {"enos_code": 99500, "match": {"platform": "enos", "query": {"assetId": "a2", "action": "list"}}})
    assert created.status == 201
    assert enos.call("list", assetId="a1").json["code"] == 0
    assert enos.call("list", assetId="a2").json["code"] == 99500
    assert enos.call("list", assetId="a2").json["code"] == 0
    log = [e for e in client.control("GET", "/requests").json["requests"] if e["platform"] == "enos"]
    assert [(e["query"]["assetId"], e["fault"]) for e in log] == [("a1", False), ("a2", True), ("a2", False)]
    assert client.control("GET", "/faults").json["count"] == 0


def test_fault_matches_instance_id(client):
    """match.instance_id: only requests with that Instance-Id header; the log records the header."""
    client.control("POST", "/faults", {"status": 503, "count": 2, "match": {"instance_id": "cell-2"}})
    assert client.iotda("GET", "/certificates", headers={"Instance-Id": "cell-1"}).status == 200
    assert client.iotda("GET", "/certificates").status == 200
    assert client.iotda("GET", "/certificates", headers={"Instance-Id": "cell-2"}).status == 503
    log = client.control("GET", "/requests").json["requests"]
    assert [(e["instance_id"], e["status"]) for e in log] == [("cell-1", 200), (None, 200), ("cell-2", 503)]
    pending = client.control("GET", "/faults").json["faults"]
    assert pending[0]["remaining"] == 1 and pending[0]["match"] == {"instance_id": "cell-2"}


def test_fault_match_validation(client):
    """match.query must be an object of strings; unknown match keys are refused."""
    for bad in ({"query": ["assetId"]}, {"query": {"assetId": 1}}, {"header": {"a": "b"}}):
        reply = client.control("POST", "/faults", {"status": 500, "match": bad})
        assert reply.status == 400, bad
