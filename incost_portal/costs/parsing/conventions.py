"""How a spreadsheet wrote its numbers and dates, declared at upload: `12,50` for 12.50 (and
`1.234,50`), and `31/12/2026` or `12/31/2026` for 2026-12-31. Applied to CSV and XLSX text before
it is checked, never to JSON (whose spend is a JSON number). The file as uploaded is kept as it
is; what is checked, stored and sent is the InCost form."""

import re
from dataclasses import dataclass

from incost_portal.costs.parsing.chunks import RowChunk

DECIMAL_SEPARATORS = {".": "12.50 (a point)", ",": "12,50 (a comma)"}
DATE_FORMATS = {"YYYY-MM-DD": "2026-12-31", "DD/MM/YYYY": "31/12/2026", "MM/DD/YYYY": "12/31/2026"}
_ORDER = {"DD/MM/YYYY": ("day", "month"), "MM/DD/YYYY": ("month", "day")}
# A comma decimal, with points (or spaces) grouping thousands or without: 1.234,5 / 1234,5 / 12
_COMMA_DECIMAL = re.compile(r"-?(?:\d{1,3}(?:[. ]\d{3})+|\d+)(?:,\d+)?")
_SLASH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@dataclass(frozen=True)
class Conventions:
    decimal_separator: str = "."
    date_format: str = "YYYY-MM-DD"

    @property
    def plain(self) -> bool:
        return self.decimal_separator == "." and self.date_format == "YYYY-MM-DD"

    def apply(self, chunk: RowChunk) -> RowChunk:
        """The chunk with its spend and dates in InCost's form where they read as declared; a value
        that does not is left as written, for the validator to name."""
        if self.plain:
            return chunk
        columns = dict(chunk.columns)
        if self.decimal_separator == "," and "spend" in columns:
            columns["spend"] = [_comma_decimal(value) for value in columns["spend"]]
        if self.date_format in _ORDER and "date" in columns:
            first, second = _ORDER[self.date_format]
            columns["date"] = [_slash_date(value, first, second) for value in columns["date"]]
        return RowChunk(rows=chunk.rows, columns=columns, issues=chunk.issues)


def _comma_decimal(value: str) -> str:
    text = value.strip()
    if not _COMMA_DECIMAL.fullmatch(text):
        return value
    return text.replace(".", "").replace(" ", "").replace(",", ".")


def _slash_date(value: str, first: str, second: str) -> str:
    found = _SLASH_DATE.fullmatch(value.strip())
    if found is None:
        return value
    parts = {first: found[1], second: found[2]}
    return f"{found[3]}-{int(parts['month']):02d}-{int(parts['day']):02d}"
