"""IoTDA authentication: the reference signing algorithm (implemented here, independently) against the simulator."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from urllib.parse import quote, unquote

import pytest
from sim_helpers import IOTDA_TOKEN, PROJECT

AK = "SIMIOTDAAK0000000001"
SK = "sim-iotda-secret-key-0000000000000001"
REGION = "cn-north-4"

# Reference vectors (iotda-api.md section 6.5).
V_AK = "AKTESTEXAMPLE0000001"
V_SK = "SKtestExampleSecretKey0000000000000000001"
V_DATE = "20240102T030405Z"
V_HEADERS = {"Content-Type": "application/json", "X-Sdk-Date": V_DATE, "X-Project-Id": PROJECT}


def _enc(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Decoded, re-encoded segments, trailing slash."""
    uri = "/".join(_enc(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(params: list[tuple[str, str]]) -> str:
    """Sorted k=v pairs, RFC 3986 encoded."""
    return "&".join("%s=%s" % (_enc(k), _enc(str(v))) for k, v in sorted(params))


def sign(method: str, host: str, path: str, params: list[tuple[str, str]], headers: dict[str, str], body: bytes,
         ak: str, sk: str, region: str = "") -> str:
    """The Authorization header value; region set = V11-HMAC-SHA256 (derived, service iotdm)."""
    headers = dict(headers)
    headers.setdefault("Host", host)
    signed = sorted(k.lower() for k in headers if "_" not in k)
    lower = {k.lower(): str(v).strip() for k, v in headers.items()}
    canonical_headers = "".join("%s:%s\n" % (k, lower[k]) for k in signed)
    creq = "\n".join([method.upper(), canonical_uri(path), canonical_query(params), canonical_headers,
                      ";".join(signed), hashlib.sha256(body or b"").hexdigest()])
    date, digest = lower["x-sdk-date"], hashlib.sha256(creq.encode()).hexdigest()
    if not region:
        sts = "SDK-HMAC-SHA256\n%s\n%s" % (date, digest)
        sig = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
        return "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (ak, ";".join(signed), sig)
    scope = "%s/%s/iotdm" % (date[:8], region)
    sts = "V11-HMAC-SHA256\n%s\n%s\n%s" % (date, scope, digest)
    prk = hmac.new(ak.encode(), sk.encode(), hashlib.sha256).digest()
    key = hmac.new(prk, scope.encode() + b"\x01", hashlib.sha256).hexdigest().encode()
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    return "V11-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (ak, scope, ";".join(signed), sig)


def test_signer_reproduces_reference_vectors():
    """The test's own signer matches the published vectors V1, V2, V3 and V5."""
    host = "iotda.cn-north-4.myhuaweicloud.com"
    v1 = sign("GET", host, "/v5/iot/%s/certificates" % PROJECT, [("limit", "10"), ("app_id", "my_app"), ("offset", "0")],
              V_HEADERS, b"", V_AK, V_SK)
    assert v1.endswith("Signature=995bf0f76818ee4f706b03d6b03c333add84328af3b79b903f5e0f3c0d82eed0")
    body = b'{"content": "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n", "app_id": "my_app"}'
    v2 = sign("POST", host, "/v5/iot/%s/certificates" % PROJECT, [], V_HEADERS, body, V_AK, V_SK)
    assert v2.endswith("Signature=396aa3cda3dd23511af7a0e32fcbe319e7a4255b2905daa1ba49437477446dcc")
    headers = dict(V_HEADERS, **{"Instance-Id": "11111111-2222-3333-4444-555555555555"})
    body = b'{"verify_content": "-----BEGIN CERTIFICATE-----\\nMIIC\\n-----END CERTIFICATE-----\\n"}'
    v3 = sign("POST", "abc123def4.st1.iotda-app.cn-north-4.myhuaweicloud.com",
              "/v5/iot/%s/certificates/5f0d0bb6e2e0b5026c29d6a1/action" % PROJECT, [("action_id", "verify")],
              headers, body, V_AK, V_SK, region="cn-north-4")
    assert v3.endswith("Signature=417efe7cca0a0a81e5331dcd00b59a6376a39cb22375ddfa34f0e63af8d0b75c")
    v5 = sign("GET", host, "/v5/iot/%s/device-certificates" % PROJECT,
              [("common_name", "dev 01/a+b"), ("limit", "50"), ("marker", "f" * 24)], V_HEADERS, b"", V_AK, V_SK)
    assert v5.endswith("Signature=e2d8436685219c21d2b05da81de75ef5e3678e34cf6061ef59e61257a4132fec")


def test_simulator_verifier_accepts_reference_vector_v3():
    """The simulator's verifier, at the vector's time, accepts V3 as sent on the wire."""
    from iotpki_sim.config import Credentials  # pylint: disable=import-outside-toplevel
    from iotpki_sim.iotda.auth import AuthPolicy, authenticate  # pylint: disable=import-outside-toplevel
    policy = AuthPolicy(Credentials(iotda_access_key=V_AK, iotda_secret_key=V_SK), "instance", 900)
    body = b'{"verify_content": "-----BEGIN CERTIFICATE-----\\nMIIC\\n-----END CERTIFICATE-----\\n"}'
    headers = {"content-type": "application/json", "x-sdk-date": V_DATE, "x-project-id": PROJECT,
               "host": "abc123def4.st1.iotda-app.cn-north-4.myhuaweicloud.com",
               "instance-id": "11111111-2222-3333-4444-555555555555",
               "authorization": "V11-HMAC-SHA256 Credential=%s/20240102/cn-north-4/iotdm, SignedHeaders=content-type;"
                                "host;instance-id;x-project-id;x-sdk-date, Signature=417efe7cca0a0a81e5331dcd00b59a6376"
                                "a39cb22375ddfa34f0e63af8d0b75c" % V_AK}
    target = "/v5/iot/%s/certificates/5f0d0bb6e2e0b5026c29d6a1/action?action_id=verify" % PROJECT
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert authenticate("POST", target, headers, body, policy, now=when).label == "derived"
    later = when + datetime.timedelta(minutes=16)
    assert authenticate("POST", target, headers, body, policy, now=later).error.code == "APIGW.0303"


def _now_date(offset_minutes: int = 0) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=offset_minutes)
    return stamp.strftime("%Y%m%dT%H%M%SZ")


def signed_call(client, method, subpath, params=(), body=None, region=REGION, ak=AK, sk=SK, extra=None,
                date_offset=0, mutate=None):
    """Sign and send an IoTDA request; mutate(headers) may tamper after signing."""
    path = "/v5/iot/%s%s" % (PROJECT, subpath)
    raw = b"" if body is None else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Sdk-Date": _now_date(date_offset), "X-Project-Id": PROJECT}
    headers.update(extra or {})
    headers["Authorization"] = sign(method, client.netloc, path, list(params), headers, raw, ak, sk, region)
    if mutate:
        mutate(headers)
    query = canonical_query(list(params))
    return client.request(method, path + ("?" + query if query else ""), raw or None, headers)


def test_derived_signature_get_and_post_accepted(client):
    """V11 (instance mode default): a GET with a tricky query and a POST with a body are accepted."""
    listed = signed_call(client, "GET", "/device-certificates", [("common_name", "dev 01/a+b"), ("limit", "50")])
    assert listed.status == 200, listed
    assert listed.headers["content-type"] == "application/json"
    assert len(listed.headers["x-request-id"]) == 36
    created = signed_call(client, "POST", "/certificates", body={"content": "not a pem", "app_id": "space-a"})
    assert created.status == 400 and created.json["error_code"] == "IOTDA.014301"
    log = client.control("GET", "/requests").json["requests"]
    assert [entry["auth"] for entry in log] == ["derived", "derived"]


def test_standard_signature_accepted_in_basic_mode(client):
    """SDK-HMAC-SHA256 works in basic mode."""
    client.control("POST", "/config", {"iotda_mode": "basic"})
    reply = signed_call(client, "GET", "/certificates", [("limit", "10"), ("app_id", "my_app")], region="")
    assert reply.status == 200, reply
    assert client.control("GET", "/requests").json["requests"][0]["auth"] == "standard"
    assert signed_call(client, "GET", "/certificates").status == 200


def test_instance_mode_rejects_standard_signature(client):
    """Instance mode: 401 IOTDA.000002 for SDK-HMAC-SHA256, even with a correct signature."""
    reply = signed_call(client, "GET", "/certificates", region="")
    assert reply.status == 401
    assert reply.json == {"error_code": "IOTDA.000002", "error_msg": "Authentication failed."}


def _tamper_signature(headers):
    value = headers["Authorization"]
    last = value[-1]
    headers["Authorization"] = value[:-1] + ("0" if last != "0" else "1")


@pytest.mark.parametrize("case, kwargs, code", [
    ("tampered", {"mutate": _tamper_signature}, "APIGW.0301"),
    ("unknown ak", {"ak": "UNKNOWNAK00000000000"}, "APIGW.0301"),
    ("wrong sk", {"sk": "not-the-secret"}, "APIGW.0301"),
    ("wrong region", {"region": "ap-southeast-1"}, "APIGW.0301"),
    ("skew", {"date_offset": -16}, "APIGW.0303"),
    ("future skew", {"date_offset": 16}, "APIGW.0303"),
    ("malformed", {"mutate": lambda h: h.update(Authorization="V11-HMAC-SHA256 garbage")}, "APIGW.0301"),
    ("signed header changed", {"mutate": lambda h: h.update({"X-Project-Id": "x" * 32})}, "APIGW.0301"),
    ("host unsigned", {"mutate": lambda h: h.update(Authorization=h["Authorization"].replace("host;", ""))},
     "APIGW.0301"),
])
def test_rejected_signatures(client, case, kwargs, code):
    """Every bad signature is a 401 with an APIGW body carrying request_id."""
    reply = signed_call(client, "GET", "/certificates", **kwargs)
    assert reply.status == 401, case
    assert reply.json["error_code"] == code
    assert reply.json["request_id"] == reply.headers["x-request-id"]
    assert "Incorrect" in reply.json["error_msg"]
    assert client.control("GET", "/requests").json["requests"][0]["auth"] == "rejected"


def test_signed_post_body_must_match(client):
    """The exact body bytes are signed: changing them after signing is rejected."""
    path = "/v5/iot/%s/certificates" % PROJECT
    headers = {"Content-Type": "application/json", "X-Sdk-Date": _now_date()}
    headers["Authorization"] = sign("POST", client.netloc, path, [], headers, b'{"content": "a"}', AK, SK, REGION)
    assert client.request("POST", path, b'{"content": "b"}', headers).status == 401
    assert client.request("POST", path, b'{"content": "a"}', headers).json["error_code"] == "IOTDA.014301"


def test_security_token_signed_is_temporary(client):
    """A signed X-Security-Token is accepted and logged as temporary; an unsigned one is rejected."""
    reply = signed_call(client, "GET", "/certificates", extra={"X-Security-Token": "any-value"})
    assert reply.status == 200
    entry = client.control("GET", "/requests").json["requests"][0]
    assert entry["auth"] == "derived" and entry["temporary"] is True

    def add_unsigned(headers):
        headers["X-Security-Token"] = "unsigned"
    assert signed_call(client, "GET", "/certificates", mutate=add_unsigned).status == 401


def test_token_auth(client):
    """X-Auth-Token: the configured token passes, others and none are 401 APIGW.0301."""
    assert client.iotda("GET", "/certificates").status == 200
    bad = client.iotda("GET", "/certificates", headers={"X-Auth-Token": "wrong"})
    assert bad.status == 401 and bad.json["error_code"] == "APIGW.0301"
    none = client.request("GET", "/v5/iot/%s/certificates" % PROJECT)
    assert none.status == 401 and none.json["error_code"] == "APIGW.0301"
    auths = [e["auth"] for e in client.control("GET", "/requests").json["requests"]]
    assert auths == ["token", "rejected", "none"]
    client.control("POST", "/config", {"iotda_mode": "basic"})
    assert client.iotda("GET", "/certificates").status == 200


def test_wrong_project(client):
    """Another project in the path (or X-Project-Id) is 403 IOTDA.000021."""
    reply = client.request("GET", "/v5/iot/%s/certificates" % ("0" * 32), headers={"X-Auth-Token": IOTDA_TOKEN})
    assert reply.status == 403 and reply.json["error_code"] == "IOTDA.000021"
    mismatch = client.iotda("GET", "/certificates", headers={"X-Project-Id": "1" * 32})
    assert mismatch.status == 403


def test_unknown_api(client):
    """An unknown IoTDA path or method is 404 APIGW.0101."""
    assert client.iotda("GET", "/nothing").json["error_code"] == "APIGW.0101"
    assert client.iotda("PATCH", "/certificates").status == 404
