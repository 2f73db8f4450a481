"""Every code of DESIGN.md's table: a row that triggers it, and a near miss that does not."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings

from incost_portal.costs.issues import CODES, Severity
from incost_portal.costs.validation import NetworkRules
from tests.builders import NOW, check, codes, csv_bytes, json_bytes, row


@dataclass
class Case:
    code: str
    trigger: bytes
    near_miss: bytes
    file_format: str = "json"
    options: dict[str, Any] = field(default_factory=dict)
    near_options: dict[str, Any] | None = None


def J(*rows: dict[str, Any]) -> bytes:
    return json_bytes(rows)


def C(*rows: dict[str, Any]) -> bytes:
    return csv_bytes(rows)


def hours(date: str, count: int, **changes: Any) -> list[dict[str, Any]]:
    return [row(date=date, hour=hour, **changes) for hour in range(count)]


CASES: dict[str, Case] = {
    "ic416 broken JSON": Case("ic416", b'[{"date": "2026-03-10",', J(row())),
    "ic416 not an array": Case("ic416", json_bytes([1])[1:-1] or b"{}", J(row())),
    "ic416 element not an object": Case("ic416", b'[["a"]]', J(row())),
    "ic416 not UTF-8": Case(
        "ic416", C(row()).replace(b"camp_1", b"camp\xff1"), C(row(campaign_name="campé")), "csv"
    ),
    "ic416 CSV row of the wrong width": Case("ic416", C(row()) + b"a,b\n", C(row()) + b"\n", "csv"),
    "ic248 unknown field": Case("ic248", J(row(colour="red")), J(row(geo="US"))),
    "ic248 missing mandatory field": Case("ic248", J(row(campaign_name=None)), J(row(adset_id=None))),
    "ic248 empty mandatory value": Case("ic248", J(row(campaign_id="")), J(row(adset_id=""))),
    "ic248 missing column": Case("ic248", C(row(currency=None)), C(row(geo=None)), "csv"),
    "ic211 not a real date": Case("ic211", J(row(date="2026-02-30")), J(row(date="2026-02-28"))),
    "ic211 wrong format": Case("ic211", J(row(date="2026/03/01")), J(row(date="2026-03-01"))),
    "ic211 bad hour": Case("ic211", C(row(hour="24")), C(row(hour="23")), "csv"),
    # Now is 02:00 UTC on the 15th: the 15th is today in UTC, tomorrow in New York.
    "ic212 future in the app's zone": Case(
        "ic212", J(row(date="2026-03-15", app_id="com.acme.game")), J(row(date="2026-03-15"))
    ),
    "ic232 91 days back": Case("ic232", J(row(date="2025-12-14")), J(row(date="2025-12-15"))),
    "ic232 in the app's zone": Case(
        "ic232",
        J(row(date="2025-12-13", app_id="com.acme.game")),
        J(row(date="2025-12-14", app_id="com.acme.game")),
    ),
    "ic213 media source": Case("ic213", J(row(media_source="other_int")), J(row(media_source="acme_int"))),
    "ic215 unknown app": Case("ic215", J(row(app_id="com.unknown")), J(row(app_id="com.acme.game"))),
    "ic215 another network's app": Case("ic215", J(row(app_id="com.other.app")), J(row())),
    "ic228 two apps in one request": Case(
        "ic228",
        J(row(), row(app_id="com.acme.game")),
        J(row(), row(campaign_id="c2")),
        options={"request_app": "id123456789"},
    ),
    "ic229 row of another app": Case(
        "ic229", J(row(app_id="com.acme.game")), J(row()), options={"request_app": "id123456789"}
    ),
    "ic217 negative spend": Case("ic217", J(row(spend=-0.01)), J(row(spend=0))),
    "ic219 geo": Case("ic219", J(row(geo="UK")), J(row(geo="gb"))),
    "ic220 currency": Case(
        "ic220", J(row(currency="XYZ")), J(row(currency="CNH"), row(currency="CNH", campaign_id="2"))
    ),
    "ic220 BTC is taken": Case("ic220", J(row(currency="BT")), J(row(currency="BTC"))),
    "ic221 two currencies for one app": Case(
        "ic221",
        J(row(), row(campaign_id="c2", currency="EUR")),
        J(row(), row(app_id="com.acme.game", currency="EUR")),
    ),
    "ic222 duplicate": Case("ic222", J(row(), row(spend=3)), J(row(), row(geo="US"), row(geo="DE"))),
    "ic231 mixed granularity": Case(
        "ic231",
        J(row(geo="US"), row(campaign_id="c2")),
        J(row(geo="US"), row(campaign_id="c2", media_source="acme_int", date="2026-03-09")),
    ),
    "ic241 clicks": Case("ic241", J(row(clicks=-1)), J(row(clicks=0))),
    "ic241 quoted clicks": Case("ic241", J(row(clicks="12")), J(row(clicks=12))),
    "ic241 fractional clicks": Case("ic241", C(row(clicks="1.5")), C(row(clicks="15")), "csv"),
    "ic242 impressions": Case("ic242", J(row(impressions=2.5)), J(row(impressions=100))),
    "ic243 source time zone": Case(
        "ic243",
        J(row()),
        J(row()),
        options={"source_time_zone": "Mars/Base"},
        near_options={"source_time_zone": "Europe/Berlin"},
    ),
    "pv101 too long": Case("pv101", J(row(campaign_id="x" * 25)), J(row(campaign_id="x" * 24))),
    "pv102 six decimals": Case("pv102", J(row(spend=1.123456)), J(row(spend=1.12345))),
    "pv102 quoted spend": Case("pv102", J(row(spend="12.5")), J(row(spend=12.5))),
    "pv102 thousands separator": Case("pv102", C(row(spend="1,234.5")), C(row(spend="1234.5")), "csv"),
    "pv102 NaN": Case(
        "pv102",
        b'[{"date": "2026-03-10", "app_id": "id123456789", "media_source": "acme_int", '
        b'"campaign_id": "c1", "campaign_name": "c", "currency": "USD", "spend": NaN}]',
        J(row()),
    ),
    "pv103 adset name without id": Case(
        "pv103", J(row(adset_name="a")), J(row(adset_name="a", adset_id="1"))
    ),
    "pv103 ad name without id": Case("pv103", J(row(ad_name="a")), J(row(ad_name="a", ad_id="1"))),
    "pw201 campaign name": Case(
        "pw201", J(row(campaign_name="summer sale")), J(row(campaign_name="summer-sale_2"))
    ),
    "pw202 currency of the app": Case("pw202", J(row(currency="EUR")), J(row(currency="USD"))),
    "pw204 an ISO currency AppsFlyer's list lacks": Case(
        "pw204",
        J(row(currency="SLE", app_id="com.acme.game")),
        J(row(currency="SLL", app_id="com.acme.game")),
    ),
    "pw204 a country AppsFlyer's list lacks": Case("pw204", J(row(geo="CW")), J(row(geo="AN"))),
    "pw203 part of a local day": Case(
        "pw203", C(*hours("2026-03-10", 20)), C(*hours("2026-03-10", 24)), "csv"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_trigger_and_near_miss(name: str, rules: NetworkRules) -> None:
    case = CASES[name]
    _, issues = check(case.trigger, file_format=case.file_format, rules=rules, **case.options)
    assert case.code in codes(issues), issues
    near_options = case.options if case.near_options is None else case.near_options
    _, near = check(case.near_miss, file_format=case.file_format, rules=rules, **near_options)
    assert case.code not in codes(near), near


def test_every_code_of_the_table_has_a_case() -> None:
    covered = {case.code for case in CASES.values()} | {"ic311"}
    assert covered == set(CODES)


@override_settings(INCOST_MAX_REQUEST_BYTES=10_000)
def test_ic311_group_larger_than_a_request(rules: NetworkRules) -> None:
    big = [row(campaign_id=f"c{i}", campaign_name="x" * 80) for i in range(100)]
    _, issues = check(json_bytes(big), file_format="json", rules=rules)
    assert "ic311" in codes(issues)
    _, near = check(json_bytes(big[:40]), file_format="json", rules=rules)
    assert "ic311" not in codes(near)


def test_a_row_collects_all_its_problems(rules: NetworkRules) -> None:
    bad = row(
        date="2026-13-01", media_source="nope", geo="XX", currency="XYZ", spend=-1, campaign_id="x" * 30
    )
    _, issues = check(json_bytes([bad]), file_format="json", rules=rules)
    assert {"ic211", "ic213", "ic219", "ic220", "ic217", "pv101"} <= codes(issues)
    assert {issue.row for issue in issues if issue.row} == {1}


def test_warnings_do_not_block(rules: NetworkRules) -> None:
    summary, issues = check(json_bytes([row(campaign_name="two words")]), file_format="json", rules=rules)
    assert [issue.severity for issue in issues] == [Severity.WARNING]
    assert not summary.blocking


def test_row_numbers_are_what_the_user_sees(rules: NetworkRules) -> None:
    data = csv_bytes([row(), row(campaign_id="c2", spend="-1")])
    _, issues = check(data, file_format="csv", rules=rules)
    assert [(issue.row, issue.field, issue.code) for issue in issues] == [(3, "spend", "ic217")]
    _, issues = check(json_bytes([row(), row(campaign_id="c2", spend=-1)]), file_format="json", rules=rules)
    assert [(issue.row, issue.field) for issue in issues] == [(2, "spend")]


def test_duplicate_names_its_first_row_across_chunks(rules: NetworkRules) -> None:
    rows = [row(campaign_id=f"c{i}") for i in range(10)] + [row(campaign_id="c3")]
    _, issues = check(csv_bytes(rows), file_format="csv", rules=rules, chunk_rows=4)
    assert [(issue.row, issue.code) for issue in issues] == [(12, "ic222")]
    assert "row 5" in issues[0].message


def test_without_a_network_only_network_checks_are_skipped() -> None:
    data = json_bytes([row(media_source="unknown", app_id="com.unknown", spend=-1)])
    _, issues = check(data, file_format="json", rules=None)
    assert codes(issues) == {"ic217"}


def test_without_a_network_dates_are_judged_anywhere_on_earth() -> None:
    # 02:00 UTC on the 15th: already the 15th in UTC+14, not yet the 16th anywhere.
    _, issues = check(json_bytes([row(date="2026-03-15")]), file_format="json", rules=None)
    assert not issues
    _, issues = check(json_bytes([row(date="2026-03-16")]), file_format="json", rules=None)
    assert codes(issues) == {"ic212"}


def test_hourly_rows_land_on_the_apps_local_date(rules: NetworkRules) -> None:
    # 03:00 UTC on the 11th is 23:00 on the 10th in New York (EDT, UTC-4).
    rows = [
        row(app_id="com.acme.game", date="2026-03-11", hour=3),
        row(app_id="com.acme.game", date="2026-03-11", hour=4),
    ]
    chunks = []
    from io import BytesIO

    from incost_portal.costs.validation import cost_file_check

    cost_file_check(
        BytesIO(csv_bytes(rows)),
        rules=rules,
        on_issue=lambda issue: None,
        on_chunk=chunks.append,
        now=NOW,
        file_format="csv",
    )
    assert list(chunks[0].columns["date"]) == ["2026-03-10", "2026-03-11"]


def test_hourly_json_rows_are_hourly_too(rules: NetworkRules) -> None:
    rows = [row(app_id="com.acme.game", date="2026-03-11", hour=hour) for hour in (3, 4)]
    rows.append(row(app_id="com.acme.game", date="2026-03-11", hour=3, spend=1))
    _, issues = check(json_bytes(rows), file_format="json", rules=rules)
    assert [(issue.row, issue.code) for issue in issues if issue.row] == [(3, "ic222")]
