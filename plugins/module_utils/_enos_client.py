# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""EnOS connect-service client: APIM access token, signed calls, the ``{code,msg,requestId,data}`` envelope.

One token is fetched per client (one per module run) and reused; an expired-token answer (HTTP 401,
or HTTP 200 with ``code``/``status`` 1203) fetches exactly one new token and repeats the request once.
Business errors arrive as HTTP 200 with a non-zero ``code`` and become ``ApiError`` like any other.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import json
import random
import threading
import typing as t
from urllib.parse import quote, urlencode

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import HttpClient
from ansible_collections.iotpki.certificates.plugins.module_utils._options import check_connection, setting
from ansible_collections.iotpki.certificates.plugins.module_utils import _enos_signer as signer

PLATFORM = "EnOS"
TOKEN_PATH = "/apim-token-service/v2.0/token/get"
CERTIFICATES_PATH = "/connect-service/v2.0/certificates"
TOKEN_EXPIRED = 1203
# The token service refuses an encryption (appKey + timestamp in ms) it has seen before: parallel
# runs (forks) asking in the same millisecond, or a retried token request whose first copy arrived.
TOKEN_REPLAYED = 1001
TOKEN_ATTEMPTS = 5
# Codes of a refused appKey or secret (token service) and signature (business calls).
UNKNOWN_APP_KEY = 1002
INVALID_ENCRYPTION = 1003


def _credential_advice(code: t.Any, message: str) -> t.Optional[str]:
    """What to check for an authentication failure of EnOS, or None for another failure."""
    text = message.lower()
    if "clock skew" in text or "timestamp" in text and "outside" in text:
        return "the platform says the request's timestamp is off: check the clock of the controller running the task (UTC, NTP)"
    if str(code) == str(UNKNOWN_APP_KEY):
        return "check %s: the gateway does not know this application key" % setting("enos", "access_key")
    if str(code) == str(INVALID_ENCRYPTION) or "encryption is invalid" in text or "signature is invalid" in text:
        return "check %s (it must be the application secret of %s), and the controller's clock" % (
            setting("enos", "secret_key"), setting("enos", "access_key"))
    return None


def device_query(asset_id: t.Optional[str] = None, product_key: t.Optional[str] = None, device_key: t.Optional[str] = None) -> t.List[t.Tuple[str, str]]:
    """The device part of the query: ``assetId``, or ``productKey`` + ``deviceKey`` (exactly one way)."""
    if asset_id and (product_key or device_key):
        raise InputError("select the EnOS device one way: asset_id, or product_key with device_key, not both")
    if asset_id:
        return [("assetId", asset_id)]
    if product_key and device_key:
        return [("productKey", product_key), ("deviceKey", device_key)]
    if product_key or device_key:
        raise InputError("product_key and device_key go together: give both, or asset_id instead")
    raise InputError("select the EnOS device: asset_id, or product_key with device_key")


def describe_device(query: t.Sequence[t.Tuple[str, str]]) -> str:
    """``asset_id=...`` or ``product_key=.../device_key=...`` for messages."""
    names = {"assetId": "asset_id", "productKey": "product_key", "deviceKey": "device_key"}
    return "/".join("%s=%s" % (names.get(key, key), value) for key, value in query)


