"""IoTDA device certificates: seeding, list filters and paging, show, status update, delete, list-device."""

from __future__ import annotations

import hashlib
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from iotpki_sim.core import pki
from sim_helpers import make_ca, pem


def seed(client, **generate):
    """Generate device certificates through the control endpoint."""
    reply = client.control("POST", "/iotda/device-certificates", {"generate": generate})
    assert reply.status == 201, reply
    return reply.json["created"]


def test_seed_from_pem_is_consistent(client):
    """A seeded PEM yields the CN, uppercase SHA-256 fingerprint and expiry of that certificate."""
    _key, cert = make_ca("device-one")
    created = client.control("POST", "/iotda/device-certificates",
                             {"certificates": [{"pem": pem(cert), "status": "INACTIVE"}]}).json["created"][0]
    der = cert.public_bytes(serialization.Encoding.DER)
    assert created["fingerprint"] == hashlib.sha256(der).hexdigest().upper()
    assert created["fingerprint_sha1"] == hashlib.sha1(der).hexdigest().upper()
    assert created["common_name"] == "device-one" and created["status"] == "INACTIVE"
    shown = client.iotda("GET", "/device-certificates/" + created["certificate_id"]).json
    assert shown["certificate_pem"] == pem(cert)
    assert shown["expiry_date"] == cert.not_valid_after_utc.strftime("%Y%m%dT%H%M%SZ")
    assert client.control("POST", "/iotda/device-certificates", {"certificates": [{"pem": "x"}]}).status == 400


def test_generated_certificates_are_real(client):
    """Generated PEMs parse, are signed by the simulator's device CA, and match the record; expiry spreads."""
    created = seed(client, count=3, common_name_prefix="gen-", expires_in_days=[-10, 10])
    created += seed(client, count=1, common_name_prefix="far-future-", expires_in_days=40000)
    for item in created:
        shown = client.iotda("GET", "/device-certificates/" + item["certificate_id"]).json
        cert = x509.load_pem_x509_certificate(shown["certificate_pem"].encode())
        cert.verify_directly_issued_by(pki.iotda_device_issuer().cert)
        assert cert.not_valid_after_utc.strftime("%Y%m%dT%H%M%SZ") == item["expiry_date"]
        der = cert.public_bytes(serialization.Encoding.DER)
        assert hashlib.sha256(der).hexdigest().upper() == item["fingerprint"] == shown["fingerprint"]
        assert cert.subject.rfc4514_string() == "CN=" + item["common_name"]
    assert [c["common_name"] for c in created] == ["gen-000001", "gen-000002", "gen-000003", "far-future-000004"]
    assert created[0]["expiry_date"] < created[1]["expiry_date"] < created[2]["expiry_date"]


def _sign_baseline(count: int = 1000) -> float:
    """Seconds this machine needs for `count` plain ECDSA signatures (to tolerate loaded CI machines)."""
    key = ec.generate_private_key(ec.SECP256R1())
    started = time.monotonic()
    for _attempt in range(count):
        key.sign(b"x" * 300, ec.ECDSA(hashes.SHA256()))
    return time.monotonic() - started


def test_seed_ten_thousand_quickly(client):
    """10,000 device certificates seed in under 5 s (more only on a machine too slow to sign 10,000 in 0.8 s)."""
    started = time.monotonic()
    created = seed(client, count=10000, common_name_prefix="bulk-", expires_in_days=[1, 730])
    elapsed = time.monotonic() - started
    allowed = max(5.0, 6 * 10 * _sign_baseline())
    print("seeded 10,000 device certificates in %.2f s (allowed %.1f s)" % (elapsed, allowed))
    assert len(created) == 10000 and elapsed < allowed
    page = client.iotda("GET", "/device-certificates?limit=50").json
    assert page["page"]["count"] == 10000 and len(page["device_certificates"]) == 50
    deep = client.iotda("GET", "/device-certificates?limit=50&marker=%s" % created[60]["certificate_id"]).json
    assert [c["certificate_id"] for c in deep["device_certificates"]] == [c["certificate_id"] for c in created[59:9:-1]]


