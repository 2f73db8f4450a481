"""Shapes shared by the API's operations: the error body, and the error answers each declares."""

import datetime
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    # pydantic would take "0" or a number for a date (the epoch): a date is written YYYY-MM-DD.
    if not isinstance(value, datetime.date) and not (isinstance(value, str) and _ISO_DATE.match(value)):
        raise ValueError("a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]


class ErrorBody(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    """Every error: `{"error": {"code": "...", "message": "..."}}` (a 422 may add `details`)."""

    error: ErrorBody


# Any call: no or a bad key (401), bad parameters (422), too many calls (429).
READ_ERRORS = (401, 422, 429)
# A write: also a read-only key (403).
WRITE_ERRORS = (401, 403, 422, 429)


def answers(ok: dict[int, Any], errors: tuple[int, ...] = READ_ERRORS, *more: int) -> dict[int, Any]:
    """An operation's declared responses: its own, and the error shape for every error it can give."""
    return {**ok, **dict.fromkeys((*errors, *more), ErrorOut)}


# The header a write may carry to be retried safely (api.idempotency), as OpenAPI declares it.
IDEMPOTENCY_KEY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": "Retried with the same key within 24 hours, the first answer comes back and nothing "
    "is applied twice; the same key with another request answers 422, while the first runs 409.",
}
