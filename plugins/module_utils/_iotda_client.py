# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IoTDA v5 client: authentication (IAM token, standard or derived AK/SK) over the shared HTTP client.

Paths given to this client are relative to ``/v5/iot/{project_id}``.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import json
import typing as t
from urllib.parse import quote

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.iotpki.certificates.plugins.module_utils._http import Answer, HttpClient
from ansible_collections.iotpki.certificates.plugins.module_utils._options import check_connection, setting
from ansible_collections.iotpki.certificates.plugins.module_utils import _iotda_signer as signer
from ansible_collections.iotpki.certificates.plugins.module_utils._paging import ListingSource, PageResult, collect_pages

PLATFORM = "IoTDA"


def path_param(value: t.Any, field: str = "ID") -> str:
    """A path parameter, encoded the way the SDK does (``dc:1`` -> ``dc%3A1``).

    A request is never built from a missing value (``/certificates/None``, ``/v5/iot//...``): None,
    blank text or a non-scalar raises InputError naming ``field``.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise InputError("cannot build the request path: %s is missing or empty (got %r)" % (field, value))
    return quote(str(value), safe="")


class IotdaClient:
    """Signed calls to one IoTDA endpoint and project."""

    def __init__(self, params: t.Mapping[str, t.Any], warn: t.Optional[t.Callable[[str], None]] = None) -> None:
        check_connection("iotda", params)
        self.project_id = params["project_id"].strip()
        self.instance_id = params.get("instance_id")
        self.auth_token = params.get("auth_token")
        self.access_key = params.get("access_key")
        self.secret_key = params.get("secret_key")
        self.security_token = params.get("security_token")
        if not self.auth_token and not (self.access_key and self.secret_key):
            raise InputError(
                "IoTDA credentials missing: set %s and %s (AK/SK signing), or %s (IAM token)"
                % (setting("iotda", "access_key"), setting("iotda", "secret_key"), setting("iotda", "auth_token"))
            )
        self.http = HttpClient.from_params(PLATFORM, params.get("endpoint"), params, warn, url_option=setting("iotda", "endpoint"))
        host = self.http.host.split(":")[0]
        signing = params.get("signing") or "auto"
        self.derived = signing == "derived" or (signing == "auto" and signer.uses_derived_signing(host))
        self.region = params.get("region") or signer.region_from_host(host)
        if not self.auth_token and self.derived and not self.region:
            raise InputError(
                "IoTDA derived signing (V11-HMAC-SHA256) needs the region: set region (or IOTDA_REGION), "
                "or signing=standard for a shared iotda.<region>.myhuaweicloud.com endpoint"
            )
        self.prefix = "/v5/iot/%s" % path_param(self.project_id, "project_id")

    @property
    def auth_mode(self) -> str:
        if self.auth_token:
            return "token"
        return "derived" if self.derived else "standard"

    def _headers(self) -> t.Dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Project-Id": self.project_id}
        if self.instance_id:
            headers["Instance-Id"] = self.instance_id
        if self.auth_token:
            headers["X-Auth-Token"] = self.auth_token
        elif self.security_token:
            headers["X-Security-Token"] = self.security_token
        return headers

    def _sign(self, method: str, path: str, query: str, headers: t.Dict[str, str], body: bytes) -> t.Dict[str, str]:
        if self.auth_token:
            return {}
        date = signer.sdk_date()
        signed = dict(headers, **{"X-Sdk-Date": date})
        region = self.region if self.derived else None
        return {
            "X-Sdk-Date": date,
            "Authorization": signer.authorization(method, path, query, signed, body, self.access_key, self.secret_key, region),
        }

    def request(
        self,
        method: str,
        path: str,
        query: t.Optional[t.Iterable[t.Tuple[str, t.Any]]] = None,
        body: t.Any = None,
        idempotent: t.Optional[bool] = None,
    ) -> t.Any:
        """Call ``/v5/iot/{project_id}`` + ``path``; return the decoded JSON body (None when empty).

        A body is an ``Answer``: a dict whose ``request_id`` names the answer it came from.
        """
        query_string = signer.canonical_query((k, v) for k, v in (query or []) if v is not None)
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8") if body is not None else b""
        try:
            response, data = self.http.request_json(method, self.prefix + path, query_string, payload, self._headers(), self._sign, idempotent)
        except ApiError as error:
            raise self._explained(error) from None
        if data is not None and not isinstance(data, dict):  # every IoTDA answer is an object (or empty)
            raise ApiError(PLATFORM, method, self._url(path), "answer is not a JSON object but %s" % type(data).__name__,
                           http_status=response.status, request_id=response.request_id)
        return None if data is None else Answer(data, response.request_id)

    def _explained(self, error: ApiError) -> ApiError:
        """An authentication failure with the settings to check; any other failure unchanged."""
        code = str(error.code or "")
        if code == "APIGW.0303" or (error.http_status == 401 and "expired" in error.message.lower() and not self.auth_token):
            return error.with_advice(
                "the platform says the signature's time (X-Sdk-Date) is more than 15 minutes off: check the clock "
                "of the controller running the task (UTC, NTP)"
            )
        if error.http_status == 401 and self.auth_token:
            return error.with_advice("check %s: the IAM token may have expired or belong to another account" % setting("iotda", "auth_token"))
        if error.http_status == 401:
            keys = "%s and %s" % (setting("iotda", "secret_key"), setting("iotda", "access_key"))
            advice = "check %s, then %s (this endpoint uses %s signing)" % (keys, setting("iotda", "signing"), self.auth_mode)
            if self.derived:
                advice += " and %s (derived signing uses region %s)" % (setting("iotda", "region"), self.region)
            if self.security_token:
                advice += "; temporary credentials also need a current %s" % setting("iotda", "security_token")
            return error.with_advice(advice + ", and the controller's clock")
        if code == "IOTDA.000021":
            return error.with_advice("check %s: it is not the project of these credentials" % setting("iotda", "project_id"))
        return error

    def _url(self, path: str) -> str:
        return self.http.base_url + self.prefix + path

    def _list_answer(self, method: str, path: str, page: t.Optional[t.Dict[str, t.Any]], items_key: str) -> t.Dict[str, t.Any]:
        """A list answer with the shape paging relies on; ApiError for anything else (never a traceback)."""
        page = page or {}
        items, info = page.get(items_key), page.get("page")
        if items is not None and not (isinstance(items, list) and all(isinstance(item, dict) for item in items)):
            problem = "'%s' is not a list of objects" % items_key
        elif info is not None and not isinstance(info, dict):
            problem = "'page' is not an object"
        else:
            request_id = getattr(page, "request_id", None)
            if items:
                page = Answer(page, request_id)
                page[items_key] = [Answer(item, request_id) for item in items]
            return page
        raise ApiError(PLATFORM, method, self._url(path), "unexpected list answer: %s" % problem, request_id=getattr(page, "request_id", None))

    def get(self, path: str, query: t.Optional[t.Iterable[t.Tuple[str, t.Any]]] = None) -> t.Any:
        return self.request("GET", path, query)

    def list_all(
        self,
        path: str,
        items_key: str,
        query: t.Optional[t.Iterable[t.Tuple[str, t.Any]]] = None,
        max_results: t.Optional[int] = None,
        id_key: str = "certificate_id",
    ) -> PageResult:
        """Every record of a GET list call, following ``page.marker`` at 50 per request, de-duplicated
        by ``id_key``; IncompleteListing when the platform's paging does not let it finish."""
        base = [(k, v) for k, v in (query or []) if v is not None]

        def fetch(limit: int, marker: t.Optional[str]) -> t.Mapping[str, t.Any]:
            page_query = base + [("limit", limit)] + ([("marker", marker)] if marker else [])
            return self._list_answer("GET", path, self.get(path, page_query), items_key)

        return collect_pages(fetch, items_key, id_key, max_results, source=ListingSource(PLATFORM, "GET", self._url(path)))

    def list_all_by_post(self, path: str, items_key: str, max_results: t.Optional[int] = None, id_key: str = "device_id") -> PageResult:
        """Every record of a list call that takes its paging in a POST body (list-device)."""

        def fetch(limit: int, marker: t.Optional[str]) -> t.Mapping[str, t.Any]:
            body: t.Dict[str, t.Any] = {"limit": limit}
            if marker:
                body["marker"] = marker
            return self._list_answer("POST", path, self.request("POST", path, body=body, idempotent=True), items_key)

        return collect_pages(fetch, items_key, id_key, max_results, source=ListingSource(PLATFORM, "POST", self._url(path)))
