"""Retention of uploaded files: accepted ones after 30 days, others after 90; the upload's row, its
counts and the cost it stored stay, and its pages say the file was removed."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from incost_portal.costs.models import CostIssue, CostRow, CostUpload
from incost_portal.costs.services import (
    CostUploadBlocked,
    cost_upload_accept,
    cost_upload_create,
    cost_upload_files_prune,
)
from tests.builders import csv_bytes, row
from tests.cast import Cast
from tests.waiting import at_once


def recent(**changes: object) -> dict[str, object]:
    return row(date=(timezone.now() - timedelta(days=2)).date().isoformat(), **changes)


def upload(cast: Cast, data: bytes, name: str = "cost.csv") -> CostUpload:
    return cost_upload_create(network=cast.network, user=cast.ops, file=io.BytesIO(data), name=name)


def aged(upload: CostUpload, days: int) -> None:
    when = timezone.now() - timedelta(days=days)
    CostUpload.objects.filter(pk=upload.pk).update(
        created_at=when, accepted_at=when if upload.accepted_at else None
    )


@pytest.mark.django_db
def test_an_accepted_uploads_files_go_after_30_days_and_its_cost_stays(cast: Cast, client) -> None:  # type: ignore[no-untyped-def]
    accepted = upload(cast, csv_bytes([recent(), recent(campaign_id="c2")]))
    cost_upload_accept(upload=accepted, user=cast.ops)
    accepted.refresh_from_db()
    paths = [accepted.file.path, accepted.parsed_file.path]
    aged(accepted, 29)
    assert cost_upload_files_prune() == 0
    aged(accepted, 31)
    assert cost_upload_files_prune() == 1
    accepted.refresh_from_db()
    assert (
        accepted.file_pruned_at and accepted.row_count == 2 and accepted.status == CostUpload.Status.ACCEPTED
    )
    assert not any(__import__("os").path.exists(path) for path in paths)
    assert CostRow.objects.filter(upload=accepted).count() == 2  # the cost it stored stays
    client.force_login(cast.reviewer)
    base = f"/n/{cast.network.code}/costs/uploads/{accepted.code}"
    page = client.get(f"{base}/").content.decode()
    assert "File removed" in page and "the cost it stored stays" in page
    for download in ("original", "issues.csv"):
        assert client.get(f"{base}/{download}").status_code == 410
    assert cost_upload_files_prune() == 0


@pytest.mark.django_db
def test_an_upload_never_accepted_keeps_its_file_90_days_then_loses_it_and_its_issues(cast: Cast) -> None:
    invalid = upload(cast, csv_bytes([recent(geo="XX")]))
    assert CostIssue.objects.filter(upload=invalid).exists()
    aged(invalid, 60)
    assert cost_upload_files_prune() == 0
    aged(invalid, 91)
    assert cost_upload_files_prune() == 1
    invalid.refresh_from_db()
    assert not CostIssue.objects.filter(upload=invalid).exists() and invalid.issue_counts == {"ic219": 1}
    with pytest.raises(CostUploadBlocked, match="removed"):
        cost_upload_accept(upload=invalid, user=cast.ops)


@pytest.mark.django_db(transaction=True)
def test_pruning_twice_at_once_removes_each_file_once(cast: Cast) -> None:
    uploads = [upload(cast, csv_bytes([recent(campaign_id=f"c{n}")])) for n in range(12)]
    for each in uploads:
        aged(each, 100)
    counts = at_once(lambda: sum(iter(lambda: cost_upload_files_prune(batch=2), 0)))
    assert sum(counts) == 12 == CostUpload.objects.filter(file_pruned_at__isnull=False).count()
