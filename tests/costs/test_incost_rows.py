"""A stored row as AppsFlyer receives it, and the content hash of a group."""

import datetime
import json
from decimal import Decimal

import pytest

from incost_portal.costs.incost_rows import group_content_hash, incost_row_bytes, spend_literal
from incost_portal.costs.models import CostRow
from incost_portal.costs.selectors import cost_group_hash, cost_group_hashes, cost_group_rows
from tests.cast import Cast

FIELDS = {
    "date": datetime.date(2026, 3, 10),
    "media_source": "acme_int",
    "af_prt": "",
    "campaign_id": "c1",
    "campaign_name": "Été",
    "adset_id": "",
    "adset_name": "",
    "ad_id": "",
    "ad_name": "",
    "site_id": "",
    "geo": "US",
    "channel": "",
    "keywords": "",
    "currency": "USD",
    "spend": Decimal("12.50000"),
    "clicks": 3,
    "impressions": None,
}


def test_row_bytes_leave_out_empty_fields_and_never_quote_spend() -> None:
    body = incost_row_bytes(FIELDS, app_id="id123456789")
    assert (
        body
        == (
            '{"date":"2026-03-10","app_id":"id123456789","media_source":"acme_int","campaign_id":"c1",'
            '"campaign_name":"Été","geo":"US","currency":"USD","spend":12.5,"clicks":3}'
        ).encode()
    )
    assert json.loads(body)["spend"] == 12.5


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (Decimal("0"), "0"),
        (Decimal("0.00000"), "0"),
        (Decimal("1.10000"), "1.1"),
        (Decimal("1E+3"), "1000"),
        (Decimal("123456789012345.12345"), "123456789012345.12345"),
        ("0.00001", "0.00001"),
    ],
)
def test_spend_literal(value: Decimal, literal: str) -> None:
    assert spend_literal(value) == literal


def test_group_hash_ignores_row_order() -> None:
    rows = [b'{"a":1}', b'{"a":2}']
    assert group_content_hash(rows) == group_content_hash(reversed(rows))
    assert group_content_hash(rows) != group_content_hash(rows[:1])


@pytest.mark.django_db
def test_group_hash_from_the_database(cast: Cast) -> None:
    def make(campaign_id: str, spend: str) -> CostRow:
        fields = {**FIELDS, "campaign_id": campaign_id, "spend": Decimal(spend), "clicks": None}
        return CostRow.objects.create(
            network=cast.network, app=cast.ios_app, updated_at=datetime.datetime.now(datetime.UTC), **fields
        )

    make("b", "2")
    make("a", "1")
    key = {"network": cast.network, "app": cast.ios_app, "date": FIELDS["date"], "media_source": "acme_int"}
    bodies = list(cost_group_rows(**key))
    assert len(bodies) == 2
    first = cost_group_hash(**key)
    assert first == group_content_hash(bodies)
    assert cost_group_hashes(
        network=cast.network, app=cast.ios_app, date_from=FIELDS["date"], date_to=FIELDS["date"]
    ) == {(FIELDS["date"], "acme_int"): first}
    CostRow.objects.filter(campaign_id="a").update(spend=Decimal("1.5"))
    assert cost_group_hash(**key) != first
