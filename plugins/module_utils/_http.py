# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one HTTP client of the collection.

A ``requests.Session`` with keep-alive, timeouts, TLS verification (``ca_path``), proxies from the
environment and the retry policy of ``_retry``. Every failure leaves it as an ``ApiError``.
The platform clients give it a ``sign`` callable that builds fresh authentication headers for each
attempt, so a retried request carries a new timestamp and signature.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import json
import re
import threading
import time
import typing as t

from ansible_collections.iotpki.certificates.plugins.module_utils._errors import ApiError
from ansible_collections.iotpki.certificates.plugins.module_utils import _retry
from ansible_collections.iotpki.certificates.plugins.module_utils._version import USER_AGENT

try:
    import requests
    from requests import exceptions as requests_exceptions
except ImportError:  # pragma: no cover - reported by the module glue with missing_required_lib
    requests = None  # type: ignore[assignment]
    requests_exceptions = None  # type: ignore[assignment]
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

# sign(method, path, query_string, headers, body) -> headers to add for this attempt
Signer = t.Callable[[str, str, str, t.Dict[str, str], bytes], t.Dict[str, str]]

# IoTDA's throttling codes (global / tenant rate limit reached), whatever the HTTP status.
THROTTLE_CODES = frozenset(("IOTDA.021101", "IOTDA.021102"))


class Limiter(t.Protocol):
    """What the client needs of a shared rate limiter (``_fleet.RateLimiter``)."""

    def acquire(self) -> None: ...

    def accepted(self) -> None: ...

    def throttled(self, retry_after: t.Optional[float] = None) -> None: ...


class Answer(dict):
    """A decoded JSON object that remembers the request id of the answer it came from.

    The request id travels with the value (no shared state), so a record built from it can name the
    answer even when several workers share one client.
    """

    def __init__(self, data: t.Mapping[str, t.Any], request_id: t.Optional[str] = None) -> None:
        super().__init__(data)
        self.request_id = request_id


