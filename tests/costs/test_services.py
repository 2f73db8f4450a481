"""Uploads: stored and checked; accepting one replaces the groups it covers, all or nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.test import override_settings

from incost_portal.costs.models import CostGroupTotal, CostIssue, CostRow, CostUpload
from incost_portal.costs.services import CostUploadBlocked, cost_upload_accept, cost_upload_create
from tests.builders import NOW, csv_bytes, json_bytes, row
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def upload(cast: Cast, data: bytes, name: str = "costs.csv", **options: object) -> CostUpload:
    return cost_upload_create(
        network=cast.network,
        user=cast.ops,
        file=io.BytesIO(data),
        name=name,
        now=NOW,
        **options,  # type: ignore[arg-type]
    )


def test_a_valid_file_is_kept_and_ready(cast: Cast, settings: object) -> None:
    data = csv_bytes([row(), row(campaign_id="c2", campaign_name="two words")])
    created = upload(cast, data)
    assert created.status == CostUpload.Status.VALID
    assert (created.row_count, created.error_count, created.warning_count) == (2, 0, 1)
    assert created.file_format == "csv"
    with created.file.open("rb") as stored:
        assert stored.read() == data
    assert list(created.issues.values_list("row", "code", "severity")) == [(3, "pw201", "warning")]


def test_an_invalid_file_stores_its_issues(cast: Cast) -> None:
    created = upload(
        cast, json_bytes([row(spend=-1, geo="US"), row(campaign_id="c2", geo="XX")]), "push.json"
    )
    assert created.status == CostUpload.Status.INVALID
    assert (created.error_row_count, created.error_count) == (2, 2)
    assert created.issue_counts == {"ic217": 1, "ic219": 1}
    assert list(created.issues.values_list("row", "field", "code")) == [
        (1, "spend", "ic217"),
        (2, "geo", "ic219"),
    ]


def test_issues_are_capped_per_code_and_counted(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [row(campaign_id=f"c{i}", spend=-1) for i in range(1200)]
    created = upload(cast, csv_bytes(rows))
    assert created.issue_counts == {"ic217": 1200}
    assert CostIssue.objects.filter(upload=created).count() == 1000
    assert created.issues_truncated


@override_settings(COST_UPLOAD_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        upload(cast, csv_bytes([row(campaign_id=f"c{i}") for i in range(100)]))
    assert not CostUpload.objects.exists()


def stored(cast: Cast) -> list[tuple[str, str, str, Decimal]]:
    return list(
        CostRow.objects.filter(network=cast.network)
        .order_by("date", "media_source", "campaign_id", "geo")
        .values_list("date", "campaign_id", "geo", "spend")
    )


def test_accept_stores_the_rows(cast: Cast) -> None:
    created = upload(cast, csv_bytes([row(geo="US", clicks="5"), row(geo="DE", spend="0.12345", clicks="0")]))
    result = cost_upload_accept(upload=created, user=cast.ops, now=NOW)
    assert (result.rows, result.groups) == (2, 1)
    created.refresh_from_db()
    assert created.status == CostUpload.Status.ACCEPTED
    assert created.accepted_by == cast.ops
    first = CostRow.objects.get(geo="US")
    assert (first.app, first.granularity, first.clicks, first.impressions) == (
        cast.ios_app,
        "geo,clicks",
        5,
        None,
    )
    assert CostRow.objects.get(geo="DE").spend == Decimal("0.12345")


def test_accept_replaces_whole_groups_and_leaves_others(cast: Cast) -> None:
    day = datetime.date(2026, 3, 10)
    cost_upload_accept(
        upload=upload(
            cast,
            csv_bytes([row(campaign_id="a"), row(campaign_id="b"), row(campaign_id="c", date="2026-03-09")]),
        ),
        now=NOW,
    )
    second = upload(cast, csv_bytes([row(campaign_id="z", spend="9")]))
    result = cost_upload_accept(upload=second, now=NOW)
    assert result.groups == 1
    assert [(d, c) for d, c, _, _ in stored(cast)] == [(datetime.date(2026, 3, 9), "c"), (day, "z")]


def group_totals(cast: Cast) -> dict[tuple[datetime.date, str, str], tuple[Decimal, int]]:
    """The stored totals per (date, media source, currency), and the same summed from the rows."""
    kept = {
        (t.date, t.media_source, t.currency): (t.spend, t.row_count)
        for t in CostGroupTotal.objects.filter(network=cast.network)
    }
    summed = (
        CostRow.objects.filter(network=cast.network)
        .order_by()
        .values_list("date", "media_source", "currency")
        .annotate(total=Sum("spend"), count=Count("pk"))
    )
    assert kept == {(d, m, c): (total, count) for d, m, c, total, count in summed}
    return kept


def test_group_totals_follow_the_rows_through_every_accept(cast: Cast) -> None:
    first = csv_bytes(
        [row(campaign_id="a", spend="1.5"), row(campaign_id="b", spend="2"), row(date="2026-03-09")]
    )
    cost_upload_accept(upload=upload(cast, first), now=NOW)
    march_9, march_10 = datetime.date(2026, 3, 9), datetime.date(2026, 3, 10)
    assert group_totals(cast) == {
        (march_9, "acme_int", "USD"): (Decimal("12.5"), 1),
        (march_10, "acme_int", "USD"): (Decimal("3.5"), 2),
    }
    # A second upload replaces the 10th only; an accept that fails changes nothing.
    cost_upload_accept(upload=upload(cast, csv_bytes([row(campaign_id="z", spend="9")])), now=NOW)
    late = upload(cast, csv_bytes([row(campaign_id="y"), row(campaign_id="late", date="2026-01-10")]))
    with pytest.raises(CostUploadBlocked):
        cost_upload_accept(upload=late, now=NOW + datetime.timedelta(days=30))
    assert group_totals(cast) == {
        (march_9, "acme_int", "USD"): (Decimal("12.5"), 1),
        (march_10, "acme_int", "USD"): (Decimal("9"), 1),
    }


def test_accept_sums_hourly_rows_into_the_apps_local_dates(cast: Cast) -> None:
    rows = [
        row(app_id="com.acme.game", date="2026-03-11", hour=h, spend="1.5", clicks=str(h))
        for h in range(0, 6)
    ]
    created = upload(cast, csv_bytes(rows), source_time_zone="UTC")
    cost_upload_accept(upload=created, now=NOW)
    # New York is UTC-4: hours 0-3 UTC fall on the 10th there, 4-5 on the 11th.
    assert list(CostRow.objects.order_by("date").values_list("date", "spend", "clicks")) == [
        (datetime.date(2026, 3, 10), Decimal("6"), 6),
        (datetime.date(2026, 3, 11), Decimal("3"), 9),
    ]
    assert sorted(group_totals(cast).values()) == [(Decimal("3"), 1), (Decimal("6"), 1)]


def test_accept_refuses_an_upload_with_errors(cast: Cast) -> None:
    created = upload(cast, csv_bytes([row(spend="-1")]))
    with pytest.raises(CostUploadBlocked):
        cost_upload_accept(upload=created, now=NOW)
    assert not CostRow.objects.exists()


def test_accept_that_fails_midway_leaves_the_old_rows(cast: Cast) -> None:
    cost_upload_accept(upload=upload(cast, csv_bytes([row(campaign_id="old")])), now=NOW)
    rows = [row(campaign_id=f"n{i}") for i in range(2500)] + [row(campaign_id="late", date="2026-01-10")]
    created = upload(cast, csv_bytes(rows))
    assert created.status == CostUpload.Status.VALID
    # Accepted a month later: the last row's date has left the 90-day window by then, after
    # 2,500 rows were already staged.
    with pytest.raises(CostUploadBlocked):
        cost_upload_accept(upload=created, now=NOW + datetime.timedelta(days=30))
    assert [c for _, c, _, _ in stored(cast)] == ["old"]
    created.refresh_from_db()
    assert created.status == CostUpload.Status.INVALID
    assert created.issue_counts == {"ic232": 1}


def test_accept_twice_is_refused(cast: Cast) -> None:
    created = upload(cast, csv_bytes([row()]))
    cost_upload_accept(upload=created, now=NOW)
    with pytest.raises(CostUploadBlocked):
        cost_upload_accept(upload=created, now=NOW)


def test_one_app_push_checks_its_app(cast: Cast) -> None:
    created = upload(
        cast,
        json_bytes([row(), row(app_id="com.acme.game")]),
        "push.json",
        source=CostUpload.Source.API,
        app=cast.ios_app,
    )
    assert created.issue_counts == {"ic228": 1, "ic229": 1}


def test_a_file_without_app_id_for_one_app(cast: Cast) -> None:
    created = upload(cast, csv_bytes([row(app_id=None)]), app=cast.android_app)
    assert created.status == CostUpload.Status.VALID
    cost_upload_accept(upload=created, now=NOW)
    assert CostRow.objects.get().app == cast.android_app


def test_create_and_accept_in_one_pass(cast: Cast) -> None:
    created = upload(cast, csv_bytes([row(), row(campaign_id="c2", campaign_name="a b")]), accept=True)
    assert created.status == CostUpload.Status.ACCEPTED
    assert (created.row_count, created.warning_count, created.stored_row_count) == (2, 1, 2)
    assert list(created.issues.values_list("code", flat=True)) == ["pw201"]
    assert CostRow.objects.filter(upload=created).count() == 2


def test_create_and_accept_in_one_pass_stores_nothing_when_blocked(cast: Cast) -> None:
    created = upload(cast, csv_bytes([row(), row(campaign_id="c2", spend="-1")]), accept=True)
    assert created.status == CostUpload.Status.INVALID
    assert created.issue_counts == {"ic217": 1}
    assert not CostRow.objects.exists()


def test_accepting_and_editing_are_in_the_audit_trail(cast: Cast) -> None:
    from django.utils import timezone

    from incost_portal.audit.models import Action, AuditEvent
    from incost_portal.costs.editing import cost_row_edit

    yesterday = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    data = csv_bytes([row(date=yesterday), row(date=yesterday, campaign_id="c2", campaign_name="c2")])
    created = cost_upload_create(network=cast.network, user=cast.ops, file=io.BytesIO(data), name="c.csv")
    cost_upload_accept(upload=created, user=cast.ops)
    accepted = AuditEvent.objects.get(network=cast.network, action=Action.UPLOAD_ACCEPTED)
    assert accepted.actor == cast.ops and accepted.detail["rows"] == 2
    stored = CostRow.objects.filter(network=cast.network).first()
    cost_row_edit(network=cast.network, row=stored, user=cast.admin, changes={"spend": "3.5"})
    edited = AuditEvent.objects.get(network=cast.network, action=Action.COST_EDITED)
    assert edited.actor == cast.admin
