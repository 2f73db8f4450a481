"""Every problem found in cost data: one InCost code (or portal pv/pw code) per issue."""

import re
from dataclasses import dataclass
from enum import StrEnum

# Bytes that are not UTF-8 are read as lone surrogates (so they can be reported by row and field),
# and a JSON "\ud800" or "\u0000" escape is one too: none of them can be encoded for a page, a
# terminal or PostgreSQL (which refuses NUL in text).
_UNSHOWABLE = re.compile("[\x00\ud800-\udfff]")


def text_shown(text: str) -> str:
    """Text from a file made safe to store and show: each unshowable character becomes U+FFFD."""
    return _UNSHOWABLE.sub("\ufffd", text) if _UNSHOWABLE.search(text) else text


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# code: (severity, what it means). The one table of codes; messages name the specifics.
CODES: dict[str, tuple[Severity, str]] = {
    "ic416": (Severity.ERROR, "The file or body cannot be parsed."),
    "ic248": (Severity.ERROR, "Unknown field name, missing mandatory field or empty mandatory value."),
    "ic211": (Severity.ERROR, "Incorrect date format. Use the format yyyy-mm-dd."),
    "ic212": (Severity.ERROR, "Date in the future. Future dates are not allowed."),
    "ic232": (Severity.ERROR, "Date outside the allowed range: the last 90 days."),
    "ic213": (Severity.ERROR, "Media source not registered for the network."),
    "ic215": (Severity.ERROR, "App ID not among the network's enabled apps."),
    "ic228": (Severity.ERROR, "Two or more app IDs where one is allowed."),
    "ic229": (Severity.ERROR, "The row's app ID differs from the request's app."),
    "ic217": (Severity.ERROR, "Negative spend."),
    "ic219": (Severity.ERROR, "Geo is not a country code on AppsFlyer's list (ISO 3166 two letters)."),
    "ic220": (Severity.ERROR, "Currency is not a code on AppsFlyer's list (ISO 4217 as AppsFlyer knows it)."),
    "ic221": (Severity.ERROR, "Two or more currencies for one app."),
    "ic222": (Severity.ERROR, "Duplicate row: same dimensions as another row."),
    "ic231": (Severity.ERROR, "Mixed granularity within one app, date and media source."),
    "ic241": (Severity.ERROR, "Clicks must be a non-negative whole number."),
    "ic242": (Severity.ERROR, "Impressions must be a non-negative whole number."),
    "ic243": (Severity.ERROR, "The declared time zone is not a valid IANA name."),
    "ic311": (Severity.ERROR, "One app, date and media source is larger than a request may be."),
    "pv101": (Severity.ERROR, "Value longer than the field allows."),
    "pv102": (Severity.ERROR, "Spend is not a plain decimal number."),
    "pv103": (Severity.ERROR, "An adset or ad name without its ID."),
    "pw201": (Severity.WARNING, "Campaign name with characters that break attribution links."),
    "pw202": (Severity.WARNING, "Currency differs from the app's currency."),
    "pw203": (Severity.WARNING, "Hourly rows cover only part of the app's local day."),
    "pw204": (Severity.WARNING, "A current ISO code AppsFlyer's published list lacks: it may refuse it."),
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem. `row` is 1-based as the user sees it in the file; None for the whole file."""

    row: int | None
    field: str
    code: str
    message: str

    @property
    def severity(self) -> Severity:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return CODES[self.code][0] is Severity.ERROR

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "severity": str(self.severity),
        }