def test_list_filters(client):
    """common_name is a prefix filter; fingerprint matches SHA-256 or SHA-1 in any case; no status filter."""
    seed(client, count=3, common_name_prefix="alpha-")
    betas = seed(client, count=2, common_name_prefix="beta-")
    alpha = client.iotda("GET", "/device-certificates?common_name=alpha").json
    assert alpha["page"]["count"] == 3 and all(c["common_name"].startswith("alpha-") for c in alpha["device_certificates"])
    assert "certificate_pem" not in alpha["device_certificates"][0]
    for value in (betas[0]["fingerprint"].lower(), betas[0]["fingerprint_sha1"]):
        found = client.iotda("GET", "/device-certificates?fingerprint=" + value).json
        assert [c["certificate_id"] for c in found["device_certificates"]] == [betas[0]["certificate_id"]]
    both = client.iotda("GET", "/device-certificates?common_name=alpha&fingerprint=" + betas[0]["fingerprint"]).json
    assert both["page"]["count"] == 0
    assert client.iotda("GET", "/device-certificates?fingerprint=abc").json["error_code"] == "IOTDA.000006"
    assert client.iotda("GET", "/device-certificates?limit=51").json["error_code"] == "IOTDA.000017"
    assert client.iotda("GET", "/device-certificates?status=ACTIVE").json["page"]["count"] == 5


def test_update_status_and_delete(client):
    """PUT status ACTIVE/INACTIVE (else 000006) returns the PEM; DELETE 204 then 404."""
    cid = seed(client, count=1)[0]["certificate_id"]
    path = "/device-certificates/" + cid
    updated = client.iotda("PUT", path, {"status": "INACTIVE"})
    assert updated.status == 200 and updated.json["status"] == "INACTIVE" and "certificate_pem" in updated.json
    for bad in ({"status": "inactive"}, {"status": "DISABLED"}, {}):
        reply = client.iotda("PUT", path, bad)
        assert reply.status == 400 and reply.json["error_code"] == "IOTDA.000006"
    assert client.iotda("DELETE", path).status == 204
    for method in ("GET", "PUT", "DELETE"):
        reply = client.iotda(method, path, {"status": "ACTIVE"} if method == "PUT" else None)
        assert reply.status == 404 and reply.json["error_code"] == "IOTDA.014300"


def test_list_device(client):
    """POST list-device pages the devices whose fingerprint is the certificate's (paging in the JSON body)."""
    certs = seed(client, count=2)
    made = client.control("POST", "/iotda/devices", {"certificate_id": certs[0]["certificate_id"], "count": 12}).json
    client.control("POST", "/iotda/devices", {"certificate_id": certs[1]["certificate_id"], "count": 3})
    assert len(made["created"]) == 12
    assert made["created"][0]["auth_info"]["fingerprint"] == certs[0]["fingerprint"]
    path = "/device-certificates/%s/list-device" % certs[0]["certificate_id"]
    first = client.iotda("POST", path, {"limit": 5})
    assert first.status == 200 and first.json["page"]["count"] == 12
    names = [d["node_id"] for d in first.json["devices"]]
    assert names == ["sim-node-%06d" % n for n in range(12, 7, -1)]
    assert set(first.json["devices"][0]) == {"app_id", "device_id", "node_id", "gateway_id", "device_name", "product_id"}
    second = client.iotda("POST", path, {"limit": 5, "marker": first.json["page"]["marker"]}).json
    assert [d["node_id"] for d in second["devices"]] == ["sim-node-%06d" % n for n in range(7, 2, -1)]
    assert client.iotda("POST", path).json["page"]["count"] == 12
    assert client.iotda("POST", path, {"offset": 10}).json["devices"][-1]["node_id"] == "sim-node-000001"
    assert client.iotda("POST", path, {"limit": 0}).json["error_code"] == "IOTDA.000017"
    assert client.iotda("POST", "/device-certificates/%s/list-device" % ("0" * 24), {}).status == 404
    log = client.control("GET", "/requests").json["requests"]
    assert not any(entry["write"] for entry in log)
