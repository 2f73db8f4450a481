"""One chunk's column as the checks see it, and the value-level helpers they share."""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from incost_portal.costs.fields import (
    HOUR,
)
from incost_portal.costs.validation.rules import (
    ASCII_SPACE,
    DATE_RE,
    SEP,
    SPEND_RE,
)

COUNT_CODES = {"clicks": "ic241", "impressions": "ic242"}
Found = tuple[int, str, str, str]  # (index in chunk, field, code, message)


def has_empty(text: str, count: int) -> bool:
    """Whether a NUL-joined column of `count` values holds an empty value."""
    if count == 1:
        return text == ""
    return text.startswith(SEP) or text.endswith(SEP) or (SEP + SEP) in text


def needs_cleaning(text: str, count: int) -> bool:
    """Whether some value has whitespace at an edge, a NUL, or undecodable bytes."""
    if text.count(SEP) != count - 1 or not text.isascii():
        return True
    for space in ASCII_SPACE:
        if space in text and (
            text.startswith(space) or text.endswith(space) or (space + SEP) in text or (SEP + space) in text
        ):
            return True
    return False


# A number written with an exponent (1e1000000), as JSON may carry one.
EXPONENT_RE = re.compile(r"-?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+")


def date_parse(value: str) -> datetime.date | None:
    if not DATE_RE.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def spend_problem(value: str) -> tuple[str, str]:
    """The code and message for a spend that is not a plain decimal with at most 5 places; the
    value is echoed short (a cell may hold a million digits)."""
    shown = value_echo(value)
    if value.startswith("-") and SPEND_RE.fullmatch(value[1:]):
        return "ic217", f"Spend {shown} is negative; it must be 0 or more."
    if "," in value:
        return "pv102", f"Spend {shown!r} has a thousands separator or decimal comma; write 1234.5."
    head, _, decimals = value.partition(".")
    if SPEND_RE.fullmatch(head) and decimals.isdigit() and decimals.isascii():
        return "pv102", f"Spend {shown} has {len(decimals):,} decimal places; at most 5 are allowed."
    if head.isdigit() and len(head) > 15:
        return "pv102", f"Spend {shown} is out of range: at most 15 digits before the point."
    if value.lower() in {"nan", "inf", "-inf", "infinity", "-infinity"}:
        return "pv102", f"Spend {shown} is not a number."
    if EXPONENT_RE.fullmatch(value):
        return "pv102", f"Spend {shown} is out of range: at most 15 digits before the point, 5 after."
    return "pv102", f"Spend {shown!r} is not a plain decimal number (like 12.5)."


def value_echo(value: str, keep: int = 24) -> str:
    """A value short enough to quote in a message: its head, then how long it was."""
    return value if len(value) <= keep else f"{value[:keep]}… ({len(value):,} characters)"


# Columns with few distinct values in any real file: checked through their set of values.
FEW_VALUES = ("app_id", "date", "media_source", "currency", "geo", HOUR, "af_prt", "channel")
# The leading fields of the few-valued count's keys (see _few_columns).
KEYED = ("app_id", "date", "media_source", "currency")


def dirty(value: str) -> bool:
    return value != value.strip() or SEP in value or not value.isascii()


@dataclass(slots=True)
class Column:
    """One field of a chunk: its values, and either their NUL-joined text or their distinct set."""

    values: Sequence[str]
    text: str | None
    distinct: set[str] | None

    def joined(self) -> str:
        if self.text is None:
            self.text = SEP.join(self.values)
        return self.text

    def has_empty(self, count: int) -> bool:
        if self.distinct is not None:
            return "" in self.distinct
        return has_empty(self.joined(), count)

    def all_empty(self, count: int) -> bool:
        if self.distinct is not None:
            return self.distinct == {""}
        return len(self.joined()) == count - 1

    def too_long(self, limit: int, pattern: re.Pattern[str]) -> bool:
        if self.distinct is not None:
            return max(map(len, self.distinct)) > limit
        text = self.joined()
        if len(text) <= limit:
            return False
        first = text.find(SEP)
        return first < 0 or first > limit or bool(pattern.search(text))

    def chars(self, count: int) -> int:
        """The characters of all values (for distinct sets: the longest value's, times the rows)."""
        if self.distinct is not None:
            return max(map(len, self.distinct)) * count
        return len(self.joined()) - (count - 1)
