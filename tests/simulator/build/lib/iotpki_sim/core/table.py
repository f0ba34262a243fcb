"""A dict of records kept with its IDs in ascending order (for marker paging)."""

from __future__ import annotations

import bisect
from typing import Callable, Generic, Iterator, Optional, TypeVar

Row = TypeVar("Row")


class Table(Generic[Row]):
    """Records by ID, plus the sorted ID list."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.ids: list[str] = []

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row_id: str, row: Row) -> None:
        """Insert (IDs normally arrive in increasing order, so this is usually an append)."""
        if row_id in self.rows:
            raise KeyError("duplicate id %s" % row_id)
        self.rows[row_id] = row
        if not self.ids or row_id > self.ids[-1]:
            self.ids.append(row_id)
        else:
            bisect.insort(self.ids, row_id)

    def get(self, row_id: str) -> Optional[Row]:
        """The record or None."""
        return self.rows.get(row_id)

    def remove(self, row_id: str) -> bool:
        """Delete; False when unknown."""
        if self.rows.pop(row_id, None) is None:
            return False
        del self.ids[bisect.bisect_left(self.ids, row_id)]
        return True

    def values(self) -> Iterator[Row]:
        """Records in ascending ID order."""
        return (self.rows[i] for i in self.ids)

    def select(self, keep: Optional[Callable[[Row], bool]]) -> list[str]:
        """IDs (ascending) of the records `keep` accepts; all IDs when keep is None."""
        if keep is None:
            return self.ids
        return [i for i in self.ids if keep(self.rows[i])]
