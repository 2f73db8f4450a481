"""The currency and geo codes AppsFlyer's InCost API accepts: its own published lists.

The lists are data, in `appsflyer_lists.json` beside this module (its `source` and `read_on` say
where and when they were read): the enums of the InCost OpenAPI document's row schema. They are
not ISO's current lists: AppsFlyer still carries withdrawn codes (ANG, HRK, SLL, VEF, ZWL; the
Netherlands Antilles' AN), takes CNH, BTC and the Crown dependencies' pounds (GGP, IMP, JEP), and
lacks ISO's fund, test and "no currency" codes (USN, XTS, XXX and their kind), which it refuses.
"""

import json
from pathlib import Path

import pycountry

LISTS_FILE = Path(__file__).with_name("appsflyer_lists.json")
_LISTS = json.loads(LISTS_FILE.read_text(encoding="utf-8"))

CURRENCIES: frozenset[str] = frozenset(_LISTS["currency"])
COUNTRIES: frozenset[str] = frozenset(_LISTS["geo"])
# In the file's (alphabetical) order, for the upload page's help.
CURRENCIES_SHOWN: tuple[str, ...] = tuple(_LISTS["currency"])
COUNTRIES_SHOWN: tuple[str, ...] = tuple(_LISTS["geo"])
LISTS_SOURCE: str = _LISTS["source"]
LISTS_READ_ON: str = _LISTS["read_on"]

# Current ISO codes that AppsFlyer's list lacks, with the code its list still carries for the same
# money or place (None: none does). Sent as they are, AppsFlyer may refuse them: a warning, since
# AppsFlyer may also have moved on from its published list.
CURRENCIES_NOT_LISTED = {"SLE": "SLL", "VED": "VEF", "ZWG": "ZWL", "XCG": "ANG"}
COUNTRIES_NOT_LISTED: dict[str, str | None] = {"BQ": "AN", "CW": "AN", "SX": "AN", "SS": None}


def code_named(value: str, *, geo: bool) -> str:
    """The code with ISO's name for it when ISO has one: 'SS' (South Sudan), 'USN' (US Dollar (Next day))."""
    if len(value) != (2 if geo else 3):
        return repr(value)
    found = pycountry.countries.get(alpha_2=value) if geo else pycountry.currencies.get(alpha_3=value)
    return f"{value!r} ({found.name})" if found is not None else repr(value)
