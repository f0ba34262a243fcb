"""EnOS: token service, signed certificate calls, list/revoke/apply/renew and their error codes."""

from __future__ import annotations

import hashlib
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sim_helpers import ENOS_KEY, ENOS_SECRET


def _encryption(stamp: str, key: str = ENOS_KEY, secret: str = ENOS_SECRET) -> str:
    return hashlib.sha256((key + stamp + secret).encode()).hexdigest()


def _token_request(client, body):
    return client.request("POST", "/apim-token-service/v2.0/token/get", body, {"Content-Type": "application/json"})


@pytest.fixture
def device(client):
    """One EnOS device with a valid certificate; returns (asset_id, cert_sn)."""
    client.control("POST", "/enos/devices", {"devices": [{"asset_id": "a1b2c3", "product_key": "pk1",
                                                          "device_key": "dk1"}]})
    cert = client.control("POST", "/enos/certificates", {"asset_id": "a1b2c3", "cert_sn": 54376}).json
    return "a1b2c3", cert["cert_sn"]


def test_token_get(client, enos):
    """Envelope, same token while valid (remaining expire), timestamp as string accepted."""
    first = enos.get_token()
    assert first.status == 200
    body = first.json
    assert body["status"] == 0 and body["business"] == "apim-token-service" and body["data"]["expire"] == 7200
    stamp = enos.timestamp()
    second = _token_request(client, {"appKey": ENOS_KEY, "encryption": _encryption(stamp), "timestamp": stamp}).json
    assert second["status"] == 0 and second["data"]["accessToken"] == body["data"]["accessToken"]
    assert second["data"]["expire"] <= 7200
    refreshed = enos.get_token("refresh", accessToken=body["data"]["accessToken"]).json
    assert refreshed["status"] == 0 and refreshed["data"]["accessToken"] != body["data"]["accessToken"]


def test_token_errors(client):
    """1002 unknown appKey, 1003 bad encryption, 1202 missing fields, 1001 replay; all HTTP 200."""
    stamp = str(int(time.time() * 1000))
    unknown = _token_request(client, {"appKey": "nope", "encryption": _encryption(stamp, "nope"), "timestamp": stamp})
    assert unknown.status == 200 and unknown.json["status"] == 1002
    bad = _token_request(client, {"appKey": ENOS_KEY, "encryption": "0" * 64, "timestamp": stamp})
    assert bad.json["status"] == 1003
    missing = _token_request(client, {"appKey": ENOS_KEY, "timestamp": stamp})
    assert missing.json["status"] == 1202
    good = {"appKey": ENOS_KEY, "encryption": _encryption(stamp), "timestamp": int(stamp)}
    assert _token_request(client, good).json["status"] == 0
    replay = _token_request(client, good)
    assert replay.status == 200 and replay.json["status"] == 1001
    assert client.request("GET", "/apim-token-service/v2.0/token/get").status == 405


def test_signed_list(client, enos, device):
    """list: the documented fields, certSN string, serial in cert, status 0, effetiveDate spelling."""
    asset_id, serial = device
    reply = enos.call("list", assetId=asset_id)
    assert reply.status == 200 and reply.json["code"] == 0 and reply.json["msg"] == "OK"
    assert len(reply.json["requestId"]) == 36
    [item] = reply.json["data"]
    assert item["certSN"] == str(serial) and item["cert"] == str(serial) and item["certStatus"] == 0
    assert item["effetiveDate"] == item["signDate"] and item["expireDate"] > item["signDate"]
    assert item["issuer"] == "EMAILADDRESS=ca@eniot.io, CN=EnOS CA, OU=EnOS CA, O=EnOS, L=Shanghai, ST=Shanghai, C=CN"
    assert item["subject"].startswith("CN=dk1-54376, OU=EnOS, O=EnOS")
    assert item["revoker"] == "" and item["revokerReason"] == "" and item["isEnosCert"] is True
    by_keys = enos.call("list", productKey="pk1", deviceKey="dk1").json
    assert by_keys["data"] == reply.json["data"]
    client.control("POST", "/config", {"enos_list_cert_field": "pem", "enos_effective_date_key": "effectiveDate"})
    item = enos.call("list", assetId=asset_id).json["data"][0]
    assert item["cert"].startswith("-----BEGIN CERTIFICATE-----") and "effectiveDate" in item
    assert [e["auth"] for e in client.control("GET", "/requests").json["requests"]] == [
        "none", "apim", "apim", "apim"]


