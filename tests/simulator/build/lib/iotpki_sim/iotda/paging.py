"""IoTDA marker/offset/limit paging over records ordered by ID descending."""

from __future__ import annotations

import bisect
import dataclasses
import re
from typing import Any, Mapping, Sequence

from iotpki_sim.iotda.errors import IotdaError, invalid_input

DEFAULT_MARKER = "f" * 24
_MARKER_RE = re.compile(r"^[0-9a-fA-F]{24}$")


@dataclasses.dataclass(frozen=True)
class PageRequest:
    """Validated paging parameters."""

    limit: int = 10
    marker: str = DEFAULT_MARKER
    offset: int = 0


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise invalid_input("'%s' must be an integer." % name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r"^-?\d{1,9}$", value.strip()):
        return int(value)
    raise invalid_input("'%s' must be an integer." % name)


def parse_page(values: Mapping[str, Any]) -> PageRequest:
    """Validate limit (1-50, IOTDA.000017), offset (0-500) and marker (24 hex); missing keys take defaults."""
    limit, offset, marker = values.get("limit"), values.get("offset"), values.get("marker")
    page_limit = 10 if limit in (None, "") else _as_int("limit", limit)
    if not 1 <= page_limit <= 50:
        raise IotdaError(400, "IOTDA.000017", "Invalid input. The specified parameter 'limit' is out of range.")
    page_offset = 0 if offset in (None, "") else _as_int("offset", offset)
    if not 0 <= page_offset <= 500:
        raise invalid_input("The specified parameter 'offset' is out of range (0-500).")
    if marker in (None, ""):
        marker = DEFAULT_MARKER
    if not isinstance(marker, str) or not _MARKER_RE.match(marker):
        raise invalid_input("The specified parameter 'marker' must be 24 hexadecimal characters.")
    return PageRequest(limit=page_limit, marker=marker.lower(), offset=page_offset)


def paginate(ids_ascending: Sequence[str], page: PageRequest) -> tuple[list[str], dict[str, Any]]:
    """IDs of one page (descending) and the 'page' object: count of all matches, marker of the last ID."""
    end = bisect.bisect_left(ids_ascending, page.marker) - page.offset
    start = max(0, end - page.limit)
    chosen = list(reversed(ids_ascending[start:end])) if end > 0 else []
    info: dict[str, Any] = {"count": len(ids_ascending)}
    if chosen:
        info["marker"] = chosen[-1]
    return chosen, info
