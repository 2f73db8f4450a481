"""Currency and geo codes as AppsFlyer's published InCost lists accept them, in the portal and the
sandbox alike."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import requests

from incost_portal.costs.issues import CODES, Severity
from incost_portal.incost import accepted_codes
from incost_portal.sandbox.validation import rows_validate
from tests.builders import check, json_bytes, row
from tests.cast import BaseTestCase
from tests.sandbox.running import Sandbox


def _digest(codes: frozenset[str]) -> str:
    return hashlib.sha256(",".join(sorted(codes)).encode()).hexdigest()


def test_the_lists_are_appsflyers_as_read() -> None:
    # Pinned to the OpenAPI document read on LISTS_READ_ON: a change to either list must be a
    # deliberate one, made from AppsFlyer's document again (and these figures with it).
    assert "InCost API" in accepted_codes.LISTS_SOURCE and accepted_codes.LISTS_READ_ON == "2026-12-04"
    assert len(accepted_codes.CURRENCIES) == 172
    assert (
        _digest(accepted_codes.CURRENCIES)
        == "fe359641487ff58eefd990f099ead71d27cc1fbe3efe75ec18d01429e6333381"
    )
    assert len(accepted_codes.COUNTRIES) == 246
    assert (
        _digest(accepted_codes.COUNTRIES)
        == "244c15c1f5caf7ea334d4a4af3c42d8b52e507956fa5e2b45456b8afcaeaa29f"
    )
    # What is not listed is not listed: the warnings name what the list carries instead.
    assert not set(accepted_codes.CURRENCIES_NOT_LISTED) & accepted_codes.CURRENCIES
    assert set(accepted_codes.CURRENCIES_NOT_LISTED.values()) <= accepted_codes.CURRENCIES
    assert not set(accepted_codes.COUNTRIES_NOT_LISTED) & accepted_codes.COUNTRIES


def portal(**changes: str) -> list[tuple[str, Severity]]:
    _, issues = check(json_bytes([row(**changes)]), file_format="json")
    return [(issue.code, CODES[issue.code][0]) for issue in issues]


def sandbox_judges(**changes: str) -> str | None:
    fields = {"date": "2026-03-09", "app_id": "id888123456", "media_source": "acme_int", "campaign_id": "c1"}
    fields |= {"campaign_name": "spring", "currency": "USD", "spend": Decimal("1.5"), **changes}
    now = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    problem = rows_validate([fields], app_id="id888123456", time_zone="UTC", history_days=90, now=now)
    return problem.code if problem else None


@pytest.mark.parametrize("currency", ["GGP", "JEP", "IMP", "BTC", "CNH", "HRK", "USD", "EUR"])
def test_currencies_on_appsflyers_list_pass(currency: str) -> None:
    assert portal(currency=currency) == []
    assert sandbox_judges(currency=currency) is None


@pytest.mark.parametrize("currency", ["XXX", "USN", "XTS", "BOV", "XBA", "ABC"])
def test_test_fund_and_unknown_currencies_are_ic220(currency: str) -> None:
    assert portal(currency=currency) == [("ic220", Severity.ERROR)]
    assert sandbox_judges(currency=currency) == "ic220"


@pytest.mark.parametrize(
    ("currency", "listed"), [("SLE", "SLL"), ("VED", "VEF"), ("ZWG", "ZWL"), ("XCG", "ANG")]
)
def test_a_current_iso_currency_appsflyer_lacks_is_a_warning_naming_its_listed_code(
    currency: str, listed: str
) -> None:
    _, issues = check(json_bytes([row(currency=currency)]), file_format="json")
    assert [(issue.code, issue.field) for issue in issues] == [("pw204", "currency")]
    assert CODES["pw204"][0] == Severity.WARNING
    assert repr(listed) in issues[0].message
    # AppsFlyer's list lacks it: the sandbox, like AppsFlyer's published contract, refuses it.
    assert sandbox_judges(currency=currency) == "ic220"


def test_geo_follows_appsflyers_list() -> None:
    assert portal(geo="AN") == [] and sandbox_judges(geo="AN") is None
    assert portal(geo="GB") == [] and sandbox_judges(geo="GB") is None
    assert portal(geo="UK") == [("ic219", Severity.ERROR)] and sandbox_judges(geo="UK") == "ic219"
    _, issues = check(json_bytes([row(geo="SS")]), file_format="json")
    assert [(issue.code, issue.field) for issue in issues] == [("pw204", "geo")]
    assert "may refuse" in issues[0].message
    _, issues = check(json_bytes([row(geo="CW")]), file_format="json")
    assert "'AN'" in issues[0].message
    assert sandbox_judges(geo="SS") == "ic219"


def test_the_sandbox_answers_an_unsupported_method_in_json(sandbox: Sandbox) -> None:
    answer = requests.patch(f"{sandbox.url}/api/incost-uploader/v1/data/app/id888123456", timeout=5)
    assert answer.status_code == 405
    assert answer.headers["Content-Type"] == "application/json"
    assert "PATCH" in answer.json()["error"] and "POST" in answer.headers["Allow"]


class UploadPageListsTestCase(BaseTestCase):
    def test_the_upload_page_names_the_accepted_codes(self) -> None:
        self.login(self.ops)
        response = self.client.get(self.url("costs:upload"))
        self.assertContains(response, 'href="#accepted-codes"')
        self.assertContains(response, "Currencies (172)")
        self.assertContains(response, "Countries (246)")
        page = response.content.decode()
        shown = page.split('data-testid="accepted-currencies">')[1].split("<")[0].split()
        assert {"GGP", "JEP", "BTC", "CNH"} <= set(shown) and "XXX" not in shown
