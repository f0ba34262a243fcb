"""IoTDA CA certificates: upload, list paging, show, verify (proof of possession), update, delete."""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sim_helpers import make_ca, pem, verification_cert


def upload(client, cert, app_id=None):
    """POST /certificates."""
    body = {"content": pem(cert)}
    if app_id:
        body["app_id"] = app_id
    return client.iotda("POST", "/certificates", body)


def test_upload_fields(client):
    """201 with the platform object; owner = O, dates in yyyyMMddTHHmmssZ, status false, uuid verify_code."""
    _key, cert = make_ca("huaweiIoT", "Acme Corp")
    reply = upload(client, cert, "space-a")
    assert reply.status == 201, reply
    body = reply.json
    assert re.match(r"^[0-9a-f]{24}$", body["certificate_id"])
    assert body["cn_name"] == "huaweiIoT" and body["owner"] == "Acme Corp"
    assert body["status"] is False and body["provision_enable"] is False and body["template_id"] is None
    assert re.match(r"^[0-9a-f-]{36}$", body["verify_code"])
    assert body["effective_date"] == cert.not_valid_before_utc.strftime("%Y%m%dT%H%M%SZ")
    assert body["expiry_date"] == cert.not_valid_after_utc.strftime("%Y%m%dT%H%M%SZ")
    assert re.match(r"^\d{8}T\d{6}Z$", body["create_date"])
    assert "content" not in body and "name" not in body
    _key, no_org = make_ca("only-cn", org="")
    assert upload(client, no_org).json["owner"] == "only-cn"


def test_upload_validation(client):
    """Bad PEM 014301, bad app_id / missing content 000006, malformed JSON 000008."""
    assert client.iotda("POST", "/certificates", {"content": "garbage"}).json["error_code"] == "IOTDA.014301"
    assert client.iotda("POST", "/certificates", {}).json["error_code"] == "IOTDA.000006"
    _key, cert = make_ca()
    for app_id in ("a" * 37, "bad space", ""):
        reply = client.iotda("POST", "/certificates", {"content": pem(cert), "app_id": app_id})
        assert reply.status == 400 and reply.json["error_code"] == "IOTDA.000006"
    broken = client.iotda("POST", "/certificates", '{"content": ')
    assert broken.status == 400 and broken.json["error_code"] == "IOTDA.000008"
    assert upload(client, cert, "a" * 36).status == 201


def test_quota_and_duplicates(client):
    """Quota gives IOTDA.014303 with the documented message; duplicates are allowed unless configured."""
    _key, cert = make_ca()
    first, second = upload(client, cert), upload(client, cert)
    assert first.status == second.status == 201
    assert first.json["certificate_id"] < second.json["certificate_id"]
    client.control("POST", "/config", {"iotda_duplicate_upload": "reject"})
    dup = upload(client, cert)
    assert dup.status == 400 and dup.json == {"error_code": "IOTDA.014305", "error_msg": "certificate already exists"}
    client.control("POST", "/config", {"iotda_ca_quota": 3})
    assert upload(client, make_ca("third")[1]).status == 201
    full = upload(client, make_ca("fourth")[1])
    assert full.status == 400 and full.json["error_code"] == "IOTDA.014303"
    assert full.json["error_msg"] == "certificate count reached the limit (3)"
    assert client.control("POST", "/iotda/ca-certificates", {"generate": {"count": 2}}).status == 201


def test_list_paging(client):
    """IDs descending, marker and offset, limit range 000017, page.count and page.marker, app_id filter."""
    created = client.control("POST", "/iotda/ca-certificates", {"generate": {"count": 25, "app_id": "space-a"}}).json
    client.control("POST", "/iotda/ca-certificates", {"generate": {"count": 5, "app_id": "space-b"}})
    ids_a = [c["certificate_id"] for c in created["created"]]
    first = client.iotda("GET", "/certificates?limit=10&app_id=space-a").json
    assert [c["certificate_id"] for c in first["certificates"]] == ids_a[::-1][:10]
    assert first["page"] == {"count": 25, "marker": ids_a[-10]}
    second = client.iotda("GET", "/certificates?limit=10&app_id=space-a&marker=%s" % first["page"]["marker"]).json
    assert [c["certificate_id"] for c in second["certificates"]] == ids_a[::-1][10:20]
    offset = client.iotda("GET", "/certificates?limit=10&app_id=space-a&offset=20").json
    assert len(offset["certificates"]) == 5 and offset["page"]["count"] == 25
    empty = client.iotda("GET", "/certificates?app_id=space-a&marker=%s" % ids_a[0]).json
    assert empty == {"certificates": [], "page": {"count": 25}}
    assert client.iotda("GET", "/certificates").json["page"]["count"] == 30
    assert "content" not in first["certificates"][0]
    for bad in ("limit=0", "limit=51", "limit=-1"):
        reply = client.iotda("GET", "/certificates?" + bad)
        assert reply.status == 400 and reply.json["error_code"] == "IOTDA.000017", bad
    for bad in ("offset=501", "offset=-1", "marker=xyz", "limit=ten"):
        assert client.iotda("GET", "/certificates?" + bad).json["error_code"] == "IOTDA.000006", bad
    assert len(client.iotda("GET", "/certificates?limit=50&offset=500").json["certificates"]) == 0