class EnosClient:
    """Token-authenticated calls to one EnOS API gateway and organization."""

    def __init__(self, params: t.Mapping[str, t.Any], warn: t.Optional[t.Callable[[str], None]] = None) -> None:
        check_connection("enos", params)
        self.app_key = params["access_key"]
        self.app_secret = params["secret_key"]
        self.org_id = params["org_id"]
        self.http = HttpClient.from_params(PLATFORM, params.get("gateway_url"), params, warn, url_option=setting("enos", "gateway_url"))
        self._token: t.Optional[str] = None
        self._token_lock = threading.Lock()
        self.token_requests = 0

    # -- token -------------------------------------------------------------------------------------

    def token(self) -> str:
        """The access token of this run, fetched on first use (once, whatever the number of workers)."""
        with self._token_lock:
            if self._token is None:
                self._token = self._fetch_token()
            return self._token

    def _expired(self, token: str) -> None:
        """Forget ``token`` after an expired-token answer, unless another worker already replaced it:
        eight workers that see the same expiry fetch one new token, not eight."""
        with self._token_lock:
            if self._token == token:
                self._token = None

    def _fetch_token(self) -> str:
        """A new access token; a replayed-encryption answer (1001) is asked again with a fresh timestamp."""
        attempt = 0
        while True:
            attempt += 1
            stamp = signer.timestamp_ms()
            body = {"appKey": self.app_key, "encryption": signer.token_encryption(self.app_key, stamp, self.app_secret), "timestamp": stamp}
            payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
            self.token_requests += 1
            # Asking for a token changes nothing on the platform: safe to retry like a read.
            response, data = self.http.request_json("POST", TOKEN_PATH, "", payload, self._json_headers(), None, idempotent=True)
            url = self.http.base_url + TOKEN_PATH
            if not isinstance(data, dict):
                raise ApiError(PLATFORM, "POST", url, "token service answered without a JSON object", http_status=response.status)
            status = data.get("status", data.get("code"))
            if status in (TOKEN_REPLAYED, str(TOKEN_REPLAYED)) and attempt < TOKEN_ATTEMPTS:
                self.http.sleep(random.uniform(0.002, 0.05))  # another millisecond, and away from the other runs
                continue
            token = (data.get("data") or {}).get("accessToken") if isinstance(data.get("data"), dict) else None
            if status not in (0, "0") or not token or not isinstance(token, str):
                message = str(data.get("msg") or "no access token in the answer")
                advice = _credential_advice(status, message)
                raise ApiError(PLATFORM, "POST", url, "cannot get an access token: %s%s" % (message, "; " + advice if advice else ""),
                               http_status=response.status, code=status, request_id=data.get("requestId"))
            return token

    @staticmethod
    def _json_headers() -> t.Dict[str, str]:
        return {"Content-Type": "application/json;charset=UTF-8"}

    # -- business calls ----------------------------------------------------------------------------

    def certificates(self, action: str, device: t.Sequence[t.Tuple[str, str]], body: t.Optional[t.Mapping[str, t.Any]] = None) -> t.Any:
        """Call ``/connect-service/v2.0/certificates?action=...`` for a device; return ``data``.

        ``list`` is a GET without a body; every other action is a POST with a JSON body.
        """
        query = [("action", action), ("orgId", self.org_id)] + list(device)
        method = "GET" if action == "list" else "POST"
        return self.call(method, CERTIFICATES_PATH, query, body)

    def call(self, method: str, path: str, query: t.Sequence[t.Tuple[str, str]], body: t.Optional[t.Mapping[str, t.Any]] = None) -> t.Any:
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8") if body is not None else b""
        query_string = urlencode(list(query), quote_via=quote)
        url = "%s%s?%s" % (self.http.base_url, path, query_string)
        renewed = False
        while True:
            token = self.token()

            def sign(_method: str, _path: str, _query: str, _headers: t.Dict[str, str], data: bytes, token: str = token) -> t.Dict[str, str]:
                stamp = signer.timestamp_ms()
                return {
                    "apim-accesstoken": token,
                    "apim-timestamp": str(stamp),
                    "apim-signature": signer.request_signature(token, query, data, stamp, self.app_secret),
                }

            try:
                response, data = self.http.request_json(method, path, query_string, payload, self._json_headers(), sign)
            except ApiError as error:
                if error.http_status == 401 and renewed:
                    raise error.with_advice("a new access token was refused too: check %s and %s, and the controller's clock" % (
                        setting("enos", "secret_key"), setting("enos", "access_key"))) from None
                if error.http_status == 401 and not renewed:
                    self._expired(token)
                    renewed = True
                    continue
                raise
            envelope = data if isinstance(data, dict) else {}
            code = envelope.get("code", envelope.get("status"))
            if code in (TOKEN_EXPIRED, str(TOKEN_EXPIRED)) and not renewed:
                self._expired(token)
                renewed = True
                continue
            if not isinstance(data, dict) or code is None:
                raise ApiError(PLATFORM, method, url, "answer is not an EnOS envelope ({code, msg, requestId, data})", http_status=response.status)
            if code not in (0, "0"):
                message = str(envelope.get("msg") or "no message").strip()
                advice = _credential_advice(code, message)
                raise ApiError(
                    PLATFORM, method, url, "%s; %s" % (message, advice) if advice else message,
                    http_status=response.status, code=code, request_id=envelope.get("requestId"),
                )
            return envelope.get("data")