def test_revoke(client, enos, device):
    """revoke: success sets status 1, revoker = appKey, reason text; again -> 99400 already revoked."""
    asset_id, serial = device
    done = enos.call("revoke", body={"certSn": serial, "reason": 1}, productKey="pk1", deviceKey="dk1")
    assert done.status == 200 and done.json["code"] == 0 and done.json["data"] is None
    item = enos.call("list", assetId=asset_id).json["data"][0]
    assert item["certStatus"] == 1 and item["revoker"] == ENOS_KEY and item["revokerReason"] == "KEY COMPROMISE"
    again = enos.call("revoke", body={"certSn": serial, "reason": 1}, assetId=asset_id).json
    assert again["code"] == 99400
    assert again["msg"].startswith("Revoke cert is failed!message: certificate already revoked, detail message: ")
    log = client.control("GET", "/requests").json["requests"]
    assert [e["write"] for e in log] == [False, True, False, True]


def test_revoke_errors(client, enos, device):
    """Not bound, missing certSn, bad reason, expired, query fallback."""
    asset_id, serial = device
    not_bound = enos.call("revoke", body={"certSn": 1, "reason": 0}, assetId=asset_id).json
    assert not_bound["code"] == 99400 and "does not have the certificate" in not_bound["msg"]
    missing = enos.call("revoke", body={"reason": 0}, assetId=asset_id).json
    assert missing == {"code": 99400, "msg": "Invalid Argument certSn:certSn is missing",
                       "requestId": missing["requestId"], "data": None}
    assert enos.call("revoke", body={"certSn": serial, "reason": 2}, assetId=asset_id).json["code"] == 99400
    expired = client.control("POST", "/enos/certificates", {"asset_id": asset_id, "status": "expired"}).json
    item = [i for i in enos.call("list", assetId=asset_id).json["data"] if i["certSN"] == str(expired["cert_sn"])][0]
    assert item["certStatus"] == 2
    refused = enos.call("revoke", body={"certSn": expired["cert_sn"]}, assetId=asset_id).json
    assert refused["code"] == 99400 and "expired" in refused["msg"]
    by_query = enos.call("revoke", assetId=asset_id, certSn=str(serial), reason="5").json
    assert by_query["code"] == 0
    state = {c["cert_sn"]: c for c in client.control("GET", "/state").json["enos"]["certificates"]}
    assert state[serial]["revoke_reason"] == "CESSATION OF OPERATION" and state[serial]["status"] == "revoked"


def test_business_errors(client, enos, device):
    """11404 unknown device, 99400 no identifier / bad action / wrong method, 99403 unknown org."""
    assert enos.call("list", assetId="nobody").json["code"] == 11404
    assert enos.call("list").json["msg"] == "invalid argument: The device identifier is invalid"
    assert enos.call("list", method="POST", assetId=device[0]).json["code"] == 99400
    assert enos.call("frobnicate", assetId=device[0]).json["code"] == 99400
    denied = enos.call("list", assetId=device[0], orgId="o99")
    assert denied.status == 200 and denied.json["code"] == 99403


def test_auth_errors(client, enos, device):
    """Missing header 1202, bad signature 1003, unknown token 1004, expired 1203 (HTTP 200 or 401)."""
    asset_id = device[0]
    missing = enos.call("list", drop_header="apim-signature", assetId=asset_id)
    assert missing.status == 200 and missing.json["code"] == 1202
    bad = enos.call("list", secret="wrong", assetId=asset_id)
    assert bad.status == 200 and bad.json == {"code": 1003, "msg": "apim-signature is invalid",
                                              "requestId": bad.json["requestId"], "data": None}
    assert enos.call("list", token="unknown-token", assetId=asset_id).json["code"] == 1004
    assert client.control("POST", "/enos/expire-tokens").json["expired"] == 1
    expired = enos.call("list", assetId=asset_id)
    assert expired.status == 200 and expired.json["code"] == 1203
    client.control("POST", "/config", {"enos_expired_token_status": 401})
    assert enos.call("list", assetId=asset_id).status == 401
    fresh = enos.get_token().json["data"]
    assert fresh["accessToken"] != enos.token and fresh["expire"] == 7200
    assert enos.call("list", token=fresh["accessToken"], assetId=asset_id).json["code"] == 0
    assert [e["auth"] for e in client.control("GET", "/requests").json["requests"]][:4] == [
        "none", "rejected", "rejected", "rejected"]


