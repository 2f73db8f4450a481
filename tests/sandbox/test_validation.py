"""How the sandbox judges upload bodies: which code, for what."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from incost_portal.sandbox.validation import Problem, body_parse, media_sources_check, rows_validate

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def good(**fields: Any) -> dict[str, Any]:
    row = {
        "date": "2026-03-09",
        "app_id": "id888123456",
        "media_source": "acme_int",
        "campaign_id": "c1",
        "campaign_name": "spring",
        "currency": "USD",
        "spend": Decimal("1.5"),
    }
    row.update(fields)
    return {name: value for name, value in row.items() if value is not None}


def judged(*rows: dict[str, Any], time_zone: str = "UTC", now: dt.datetime = NOW) -> str | None:
    problem = rows_validate(list(rows), app_id="id888123456", time_zone=time_zone, history_days=90, now=now)
    return problem.code if problem else None


def test_a_good_request_passes() -> None:
    assert judged(good(), good(campaign_id="c2", spend=0)) is None
    assert judged(good(adset_id="a1", adset_name="x", ad_id="d1", ad_name="y", geo="ZA", clicks=3)) is None
    assert judged(good(currency="CNH"), good(campaign_id="c2", currency="CNH")) is None
    assert judged(good(spend=Decimal("1.12345"))) is None


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([good(extra="x")], "ic248"),
        ([good(campaign_id="")], "ic248"),
        ([good(campaign_name=None)], "ic248"),
        ([good(adset_name="x")], "ic248"),  # a name needs its id
        ([good(campaign_id="c" * 25)], "ic248"),
        ([good(date="2026-3-9")], "ic211"),
        ([good(date="2026-02-30")], "ic211"),
        ([good(date="2026-03-11")], "ic212"),
        ([good(date="2025-12-09")], "ic232"),  # 91 days back
        ([good(spend=Decimal(-1))], "ic217"),
        ([good(spend="1.5")], "ic217"),  # quoted
        ([good(spend=Decimal("1.123456"))], "ic217"),
        ([good(geo="XX")], "ic219"),
        ([good(geo="USA")], "ic219"),
        ([good(currency="XYZ")], "ic220"),
        ([good(), good(campaign_id="c2", currency="EUR")], "ic221"),
        ([good(), good()], "ic222"),
        ([good(), good(app_id="com.cost.app")], "ic228"),
        ([good(app_id="com.cost.app")], "ic229"),
        ([good(), good(campaign_id="c2", geo="US")], "ic231"),
        ([good(clicks=-1)], "ic241"),
        ([good(impressions=Decimal("2.5"))], "ic242"),
    ],
)
def test_each_problem_has_its_code(rows: list[dict[str, Any]], code: str) -> None:
    assert judged(*rows) == code


def test_the_90_day_window_and_the_future_are_in_the_apps_time_zone() -> None:
    assert judged(good(date="2025-12-10")) is None  # 90 days back
    # 12:00 UTC on the 10th is already the 11th in Kiritimati (UTC+14).
    assert judged(good(date="2026-03-11"), time_zone="Pacific/Kiritimati") is None
    # 05:00 UTC on the 10th is still the 9th in Pago Pago (UTC-11).
    early = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)
    assert judged(good(date="2026-03-10"), time_zone="Pacific/Pago_Pago", now=early) == "ic212"
    assert judged(good(date="2026-03-10"), now=early) is None


def test_the_message_names_the_row() -> None:
    problem = rows_validate(
        [good(), good(campaign_id="c2", spend=Decimal(-2))],
        app_id="id888123456",
        time_zone="UTC",
        history_days=90,
        now=NOW,
    )
    assert problem is not None and "Row 2" in problem.message


@pytest.mark.parametrize("body", [b"", b"not json", b"{}", b"[]", b"[1, 2]", b"\xff\xfe", b'[{"a": 1}, "x"]'])
def test_what_is_not_an_array_of_objects_is_ic416(body: bytes) -> None:
    problem = body_parse(body)
    assert isinstance(problem, Problem) and (problem.code, problem.http_status) == ("ic416", 422)


def test_spend_is_kept_exact() -> None:
    rows = body_parse(json.dumps([good(spend=0.1)], default=str).encode().replace(b'"0.1"', b"0.1"))
    assert isinstance(rows, list) and rows[0]["spend"] == Decimal("0.1")


def test_an_unregistered_media_source_is_ic213_answered_at_once() -> None:
    problem = media_sources_check([good(), good(media_source="x_int")], registered={"acme_int"})
    assert problem is not None and (problem.code, problem.http_status) == ("ic213", 415)
    assert "x_int" in problem.message
    assert media_sources_check([good()], registered={"acme_int"}) is None
