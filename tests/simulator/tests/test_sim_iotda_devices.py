"""IoTDA devices: seeding, show (secrets in clear), reset-fingerprint, list-device from the fingerprints."""

from __future__ import annotations

import pytest

SHA1 = "dc0f1016f495157344ac5f1296335cff725ef22f"


@pytest.fixture
def certs(client):
    """Two device certificates (their records, with SHA-256 and SHA-1 fingerprints)."""
    return client.control("POST", "/iotda/device-certificates", {"generate": {"count": 2}}).json["created"]


def _seed(client, *devices):
    reply = client.control("POST", "/iotda/devices", {"devices": list(devices)})
    assert reply.status == 201, reply
    return reply.json["created"]


def test_show_device(client, certs):
    """Every seeded field comes back; secrets in clear; unknown and malformed IDs fail like the platform."""
    _seed(client, {"device_id": "p1_meter-1", "node_id": "meter-1", "product_id": "p1", "status": "ONLINE",
                   "auth_type": "SECRET", "secret": "s3cret-value", "secondary_secret": "s3cret-other"})
    shown = client.iotda("GET", "/devices/p1_meter-1").json
    assert shown["device_id"] == "p1_meter-1" and shown["gateway_id"] == "p1_meter-1" and shown["status"] == "ONLINE"
    assert shown["auth_info"]["auth_type"] == "SECRET" and shown["auth_info"]["secret"] == "s3cret-value"
    assert "fingerprint" not in shown["auth_info"]
    missing = client.iotda("GET", "/devices/nope")
    assert missing.status == 404 and missing.json["error_code"] == "IOTDA.014000"
    assert client.iotda("GET", "/devices/bad%20id").json["error_code"] == "IOTDA.000006"
    assert client.control("POST", "/iotda/devices", {"devices": [{"device_id": "p1_meter-1"}]}).status == 409
    assert client.control("POST", "/iotda/devices", {"devices": [{"device_id": "x", "fingerprint": "AB"}]}).status == 400


def test_reset_fingerprint_and_list_device(client, certs):
    """Stage, promote and clear as in the rotation walk-through; list-device follows the device record."""
    old, new = certs
    _seed(client, {"device_id": "d1", "fingerprint": old["fingerprint"].lower(), "status": "ONLINE"})
    listed = client.iotda("POST", "/device-certificates/%s/list-device" % old["certificate_id"]).json
    assert [d["device_id"] for d in listed["devices"]] == ["d1"]
    staged = client.iotda("POST", "/devices/d1/reset-fingerprint",
                          {"fingerprint": new["fingerprint"], "fingerprint_type": "SECONDARY"}).json
    assert staged == {"device_id": "d1", "fingerprint": new["fingerprint"], "fingerprint_type": "SECONDARY"}
    auth = client.iotda("GET", "/devices/d1").json["auth_info"]
    assert auth["fingerprint"] == old["fingerprint"].lower() and auth["secondary_fingerprint"] == new["fingerprint"]
    assert client.iotda("POST", "/device-certificates/%s/list-device" % new["certificate_id"]).json["page"]["count"] == 1
    client.control("POST", "/config", {"iotda_list_device_secondary": False})
    assert client.iotda("POST", "/device-certificates/%s/list-device" % new["certificate_id"]).json["page"]["count"] == 0
    client.iotda("POST", "/devices/d1/reset-fingerprint", {"fingerprint": new["fingerprint"], "force_disconnect": True})
    shown = client.iotda("GET", "/devices/d1").json
    assert shown["auth_info"]["fingerprint"] == new["fingerprint"] and shown["status"] == "OFFLINE"
    assert client.iotda("POST", "/device-certificates/%s/list-device" % old["certificate_id"]).json["devices"] == []
    cleared = client.iotda("POST", "/devices/d1/reset-fingerprint", {"fingerprint_type": "SECONDARY"}).json
    assert cleared == {"device_id": "d1", "fingerprint_type": "SECONDARY"}
    assert "secondary_fingerprint" not in client.iotda("GET", "/devices/d1").json["auth_info"]
    client.control("POST", "/config", {"iotda_cleared_fingerprint": "null"})
    assert client.iotda("GET", "/devices/d1").json["auth_info"]["secondary_fingerprint"] is None


def test_list_device_matches_sha1(client, certs):
    """A device holding the certificate's SHA-1 (any case, with colons) is listed."""
    sha1 = certs[0]["fingerprint_sha1"]
    _seed(client, {"device_id": "d2", "fingerprint": sha1.lower()})
    assert client.iotda("POST", "/device-certificates/%s/list-device" % certs[0]["certificate_id"]).json["page"][
        "count"] == 1


def test_reset_fingerprint_validation(client):
    """Bad values are 400 IOTDA.000006; a SECRET device converts (or, by setting, is refused)."""
    _seed(client, {"device_id": "s1", "auth_type": "SECRET", "secret": "abcdefgh"})
    for body in ({"fingerprint": "AB:CD"}, {"fingerprint": SHA1 + "0"}, {"fingerprint_type": "OTHER"},
                 {"fingerprint": SHA1, "force_disconnect": "yes"}):
        reply = client.iotda("POST", "/devices/s1/reset-fingerprint", body)
        assert reply.status == 400 and reply.json["error_code"] == "IOTDA.000006", body
    assert client.iotda("POST", "/devices/nope/reset-fingerprint", {"fingerprint": SHA1}).status == 404
    client.control("POST", "/config", {"iotda_reset_secret_device": "reject"})
    assert client.iotda("POST", "/devices/s1/reset-fingerprint", {"fingerprint": SHA1}).status == 400
    client.control("POST", "/config", {"iotda_reset_secret_device": "convert"})
    assert client.iotda("POST", "/devices/s1/reset-fingerprint", {"fingerprint": SHA1}).status == 200
    auth = client.iotda("GET", "/devices/s1").json["auth_info"]
    assert auth["auth_type"] == "CERTIFICATES" and auth["fingerprint"] == SHA1
