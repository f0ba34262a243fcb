"""Transport-neutral request/response objects and JSON helpers."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any, Optional
from urllib.parse import parse_qsl


class BadJson(ValueError):
    """The request body is not valid JSON."""


@dataclasses.dataclass
class Request:
    """One HTTP request as received: raw target, lower-case header names, exact body bytes."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    scheme: str = "http"

    @functools.cached_property
    def path(self) -> str:
        """The raw (still percent-encoded) path, without the query."""
        return self.target.partition("?")[0]

    @functools.cached_property
    def raw_query(self) -> str:
        """The raw query string (may be empty)."""
        return self.target.partition("?")[2]

    @functools.cached_property
    def query(self) -> dict[str, str]:
        """Decoded query parameters; the first value wins for repeated keys."""
        result: dict[str, str] = {}
        for key, value in parse_qsl(self.raw_query, keep_blank_values=True):
            result.setdefault(key, value)
        return result

    def json(self) -> Any:
        """The body parsed as JSON (None for an empty body); raise BadJson when malformed."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadJson(str(exc)) from None


@dataclasses.dataclass
class Response:
    """What to send back. drop=True closes the connection without answering."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    code: Optional[Any] = None
    drop: bool = False


@dataclasses.dataclass
class Outcome:
    """A platform handler's result: the response plus what the request log needs."""

    response: Response
    auth: str = "none"
    temporary: bool = False


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(status: int, obj: Any, headers: Optional[list[tuple[str, str]]] = None, code: Any = None) -> Response:
    """A JSON response; obj None with status 204 (or an explicit empty answer) sends no body."""
    all_headers = [("Content-Type", "application/json")]
    all_headers.extend(headers or [])
    body = b"" if obj is None else dumps(obj)
    return Response(status=status, body=body, headers=all_headers, code=code)
