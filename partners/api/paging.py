"""Paging parameters: bounded so no value reaches the database as an out-of-range integer."""

from __future__ import annotations

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000  # beyond any list; larger values (found by schemathesis) overflowed SQLite's OFFSET


def page_limit(limit: int, default_max: int = MAX_LIMIT) -> int:
    return max(1, min(limit, default_max))


def page_offset(offset: int) -> int:
    return max(0, min(offset, MAX_OFFSET))
