"""Cursor pagination for API lists: stable under inserts, no COUNT, no page drift.

A cursor is the opaque, URL-safe form of the last item's sort key; a list answers
`{"items": [...], "next_cursor": "..." | null}` and takes `?cursor=&limit=`."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import Q, QuerySet
from ninja import Field, Schema

from incost_portal.api.errors import ApiError

T = TypeVar("T")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(Schema):
    """A list's query parameters: where to go on from, and how many items a page."""

    cursor: str | None = Field(
        None, description="The `next_cursor` of the page before; none: the first page."
    )
    limit: int | None = Field(
        None, ge=1, le=MAX_LIMIT, description=f"Items a page (default {DEFAULT_LIMIT})."
    )


def cursor_encode(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), default=str).encode()).decode().rstrip("=")


def cursor_decode(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise ApiError(422, "invalid_request", "cursor: not a cursor this list gave out; start without one.")
    return values


def paginate(
    queryset: QuerySet[Any],
    *,
    cursor: str | None,
    limit: int | None,
    fields: Sequence[str] = ("id",),
    descending: bool = False,
    item: Callable[[Any], Any] = lambda obj: obj,
) -> dict[str, Any]:
    """One page of `queryset` ordered by `fields` (unique together, last one the primary key)."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, "invalid_request", f"limit: between 1 and {MAX_LIMIT}.")
    ordering = [f"-{name}" if descending else name for name in fields]
    queryset = queryset.order_by(*ordering)
    if cursor:
        values = cursor_decode(cursor, len(fields))
        # (a, b, id) after (x, y, z) in lexical order, spelled as OR of ANDs for any database.
        after = Q()
        for i, name in enumerate(fields):
            step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
            for earlier, value in zip(fields[:i], values[:i], strict=False):
                step &= Q(**{earlier: value})
            after |= step
        try:
            queryset = queryset.filter(after)
            rows = list(queryset[: limit + 1])
        except (DjangoValidationError, ValueError, TypeError, OverflowError, DataError):
            # A cursor decoded but not one of this list's (values of the wrong kind or size).
            raise ApiError(
                422, "invalid_request", "cursor: not a cursor this list gave out; start without one."
            ) from None
    else:
        rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursor_encode([_value(rows[-1], name) for name in fields]) if more and rows else None
    return {"items": [item(row) for row in rows], "next_cursor": next_cursor}


def _value(obj: Any, name: str) -> Any:
    for part in name.split("__"):
        obj = getattr(obj, part)
    return obj
