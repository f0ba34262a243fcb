"""Helpers for the simulator tests: HTTP/EnOS clients and test certificates (independent of the simulator code)."""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import time
import urllib.parse
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PROJECT = "0123456789abcdef0123456789abcdef"
IOTDA_TOKEN = "sim-iotda-auth-token"
ENOS_KEY = "sim-enos-app-key"
ENOS_SECRET = "sim-enos-app-secret"
ENOS_ORG = "o15000000000001"


class Reply:
    """A response: status, headers (lower-case names), raw body and parsed JSON (None if not JSON)."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None

    def __repr__(self) -> str:
        return "Reply(%d, %r)" % (self.status, self.body[:300])


class Client:
    """A minimal HTTP client (http.client) so tests control every header and body byte."""

    def __init__(self, base_url: str) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host, self.port = parsed.hostname, parsed.port
        self.netloc = parsed.netloc

    def request(self, method: str, target: str, body: Any = None, headers: Optional[dict[str, str]] = None) -> Reply:
        """Send one request on a fresh connection; dict/list bodies are sent as compact JSON."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"))
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, target, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def control(self, method: str, path: str, body: Any = None) -> Reply:
        """Call a /_sim control endpoint."""
        return self.request(method, "/_sim" + path, body, {"Content-Type": "application/json"} if body else {})

    def iotda(self, method: str, subpath: str, body: Any = None, headers: Optional[dict[str, str]] = None) -> Reply:
        """Call IoTDA with token auth; subpath is relative to /v5/iot/{project}."""
        all_headers = {"X-Auth-Token": IOTDA_TOKEN, "Content-Type": "application/json"}
        all_headers.update(headers or {})
        return self.request(method, "/v5/iot/%s%s" % (PROJECT, subpath), body, all_headers)


class Enos:
    """An EnOS APIM client: fetches a token, signs each call (test-side implementation of the reference)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.token: Optional[str] = None
        self._last_ms = 0

    def timestamp(self) -> str:
        """A unique millisecond timestamp."""
        self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
        return str(self._last_ms)

    def get_token(self, path: str = "get", **extra: Any) -> Reply:
        """POST /apim-token-service/v2.0/token/<path>."""
        stamp = self.timestamp()
        body = {"appKey": ENOS_KEY, "timestamp": int(stamp),
                "encryption": hashlib.sha256((ENOS_KEY + stamp + ENOS_SECRET).encode()).hexdigest()}
        body.update(extra)
        return self.client.request("POST", "/apim-token-service/v2.0/token/" + path, body,
                                   {"Content-Type": "application/json;charset=UTF-8"})

    def call(self, action: str, method: Optional[str] = None, body: Any = None, secret: str = ENOS_SECRET,
             token: Optional[str] = None, drop_header: Optional[str] = None, **ident: str) -> Reply:
        """A signed certificate call; ident are query parameters such as assetId=..."""
        if token is None:
            if self.token is None:
                self.token = self.get_token().json["data"]["accessToken"]
            token = self.token
        query = {"action": action, "orgId": ENOS_ORG}
        query.update(ident)
        raw = b"" if body is None else json.dumps(body).encode("utf-8")
        stamp = self.timestamp()
        params = "".join(k + v for k, v in sorted(query.items()))
        signature = hashlib.sha256((token + params).encode() + raw + (stamp + secret).encode()).hexdigest()
        headers = {"apim-accesstoken": token, "apim-timestamp": stamp, "apim-signature": signature,
                   "Content-Type": "application/json;charset=UTF-8"}
        if drop_header:
            del headers[drop_header]
        target = "/connect-service/v2.0/certificates?" + urllib.parse.urlencode(query)
        return self.client.request(method or ("GET" if action == "list" else "POST"), target, raw or None, headers)


NOW = datetime.datetime.now(datetime.timezone.utc)


def make_ca(cn: str = "Test Root", org: str = "Acme"):
    """(key, cert) of a self-signed CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    name = x509.Name(attrs)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW.replace(microsecond=0))
            .not_valid_after(NOW.replace(microsecond=0) + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def pem(cert) -> str:
    """PEM text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def verification_cert(ca_key, ca_cert, verify_code: str) -> str:
    """The proof-of-possession certificate: CN = verify_code, signed by the CA key."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, verify_code)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(minutes=5)).not_valid_after(NOW + datetime.timedelta(days=1))
            .sign(ca_key, hashes.SHA256()))
    return pem(cert)