def _csr(cn: str, key) -> str:
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "EnOS"),
                                    x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def test_apply_and_renew(client, enos, device):
    """apply issues a real certificate (serial = certSN) signed by caCert; renew supersedes the old one."""
    asset_id = device[0]
    key = ec.generate_private_key(ec.SECP256R1())
    applied = enos.call("apply", body={"csr": _csr("sensor-1", key), "validDay": 250, "issueAuthority": "ECC"},
                        assetId=asset_id).json
    assert applied["code"] == 0, applied
    data = applied["data"]
    cert = x509.load_pem_x509_certificate(data["cert"].encode())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(data["caCert"].encode()))
    assert str(cert.serial_number) == data["certSN"] and data["issueAuthority"] == "ECC"
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 250
    assert data["certChainURL"].endswith("/enos/CA/cacert")
    assert client.request("GET", "/enos/CA/cacert").body.decode() == data["caCert"]
    dup = enos.call("apply", body={"csr": _csr("sensor-1", key), "issueAuthority": "ECC"}, assetId=asset_id).json
    assert dup["code"] == 99400 and dup["msg"].startswith("Duplicate subject")
    wrong_key = enos.call("apply", body={"csr": _csr("sensor-2", key), "issueAuthority": "RSA"}, assetId=asset_id)
    assert wrong_key.json["code"] == 99400
    assert enos.call("apply", body={}, assetId=asset_id).json["msg"] == "Invalid Argument csr:csr is missing"
    renewed = enos.call("renew", body={"certSn": int(data["certSN"]), "validDay": 30}, assetId=asset_id).json
    assert renewed["code"] == 0 and renewed["data"]["certSN"] != data["certSN"]
    listed = {i["certSN"]: i for i in enos.call("list", assetId=asset_id).json["data"]}
    assert listed[data["certSN"]]["certStatus"] == 1 and listed[data["certSN"]]["revokerReason"] == "SUPERSEDED"
    assert listed[renewed["data"]["certSN"]]["certStatus"] == 0
    again = enos.call("renew", body={"certSn": int(data["certSN"])}, assetId=asset_id).json
    assert again["code"] == 99400 and "revoked" in again["msg"]


def test_apply_rsa(client, enos, device):
    """RSA is the default authority; certChainURL ends in /RSA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = enos.call("apply", body={"csr": _csr("rsa-device", key)}, assetId=device[0]).json["data"]
    assert data["issueAuthority"] == "RSA" and data["certChainURL"].endswith("/enos/CA/cacert/RSA")
    cert = x509.load_pem_x509_certificate(data["cert"].encode())
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 730


def test_apply_rules(client, enos, device):
    """RSA 2048 only; SHA-256 CSR signatures; the full-subject and apply-with-valid switches."""
    asset_id = device[0]
    big = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    assert "2048-bit" in enos.call("apply", body={"csr": _csr("big", big)}, assetId=asset_id).json["msg"]
    key = ec.generate_private_key(ec.SECP256R1())
    sha1 = (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sha1")])).sign(key, hashes.SHA384()))
    body = {"csr": sha1.public_bytes(serialization.Encoding.PEM).decode(), "issueAuthority": "ECC"}
    assert "SHA256" in enos.call("apply", body=body, assetId=asset_id).json["msg"]
    client.control("POST", "/config", {"enos_csr_subject": "full"})
    partial = enos.call("apply", body={"csr": _csr("part", key), "issueAuthority": "ECC"}, assetId=asset_id).json
    assert partial["code"] == 99400 and "ST, L, OU" in partial["msg"]
    client.control("POST", "/config", {"enos_csr_subject": "cn", "enos_apply_with_valid": "reject"})
    assert enos.call("apply", body={"csr": _csr("x", key), "issueAuthority": "ECC"}, assetId=asset_id).json[
        "code"] == 99400
    client.control("POST", "/config", {"enos_apply_with_valid": "supersede"})
    fresh = enos.call("apply", body={"csr": _csr("y", key), "issueAuthority": "ECC"}, assetId=asset_id).json["data"]
    statuses = {i["certSN"]: i["certStatus"] for i in enos.call("list", assetId=asset_id).json["data"]}
    assert statuses == {str(device[1]): 1, fresh["certSN"]: 0}
