"""EnOS errors raised by handlers and turned into envelope answers."""

from __future__ import annotations

from typing import Any, Optional


class EnosError(Exception):
    """An EnOS business or gateway error, answered as an envelope with a non-zero code."""

    def __init__(self, code: int, msg: str, http_status: int = 200, data: Optional[Any] = None) -> None:
        super().__init__("%s %s" % (code, msg))
        self.code = code
        self.msg = msg
        self.http_status = http_status
        self.data = data


def enos_invalid(detail: str) -> EnosError:
    """99400 with the given text."""
    return EnosError(99400, detail)
