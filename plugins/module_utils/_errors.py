# -*- coding: utf-8 -*-
# Copyright (c) iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The failures a module or the lookup can report.

``ApiError`` is the one error type of the HTTP client: every API or network failure becomes one,
with the fields of the documented error shape. ``IncompleteListing`` is the ApiError of a listing
the platform's paging did not let finish. ``InputError`` is bad user input, found before any
request is sent.

Note that this module util is PRIVATE to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import typing as t


class InputError(ValueError):
    """Invalid options or content, detected locally before any request is sent."""


class ApiError(Exception):
    """A failed call to a platform, after retries.

    ``str(error)`` is the one-line message users see; ``to_dict()`` is the machine-readable
    ``error`` return value. Neither ever contains credentials, tokens or signatures.
    """

    def __init__(
        self,
        platform: str,
        method: str,
        url: str,
        message: str,
        http_status: t.Optional[int] = None,
        code: t.Optional[t.Union[str, int]] = None,
        request_id: t.Optional[str] = None,
        retryable: bool = False,
        attempts: int = 1,
    ) -> None:
        self.platform = platform
        self.method = method.upper()
        self.url = url
        self.message = message
        self.http_status = http_status
        self.code = code
        self.request_id = request_id
        self.retryable = retryable
        self.attempts = attempts
        super().__init__(self._format())

    @property
    def path(self) -> str:
        """The URL without scheme and host, as shown in messages."""
        rest = self.url.split("://", 1)[-1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"

    def _format(self) -> str:
        parts = ["%s %s %s failed" % (self.platform, self.method, self.path)]
        detail = []
        if self.http_status is not None:
            detail.append("HTTP %s" % self.http_status)
        if self.code not in (None, ""):
            detail.append(str(self.code))
        head = ", ".join(detail)
        text = "%s: %s" % (head, self.message) if head else self.message
        parts.append(": " + text)
        extras = []
        if self.request_id:
            extras.append("request id %s" % self.request_id)
        if self.attempts > 1:
            extras.append("after %d attempts" % self.attempts)
        if extras:
            parts.append(" (%s)" % ", ".join(extras))
        return "".join(parts)

    def with_advice(self, advice: str) -> "ApiError":
        """The same failure, its message followed by what to check (``; check ...``)."""
        return ApiError(self.platform, self.method, self.url, "%s; %s" % (self.message, advice), http_status=self.http_status,
                        code=self.code, request_id=self.request_id, retryable=self.retryable, attempts=self.attempts)

    def to_dict(self) -> t.Dict[str, t.Any]:
        """The ``error`` return value (the collection's error shape)."""
        return {
            "platform": self.platform,
            "method": self.method,
            "url": self.url,
            "http_status": self.http_status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "retryable": self.retryable,
        }


class IncompleteListing(ApiError):
    """A listing that cannot be completed because the platform's paging is inconsistent.

    Raised instead of returning a partial or repeated list: the modules and the lookup never act
    on, or report, an incomplete listing as if it were whole. ``read`` records were received
    (``unique`` of them distinct), ``total`` is what the platform said it has (None if unknown).
    """

    def __init__(
        self,
        platform: str,
        method: str,
        url: str,
        problem: str,
        read: int,
        unique: int,
        total: t.Optional[int],
        request_id: t.Optional[str] = None,
    ) -> None:
        self.problem = problem
        self.read = read
        self.unique = unique
        self.total = total
        of_total = " of the %d the platform counts" % total if total is not None else ""
        repeated = ", %d unique" % unique if unique != read else ""
        message = (
            "incomplete listing: %s; %d records read%s%s. The pager stopped rather than return a partial list. "
            "The platform's paging is at fault, not the task: retry later, and report the request id to the "
            "platform if it persists" % (problem, read, repeated, of_total)
        )
        super().__init__(platform, method, url, message, http_status=200, request_id=request_id, retryable=True)