def test_show_and_delete(client):
    """Show adds name (CN) and content; delete 204 then 404 IOTDA.014300."""
    _key, cert = make_ca("Show Me")
    cid = upload(client, cert).json["certificate_id"]
    shown = client.iotda("GET", "/certificates/" + cid).json
    assert shown["name"] == "Show Me" and shown["content"] == pem(cert)
    deleted = client.iotda("DELETE", "/certificates/" + cid)
    assert deleted.status == 204 and deleted.body == b""
    missing = client.iotda("DELETE", "/certificates/" + cid)
    assert missing.status == 404
    assert missing.json == {"error_code": "IOTDA.014300", "error_msg": "The certificate does not exist."}
    assert client.iotda("GET", "/certificates/" + cid).status == 404


def test_verify(client):
    """A real verification certificate succeeds (200, empty body, status true); wrong key/CN fail 014307."""
    key, cert = make_ca()
    created = upload(client, cert).json
    cid, code = created["certificate_id"], created["verify_code"]
    path = "/certificates/%s/action?action_id=verify" % cid
    other_key, _other = make_ca("Other")
    wrong_key = client.iotda("POST", path, {"verify_content": verification_cert(other_key, cert, code)})
    assert wrong_key.status == 400 and wrong_key.json["error_code"] == "IOTDA.014307"
    wrong_cn = client.iotda("POST", path, {"verify_content": verification_cert(key, cert, "not-the-code")})
    assert wrong_cn.json["error_code"] == "IOTDA.014307"
    assert client.iotda("POST", path, {"verify_content": "junk"}).json["error_code"] == "IOTDA.014301"
    no_action = client.iotda("POST", "/certificates/%s/action" % cid, {"verify_content": "x"})
    assert no_action.json["error_code"] == "IOTDA.000006"
    assert client.iotda("GET", "/certificates/" + cid).json["status"] is False
    good = client.iotda("POST", path, {"verify_content": verification_cert(key, cert, code)})
    assert good.status == 200 and good.body == b""
    assert client.iotda("GET", "/certificates/" + cid).json["status"] is True
    again = client.iotda("POST", path, {"verify_content": verification_cert(key, cert, code)})
    assert again.status == 200
    assert client.iotda("POST", path, {"verify_content": verification_cert(other_key, cert, code)}).status == 400
    assert client.iotda("GET", "/certificates/" + cid).json["status"] is True
    unknown = client.iotda("POST", "/certificates/%s/action?action_id=verify" % ("0" * 24), {"verify_content": "x"})
    assert unknown.status == 404


def test_seeded_ca_private_key_verifies(client):
    """Generated CAs come with their private key, usable for proof of possession."""
    seeded = client.control("POST", "/iotda/ca-certificates", {"generate": {"count": 1}}).json["created"][0]
    key = serialization.load_pem_private_key(seeded["private_key_pem"].encode(), None)
    cert = x509.load_pem_x509_certificate(client.iotda("GET", "/certificates/" + seeded["certificate_id"])
                                          .json["content"].encode())
    path = "/certificates/%s/action?action_id=verify" % seeded["certificate_id"]
    assert client.iotda("POST", path, {"verify_content": verification_cert(key, cert, seeded["verify_code"])}).status == 200


def test_update_rules(client):
    """PUT: basic edition 403; provisioning needs a verified CA and a template; null clears; OCSP SSL needs a CA."""
    created = client.control("POST", "/iotda/ca-certificates", {"generate": {"count": 1, "verified": True}}).json
    unverified = client.control("POST", "/iotda/ca-certificates", {"generate": {"count": 1}}).json
    cid = created["created"][0]["certificate_id"]
    other = unverified["created"][0]["certificate_id"]

    def put(target, body):
        return client.iotda("PUT", "/certificates/" + target, body)
    assert put(other, {"provision_enable": True, "template_id": "t1"}).json["error_code"] == "IOTDA.000006"
    assert put(cid, {"provision_enable": True}).json["error_code"] == "IOTDA.000006"
    done = put(cid, {"provision_enable": True, "template_id": "t1"})
    assert done.status == 200 and done.json["provision_enable"] is True and done.json["template_id"] == "t1"
    assert put(cid, {"template_id": None}).status == 400
    cleared = put(cid, {"provision_enable": False, "template_id": None})
    assert cleared.status == 200 and cleared.json["template_id"] is None
    assert put(cid, {"ocsp_ssl_enable": True}).status == 400
    assert put(cid, {"ocsp_ssl_enable": True, "ocsp_server_ca_id": "0" * 24}).status == 400
    ok = put(cid, {"ocsp_enable": True, "ocsp_ssl_enable": True, "ocsp_server_ca_id": other})
    assert ok.status == 200 and ok.json["ocsp_server_ca_id"] == other
    assert put(cid, {"ocsp_enable": "yes"}).json["error_code"] == "IOTDA.000006"
    assert put("0" * 24, {}).status == 404
    client.control("POST", "/config", {"iotda_mode": "basic"})
    basic = put(cid, {"ocsp_enable": False})
    assert basic.status == 403 and basic.json["error_code"] == "IOTDA.000022"
