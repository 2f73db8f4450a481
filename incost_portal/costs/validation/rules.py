"""What the validator checks against: the network's media sources and apps, and the ISO code lists."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from incost_portal.incost import accepted_codes

# What AppsFlyer accepts is its own published lists, not ISO's current ones (incost.accepted_codes).
COUNTRY_CODES: frozenset[str] = accepted_codes.COUNTRIES
CURRENCY_CODES: frozenset[str] = accepted_codes.CURRENCIES
COUNTRIES_NOT_LISTED = accepted_codes.COUNTRIES_NOT_LISTED
CURRENCIES_NOT_LISTED = accepted_codes.CURRENCIES_NOT_LISTED
code_named = accepted_codes.code_named
# Common mistakes, named in the message.
COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}

WINDOW_DAYS = 90

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Spend: a plain decimal, at most 15 digits before the point (the stored precision) and 5 after.
SPEND_RE = re.compile(r"[0-9]{1,15}(?:\.[0-9]{0,5})?|\.[0-9]{1,5}")
COUNT_RE = re.compile(r"[0-9]{1,18}")
HOUR_RE = re.compile(r"[0-9]{1,2}")
# Letters, digits, - and _ survive an attribution link untouched.
LINK_SAFE_RE = re.compile(r"[A-Za-z0-9_-]*")

# Whole-column forms (values joined by NUL): one C-speed match decides a column is clean.
SEP = "\x00"
SPEND_COLUMN_RE = re.compile(rf"(?:{SPEND_RE.pattern})(?:\x00(?:{SPEND_RE.pattern}))*")
COUNT_COLUMN_RE = re.compile(r"[0-9]{0,18}(?:\x00[0-9]{0,18})*")
LINK_SAFE_COLUMN_RE = re.compile(r"[A-Za-z0-9_\x00-]*")
SURROGATE_RE = re.compile("[\ud800-\udfff]")
ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


@dataclass(frozen=True)
class AppRules:
    """What the validator needs of one enabled app."""

    app_id: str
    time_zone: str = "UTC"
    currency: str = ""
    pk: int | None = None


@dataclass(frozen=True)
class NetworkRules:
    """A network's data as the validator sees it: registered media sources and enabled apps."""

    media_sources: frozenset[str]
    apps: Mapping[str, AppRules]
    network_id: int | None = None
    slug: str = ""
    # Apps the network has but that are not enabled: named in the ic215 message.
    disabled_apps: frozenset[str] = field(default_factory=frozenset)
