"""Server-side IoTDA authentication: X-Auth-Token, SDK-HMAC-SHA256 and V11-HMAC-SHA256 (derived, 'iotdm')."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import re
from typing import Optional
from urllib.parse import quote, unquote

from iotpki_sim.config import Credentials
from iotpki_sim.iotda.errors import IotdaError

SERVICE = "iotdm"
_AUTH_RE = re.compile(r"^(SDK-HMAC-SHA256|V11-HMAC-SHA256)\s+(Access|Credential)=([^,\s]+),\s*"
                      r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$")
_KIND_FOR_ALG = {"SDK-HMAC-SHA256": "Access", "V11-HMAC-SHA256": "Credential"}


@dataclasses.dataclass(frozen=True)
class AuthResult:
    """label: token|standard|derived|rejected|none; error set when rejected."""

    label: str
    error: Optional[IotdaError] = None
    temporary: bool = False


@dataclasses.dataclass(frozen=True)
class AuthPolicy:
    """What the simulator accepts right now."""

    credentials: Credentials
    mode: str
    max_skew: int


def _iam_error(detail: str) -> IotdaError:
    return IotdaError(401, "APIGW.0301", "Incorrect IAM authentication information: " + detail, gateway=True)


def _same(received: str, expected: str) -> bool:
    return hmac.compare_digest(received.encode("utf-8", "replace"), expected.encode("utf-8"))


def _enc(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Decode, re-encode each segment, and end with '/'."""
    uri = "/".join(_enc(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(raw: str) -> str:
    """Re-canonicalise a received query string (percent-decoding with unquote, not unquote_plus)."""
    pairs = []
    for part in filter(None, (raw or "").split("&")):
        key, _sep, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return "&".join("%s=%s" % (_enc(k), _enc(v)) for k, v in sorted(pairs))


def _string_to_sign(alg: str, date: str, scope: Optional[str], canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    if scope is None:
        return "%s\n%s\n%s" % (alg, date, digest)
    return "%s\n%s\n%s\n%s" % (alg, date, scope, digest)


def _signing_key(access_key: str, secret_key: str, scope: Optional[str]) -> bytes:
    if scope is None:
        return secret_key.encode("utf-8")
    prk = hmac.new(access_key.encode("utf-8"), secret_key.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(prk, scope.encode("utf-8") + b"\x01", hashlib.sha256).hexdigest().encode("ascii")


def _check_date(date: str, max_skew: int, now: datetime.datetime) -> None:
    try:
        stamp = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise _iam_error("X-Sdk-Date is missing or malformed.") from None
    if abs((now - stamp).total_seconds()) > max_skew:
        raise IotdaError(401, "APIGW.0303", "Incorrect authentication information: the request has expired "
                         "(X-Sdk-Date differs from the server time by more than %d seconds)." % max_skew, gateway=True)


@dataclasses.dataclass(frozen=True)
class _Signed:
    """The parts of a parsed Authorization header."""

    alg: str
    access_key: str
    scope: Optional[str]
    signed: str
    signature: str
    date: str

    @property
    def names(self) -> list[str]:
        """Signed header names."""
        return self.signed.split(";")


def _parse(headers: dict[str, str], policy: AuthPolicy, now: datetime.datetime) -> _Signed:
    """Parse and pre-check the Authorization header; raise IotdaError when it cannot be valid."""
    match = _AUTH_RE.match(headers.get("authorization", "").strip())
    if not match or _KIND_FOR_ALG[match.group(1)] != match.group(2):
        raise _iam_error("the Authorization header is malformed.")
    alg, _kind, credential, signed, signature = match.groups()
    if alg == "SDK-HMAC-SHA256" and policy.mode == "instance":
        raise IotdaError(401, "IOTDA.000002", "Authentication failed.")
    names = signed.split(";")
    if "host" not in names or "x-sdk-date" not in names:
        raise _iam_error("host and x-sdk-date must be signed headers.")
    if any(name not in headers for name in names):
        raise _iam_error("a signed header is missing from the request.")
    if "x-security-token" in headers and "x-security-token" not in names:
        raise _iam_error("X-Security-Token must be a signed header.")
    date = headers.get("x-sdk-date", "")
    _check_date(date, policy.max_skew, now)
    access_key, scope = credential, None
    if alg == "V11-HMAC-SHA256":
        parts = credential.split("/")
        if len(parts) != 4 or parts[1] != date[:8] or parts[2] != policy.credentials.iotda_region or parts[3] != SERVICE:
            raise _iam_error("the credential scope does not match.")
        access_key, scope = parts[0], "/".join(parts[1:])
    if not _same(access_key, policy.credentials.iotda_access_key):
        raise _iam_error("the access key does not exist.")
    return _Signed(alg=alg, access_key=access_key, scope=scope, signed=signed, signature=signature, date=date)


def _expected(method: str, target: str, headers: dict[str, str], body: bytes, parsed: _Signed, secret: str) -> str:
    """The signature the request should carry."""
    path, _sep, query = target.partition("?")
    canonical_request = "\n".join([
        method.upper(), canonical_uri(path), canonical_query(query),
        "".join("%s:%s\n" % (name, headers[name].strip()) for name in parsed.names), parsed.signed,
        headers.get("x-sdk-content-sha256") or hashlib.sha256(body).hexdigest()])
    key = _signing_key(parsed.access_key, secret, parsed.scope)
    string_to_sign = _string_to_sign(parsed.alg, parsed.date, parsed.scope, canonical_request)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _verify_signature(method: str, target: str, headers: dict[str, str], body: bytes,
                      policy: AuthPolicy, now: datetime.datetime) -> AuthResult:
    try:
        parsed = _parse(headers, policy, now)
    except IotdaError as exc:
        return AuthResult("rejected", exc)
    expected = _expected(method, target, headers, body, parsed, policy.credentials.iotda_secret_key)
    if not hmac.compare_digest(expected, parsed.signature):
        return AuthResult("rejected", _iam_error("verify aksk signature fail."))
    return AuthResult("standard" if parsed.scope is None else "derived", temporary="x-security-token" in headers)


def authenticate(method: str, target: str, headers: dict[str, str], body: bytes, policy: AuthPolicy,
                 now: Optional[datetime.datetime] = None) -> AuthResult:
    """Check one request: Authorization (AK/SK) when present, else X-Auth-Token."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if "authorization" in headers:
        return _verify_signature(method, target, headers, body, policy, now)
    token = headers.get("x-auth-token")
    if token is None:
        return AuthResult("none", _iam_error("no Authorization or X-Auth-Token header."))
    if _same(token, policy.credentials.iotda_auth_token):
        return AuthResult("token")
    return AuthResult("rejected", _iam_error("the token is invalid."))
