"""Server-side check of EnOS APIM signed requests (apim-accesstoken / apim-timestamp / apim-signature)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
from typing import Optional

from iotpki_sim.enos.errors import EnosError
from iotpki_sim.state import SimState
from iotpki_sim.core.web import Request

HEADERS = ("apim-accesstoken", "apim-timestamp", "apim-signature")


@dataclasses.dataclass(frozen=True)
class ApimResult:
    """label: apim|rejected|none; app_key of the token when accepted."""

    label: str
    error: Optional[EnosError] = None
    app_key: str = ""


def sign_data(token: str, query: dict[str, str], body: bytes, timestamp: str, secret: str) -> bytes:
    """token + concat(k+v, keys sorted) + raw body + timestamp + appSecret, as bytes."""
    params = "".join(key + value for key, value in sorted(query.items()))
    return (token + params).encode("utf-8") + body + (timestamp + secret).encode("utf-8")


def authenticate(state: SimState, req: Request, now: Optional[float] = None) -> ApimResult:
    """Verify the three APIM headers against the issued tokens and the app secret."""
    now = time.time() if now is None else now
    values = {name: req.headers.get(name, "").strip() for name in HEADERS}
    missing = [name for name in HEADERS if not values[name]]
    if missing:
        label = "none" if len(missing) == len(HEADERS) else "rejected"
        return ApimResult(label, EnosError(1202, "parameter is empty: %s" % ", ".join(missing)))
    with state.lock:
        record = state.tokens.lookup(values["apim-accesstoken"])
    if record is None:
        return ApimResult("rejected", EnosError(1004, "invalid access token"))
    if record.expires_at <= now:
        return ApimResult("rejected", EnosError(1203, "access token expired",
                                                http_status=state.config["enos_expired_token_status"]))
    stamp = values["apim-timestamp"]
    max_skew_ms = state.config["max_skew_seconds"] * 1000
    if not stamp.isdigit() or abs(int(stamp) - now * 1000) > max_skew_ms:
        return ApimResult("rejected", EnosError(1004, "invalid parameter: apim-timestamp is missing, malformed or "
                                                      "outside the allowed clock skew"))
    secret = state.credentials.enos_secret_key if record.app_key == state.credentials.enos_access_key else ""
    expected = hashlib.sha256(sign_data(values["apim-accesstoken"], req.query, req.body, stamp, secret)).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), values["apim-signature"].lower().encode("utf-8", "replace")):
        return ApimResult("rejected", EnosError(1003, "apim-signature is invalid"))
    return ApimResult("apim", app_key=record.app_key)