class Response:
    """An HTTP answer, with its JSON body decoded on demand."""

    def __init__(self, status: int, headers: t.Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def request_id(self) -> t.Optional[str]:
        return self.headers.get("X-Request-Id") or self.headers.get("x-request-id")

    def json(self) -> t.Any:
        """The decoded body; ValueError when it is not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except RecursionError:  # nesting deeper than the decoder's limit: no answer of either platform
            raise ValueError("JSON nested too deeply") from None


_ERROR_KEYS = (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "msg"), ("code", "message"), ("status", "msg"))
# Linear-time patterns (no "<" inside a match): an HTML page of any size or shape is summarised at once.
_TITLE_RE = re.compile(r"<title[^<>]*>([^<]*)</title>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^<>]*>")


def describe_body(response: Response) -> t.Tuple[t.Optional[t.Union[str, int]], str, t.Optional[str]]:
    """(code, message, request id) from an error answer of either platform, whatever its shape."""
    request_id = response.request_id
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        request_id = request_id or data.get("request_id") or data.get("requestId")
        for code_key, msg_key in _ERROR_KEYS:
            if code_key in data or msg_key in data:
                code = data.get(code_key)
                message = data.get(msg_key) or data.get("message") or ""
                return code, str(message).strip() or "no message", request_id
        return None, "unexpected error body: %s" % _short(json.dumps(data, sort_keys=True)), request_id
    return None, _describe_text(response), request_id


def _describe_text(response: Response) -> str:
    text = response.body.decode("utf-8", "replace")
    content_type = response.headers.get("Content-Type", "unknown content type")
    if not text.strip():
        return "empty body"
    match = _TITLE_RE.search(text)
    summary = match.group(1) if match else _TAG_RE.sub(" ", text)
    return "non-JSON body (%s): %s" % (content_type.split(";")[0], _short(summary))


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _ends(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters, keeping its start and its end (where a
    network error's reason is)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return text[:half] + " ... " + text[-half:]


def seconds(value: float) -> str:
    """``1.5 s``, ``30 s``: a duration as the user gave it, never rounded to a whole second."""
    return "%s s" % ("%g" % value)


# OpenSSL's words when the other end does not speak TLS at all (an https:// URL on a plain HTTP port).
_NOT_TLS = ("wrong version number", "record layer failure", "http request", "unknown protocol", "packet length too long")


class HttpClient:
    """Sends requests to one platform base URL with the shared retry and error policy."""

    def __init__(
        self,
        platform: str,
        base_url: str,
        validate_certs: bool = True,
        ca_path: t.Optional[str] = None,
        timeout: float = 30.0,
        retries: int = 3,
        warn: t.Optional[t.Callable[[str], None]] = None,
        sleep: t.Callable[[float], None] = time.sleep,
        url_option: str = "the URL",
        scheme_given: bool = True,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self.validate_certs = validate_certs
        self.url_option = url_option  # for messages: which setting holds the URL
        self.scheme_given = scheme_given  # False when "https://" was added to a URL without a scheme
        self.timeout = timeout
        self.retries = max(0, retries)
        self.warn = warn or (lambda message: None)
        self.sleep = sleep
        self.request_count = 0
        self._count_lock = threading.Lock()
        # Set by a fleet: every attempt of every request waits on it, and tells it about throttles.
        self.limiter: t.Optional[Limiter] = None
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        if not validate_certs:
            self.session.verify = False
            self._silence_insecure_warning()
        elif ca_path:
            self.session.verify = ca_path
        self._read_environment_once()

    def _read_environment_once(self) -> None:
        """Take requests' environment settings (proxies, NO_PROXY, REQUESTS_CA_BUNDLE) once per client.

        With ``trust_env`` requests reads them, and ~/.netrc, for every request: a third of the time of
        a small request. Every request of this client goes to one base URL, so the answer never changes.
        ~/.netrc is no longer read: its credentials would replace the signed Authorization header.
        """
        settings = self.session.merge_environment_settings(self.base_url, {}, None, self.session.verify, None)
        self.session.trust_env = False
        self.session.proxies = settings["proxies"]
        self.session.verify = settings["verify"]

    @classmethod
    def from_params(
        cls, platform: str, url: t.Optional[str], params: t.Mapping[str, t.Any], warn: t.Optional[t.Callable[[str], None]] = None,
        url_option: str = "the URL",
    ) -> "HttpClient":
        """The client for a platform's connection options (validated by ``_options.check_connection``);
        a URL without a scheme means HTTPS."""
        url = (url or "").strip()
        scheme_given = url.lower().startswith(("http://", "https://"))
        if not scheme_given:
            url = "https://" + url
        return cls(
            platform,
            url,
            validate_certs=params.get("validate_certs", True),
            ca_path=params.get("ca_path"),
            timeout=params.get("timeout") or 30.0,
            retries=params.get("retries", 3),
            warn=warn,
            url_option=url_option,
            scheme_given=scheme_given,
        )

    def size_pool(self, connections: int) -> None:
        """Keep up to ``connections`` connections open, one per concurrent worker of a fleet."""
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=max(1, connections))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    @staticmethod
    def _silence_insecure_warning() -> None:
        # The modules warn once through Ansible; urllib3's own warning per request is noise.
        try:
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        except (ImportError, AttributeError):  # pragma: no cover
            pass

    @property
    def host(self) -> str:
        """Host and port as sent in the Host header (the port only when not the default)."""
        scheme, rest = self.base_url.split("://", 1)
        netloc = rest.split("/", 1)[0]
        default_port = ":443" if scheme == "https" else ":80"
        return netloc[: -len(default_port)] if netloc.endswith(default_port) else netloc

    @property
    def base_path(self) -> str:
        rest = self.base_url.split("://", 1)[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else ""

    def request(
        self,
        method: str,
        path: str,
        query: str = "",
        body: t.Optional[bytes] = None,
        headers: t.Optional[t.Dict[str, str]] = None,
        sign: t.Optional[Signer] = None,
        idempotent: t.Optional[bool] = None,
    ) -> Response:
        """Send one logical request; retry it as the policy allows; return a 2xx answer.

        ``path`` is appended to the base URL and ``query`` (already encoded) is sent as is, so the
        signer signs exactly the bytes on the wire. Raises ApiError otherwise.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        full_path = self.base_path + path
        url = "%s%s%s" % (self.base_url, path, "?" + query if query else "")
        payload = body or b""
        attempt = 0
        while True:
            attempt += 1
            send_headers = dict(headers or {})
            send_headers["Host"] = self.host
            if self.limiter is not None:
                self.limiter.acquire()  # before signing: a signature's timestamp must not age in the queue
            if sign is not None:
                send_headers.update(sign(method, full_path, query, send_headers, payload))
            with self._count_lock:
                self.request_count += 1
            try:
                # verify= per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a
                # session-level verify, which would ignore ca_path and validate_certs=false.
                raw = self.session.request(
                    method, url, data=payload or None, headers=send_headers, timeout=(self.timeout, self.timeout),
                    allow_redirects=False, verify=self.session.verify,
                )
            except requests_exceptions.RequestException as exc:  # type: ignore[union-attr]
                failure, reason = self._classify(exc)
                error = ApiError(self.platform, method, url, reason, retryable=failure != "tls", attempts=attempt)
                if failure == "tls" or attempt > self.retries or not _retry.should_retry(idempotent, failure=failure):
                    raise error from None
                self._pause(method, full_path, reason, attempt, None)
                continue
            response = Response(raw.status_code, raw.headers, raw.content)
            self._tell_limiter(response)
            if 200 <= response.status < 300:
                return response
            retryable = _retry.status_is_retryable(response.status)
            if attempt <= self.retries and _retry.should_retry(idempotent, status=response.status):
                retry_after = _retry.parse_retry_after(response.headers.get("Retry-After"))
                self._pause(method, full_path, "HTTP %d" % response.status, attempt, retry_after)
                continue
            code, message, request_id = describe_body(response)
            raise ApiError(
                self.platform, method, url, message,
                http_status=response.status, code=code, request_id=request_id, retryable=retryable, attempts=attempt,
            )

    def request_json(
        self,
        method: str,
        path: str,
        query: str = "",
        body: t.Optional[bytes] = None,
        headers: t.Optional[t.Dict[str, str]] = None,
        sign: t.Optional[Signer] = None,
        idempotent: t.Optional[bool] = None,
    ) -> t.Tuple[Response, t.Any]:
        """``request`` plus the decoded JSON body (None when empty); an unreadable body is an ApiError."""
        response = self.request(method, path, query, body, headers, sign, idempotent)
        try:
            return response, response.json()
        except ValueError:
            url = "%s%s%s" % (self.base_url, path, "?" + query if query else "")
            raise ApiError(
                self.platform, method, url, "answer is not valid JSON: %s" % _describe_text(response),
                http_status=response.status, request_id=response.request_id,
            ) from None

    def _tell_limiter(self, response: Response) -> None:
        """A throttle slows the whole task down; any other answer below 500 lets it speed up again."""
        if self.limiter is None:
            return
        throttled = response.status == 429
        if not throttled and response.status == 403:
            throttled = describe_body(response)[0] in THROTTLE_CODES
        if throttled:
            self.limiter.throttled(_retry.parse_retry_after(response.headers.get("Retry-After")))
        elif response.status < 500:
            self.limiter.accepted()

    def _pause(self, method: str, path: str, reason: str, attempt: int, retry_after: t.Optional[float]) -> None:
        delay = _retry.wait_before_retry(attempt, retry_after)
        self.warn("%s %s %s: %s; retrying in %.1f s (retry %d of %d)" % (self.platform, method, path, reason, delay, attempt, self.retries))
        self.sleep(delay)

    def _classify(self, exc: Exception) -> t.Tuple[str, str]:
        """('connect' | 'send' | 'tls', readable reason) for a request that got no answer."""
        if isinstance(exc, requests_exceptions.SSLError):  # type: ignore[union-attr]
            return "tls", self._tls_reason(_root_reason(exc))
        if isinstance(exc, requests_exceptions.ConnectTimeout):  # type: ignore[union-attr]
            return _retry.CONNECT_ERROR, "connection timed out after %s: check %s and the network path to it" % (seconds(self.timeout), self.url_option)
        if isinstance(exc, requests_exceptions.ReadTimeout):  # type: ignore[union-attr]
            return _retry.SEND_ERROR, "no answer within %s (read timeout; raise timeout if the platform is slow)" % seconds(self.timeout)
        if isinstance(exc, requests_exceptions.ConnectionError) and _is_connect_failure(exc):  # type: ignore[union-attr]
            reason = _root_reason(exc)
            if _in_chain(exc, "NameResolutionError"):
                return _retry.CONNECT_ERROR, "cannot resolve the host name of %s: %s" % (self.url_option, _ends(_without_pool(reason)))
            return _retry.CONNECT_ERROR, "cannot connect (check %s): %s" % (self.url_option, _ends(_without_pool(reason)))
        return _retry.SEND_ERROR, "connection lost before an answer: %s" % _ends(_without_pool(_root_reason(exc)))

    def _tls_reason(self, reason: str) -> str:
        """What a TLS failure means and what to change: the scheme, ca_path, or (only when verifying) validate_certs."""
        lowered = reason.lower()
        if any(words in lowered for words in _NOT_TLS):
            given = "" if self.scheme_given else " (no scheme was given, so https:// was assumed)"
            return (
                "the endpoint did not answer in TLS: %s%s looks like a plain-HTTP port. Use http:// in %s if the "
                "endpoint really is plain HTTP, or the HTTPS port (TLS said: %s)" % (self.base_url, given, self.url_option, _ends(reason))
            )
        if "certificate verify failed" in lowered or "hostname mismatch" in lowered:
            advice = "set ca_path to the CA bundle (PEM) that signed the endpoint's certificate"
            if self.validate_certs:
                advice += ", or validate_certs=false to skip verification (not recommended)"
            return "TLS verification failed for %s (%s); %s" % (self.base_url, _ends(reason), advice)
        return "TLS handshake with %s failed (%s); check %s and ca_path" % (self.base_url, _ends(reason), self.url_option)

    def close(self) -> None:
        self.session.close()


def _in_chain(exc: BaseException, name: str) -> bool:
    """True when an exception of type ``name`` is in the error chain of ``exc``."""
    current: t.Optional[BaseException] = exc
    for _dummy in range(10):
        if current is None:
            return False
        if type(current).__name__ == name or any(type(arg).__name__ == name for arg in getattr(current, "args", ())):
            return True
        current = getattr(current, "reason", None) or current.__cause__ or current.__context__
    return False


def _without_pool(reason: str) -> str:
    """A urllib3 reason without its ``HTTPSConnection(host='...', port=443): `` prefix (the URL is in the message)."""
    return re.sub(r"^\w*Connection(?:Pool)?\(host='[^']*', port=\d+\):\s*", "", reason)


def _is_connect_failure(exc: Exception) -> bool:
    """True when the error chain shows the TCP connection was never made."""
    seen = 0
    current: t.Optional[BaseException] = exc
    while current is not None and seen < 10:
        name = type(current).__name__
        if name in ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError") or isinstance(current, ConnectionRefusedError):
            return True
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException):
                inner = type(arg).__name__
                if inner in ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError") or isinstance(arg, ConnectionRefusedError):
                    return True
        current = getattr(current, "reason", None) or current.__cause__ or current.__context__
        seen += 1
    return False


def _root_reason(exc: Exception) -> str:
    """The innermost readable reason of a requests/urllib3 error chain."""
    current: t.Optional[BaseException] = exc
    text = str(exc)
    for _dummy in range(10):
        if current is None:
            break
        if str(current):
            text = str(current)
        nxt = getattr(current, "reason", None)
        if not isinstance(nxt, BaseException):
            args = [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
            nxt = args[0] if args else None
        current = nxt
    return re.sub(r"<[^>]*object at 0x[0-9a-f]+>:?\s*", "", text)
