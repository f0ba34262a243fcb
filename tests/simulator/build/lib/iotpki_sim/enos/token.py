"""EnOS APIM token service: /apim-token-service/v2.0/token/get and /token/refresh."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from iotpki_sim.state import SimState
from iotpki_sim.core.web import BadJson, Outcome, Request, Response, dumps

GET_PATH = "/apim-token-service/v2.0/token/get"
REFRESH_PATH = "/apim-token-service/v2.0/token/refresh"


class _TokenError(Exception):
    def __init__(self, status: int, msg: str) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg


def _answer(http_status: int, status: int, msg: str, data: Any = None) -> Response:
    body = {"status": status, "msg": msg, "business": "apim-token-service", "data": data}
    return Response(status=http_status, body=dumps(body), headers=[("Content-Type", "application/json;charset=UTF-8")],
                    code=status or None)


def _fields(req: Request, refresh: bool) -> tuple[str, str, str, str]:
    try:
        body = req.json()
    except BadJson:
        raise _TokenError(1004, "invalid parameter: the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _TokenError(1004, "invalid parameter: the body must be a JSON object")
    names = ("appKey", "encryption", "timestamp") + (("accessToken",) if refresh else ())
    missing = [name for name in names if body.get(name) in (None, "")]
    if missing:
        raise _TokenError(1202, "parameter is empty: %s" % ", ".join(missing))
    stamp = body["timestamp"]
    if isinstance(stamp, bool) or not isinstance(stamp, (int, str)):
        raise _TokenError(1004, "invalid parameter: timestamp")
    if not all(isinstance(body[name], str) for name in names if name != "timestamp"):
        raise _TokenError(1004, "invalid parameter: appKey, encryption and accessToken must be strings")
    return body["appKey"], body["encryption"], str(stamp), body.get("accessToken") or ""


def _issue(state: SimState, req: Request) -> dict[str, Any]:
    refresh = req.path == REFRESH_PATH
    app_key, encryption, stamp, old_token = _fields(req, refresh)
    creds = state.credentials
    if app_key != creds.enos_access_key:
        raise _TokenError(1002, "appKey does not exist")
    expected = hashlib.sha256((app_key + stamp + creds.enos_secret_key).encode("utf-8")).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), encryption.lower().encode("utf-8", "replace")):
        raise _TokenError(1003, "encryption is invalid")
    ttl = state.config["enos_token_ttl"]
    now = time.time()
    with state.lock:
        if not state.tokens.claim_encryption(encryption.lower()):
            raise _TokenError(1001, "repeated request: this encryption was already used")
        if refresh:
            record = state.tokens.lookup(old_token)
            if record is None or record.app_key != app_key:
                raise _TokenError(1204, "failed to refresh the access token")
            return {"accessToken": state.tokens.issue(app_key, ttl, now), "expire": ttl}
        token, expire = state.tokens.get_or_issue(app_key, ttl, now)
        return {"accessToken": token, "expire": expire}


def handle(state: SimState, req: Request) -> Outcome:
    """Answer a token-service request (HTTP 200 with a business status, like the real service)."""
    if req.path not in (GET_PATH, REFRESH_PATH):
        return Outcome(_answer(404, 1004, "invalid parameter: unknown token-service path"))
    if req.method != "POST":
        return Outcome(_answer(405, 1004, "invalid parameter: use POST"))
    try:
        data = _issue(state, req)
    except _TokenError as exc:
        return Outcome(_answer(200, exc.status, exc.msg))
    return Outcome(_answer(200, 0, "SUCCESS", data))
