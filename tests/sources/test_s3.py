"""S3-compatible sources against a real S3 server (moto's server mode), through real RQ workers:
each new or changed object taken once, in order; a held group reported; nothing lost or counted
twice (the sandbox's ledger equals the portal's rows after the sends)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from incost_portal.costs.models import CostUpload
from incost_portal.sources.models import Source, SourceObject, SourceRun
from incost_portal.sources.services.config import source_create
from incost_portal.sources.services.runs import source_run_request
from tests.builders import ANDROID, IOS, cost_rows, csv_bytes, today
from tests.sources.buckets import ACCESS_KEY_ID, S3, SECRET_KEY, s3_running
from tests.sources.conftest import FAST
from tests.sources.running import run_now, send_all
from tests.submissions.workers import Workers, workers_running
from tests.waiting import wait_for
from tests.wiring import Wired

pytestmark = pytest.mark.django_db(transaction=True)
Outcome = SourceRun.Outcome
WORKER_SETTINGS = {
    "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    "SOURCE_RETRY_BACKOFF_SECONDS": "1",
    "SOURCE_LOCK_RETRY_SECONDS": "1",
}


@pytest.fixture
def s3() -> Iterator[S3]:
    with s3_running() as running, override_settings(**FAST):
        running.bucket("costs")
        yield running


def bucket_source(wired: Wired, s3: S3, **values: object) -> Source:
    return source_create(
        network=wired.network,
        user=wired.user,
        values={
            "name": "Exports",
            "kind": "s3",
            "bucket": "costs",
            "prefix": "exports/",
            "endpoint_url": s3.endpoint,
            "access_key_id": ACCESS_KEY_ID,
            **values,
        },
        secret_key=SECRET_KEY,
    )


def run_by_workers(source: Source, workers: Workers) -> SourceRun:
    run = source_run_request(source=source)

    def final() -> bool:
        run.refresh_from_db()
        return run.is_final

    wait_for(final, timeout=60, message=lambda: f"{run.outcome} {run.error}\n{workers.logs()}")
    return run


@pytest.mark.slow
def test_objects_are_taken_once_changed_ones_again_and_the_ledger_equals_the_portal(
    wired: Wired, s3: S3, tmp_path: Path
) -> None:
    bad = cost_rows(ANDROID, range(1, 2))
    bad[0] = {**bad[0], "spend": "-5"}  # the Android group of yesterday is held
    s3.put("costs", "exports/day-1.csv", csv_bytes(cost_rows(IOS, range(1, 3))))
    s3.put("costs", "exports/day-2.csv", csv_bytes(cost_rows(ANDROID, range(2, 3)) + bad))
    s3.put("costs", "elsewhere/other.csv", csv_bytes(cost_rows(IOS, range(5, 6))))
    source = bucket_source(wired, s3)

    with workers_running(tmp_path, count=2, **WORKER_SETTINGS) as workers:
        first = run_by_workers(source, workers)
        assert first.outcome == Outcome.PARTIAL, (first.error, first.issues)
        assert first.fetched_objects == 2 and first.groups_held == 1
        assert [(g["object"], g["app_id"], g["date"], g["codes"]) for g in first.held_groups] == [
            ("day-2.csv", ANDROID, today(1), ["ic217"])
        ]
        assert set(SourceObject.objects.values_list("key", flat=True)) == {
            "exports/day-1.csv",
            "exports/day-2.csv",
        }

        again = run_by_workers(source, workers)
        assert (again.outcome, again.fetched_objects, again.rows) == (Outcome.SUCCEEDED, 0, 0)

        changed = [{**row, "spend": "20"} for row in cost_rows(IOS, range(1, 3))]
        s3.put("costs", "exports/day-1.csv", csv_bytes(changed))
        third = run_by_workers(source, workers)
        assert (third.outcome, third.fetched_objects, third.groups_replaced) == (Outcome.SUCCEEDED, 1, 2)

    uploads = CostUpload.objects.filter(source=CostUpload.Source.SOURCE)
    assert sorted(uploads.values_list("original_name", flat=True)) == ["day-1.csv", "day-1.csv", "day-2.csv"]
    send_all(wired)
    assert wired.ledger() == wired.portal_totals()
    assert wired.portal_totals()[(IOS, today(1), "acme_int")] == 40  # two campaigns at 20, not 10.5 + 20
    assert (ANDROID, today(1), "acme_int") not in wired.portal_totals()


def test_objects_are_taken_oldest_first_and_the_secret_is_kept_encrypted(wired: Wired, s3: S3) -> None:
    for name in ("b.csv", "a.csv", "c.json"):
        body = csv_bytes(cost_rows(IOS, range(1, 2))) if name.endswith("csv") else b"[]"
        s3.put("costs", f"exports/{name}", body)
    source = bucket_source(wired, s3)
    assert SECRET_KEY.encode() not in bytes(Source.objects.get(pk=source.pk).secret_key_encrypted)
    run = run_now(source)
    listed = s3.client.list_objects_v2(Bucket="costs", Prefix="exports/")["Contents"]
    oldest_first = [
        item["Key"].split("/")[-1] for item in sorted(listed, key=lambda i: (i["LastModified"], i["Key"]))
    ]
    assert list(run.uploads.order_by("id").values_list("original_name", flat=True)) == oldest_first
    assert run.fetched_objects == 3


def test_a_dry_run_marks_no_object_as_taken(wired: Wired, s3: S3) -> None:
    s3.put("costs", "exports/a.csv", csv_bytes(cost_rows(IOS, range(1, 2))))
    source = bucket_source(wired, s3)
    dry = run_now(source, dry_run=True)
    assert (dry.outcome, dry.fetched_objects) == (Outcome.SUCCEEDED, 1)
    assert not SourceObject.objects.exists() and not CostUpload.objects.exists()
    assert run_now(source).fetched_objects == 1


def test_a_wrong_secret_key_fails_the_run_with_what_to_check(wired: Wired, s3: S3) -> None:
    source = bucket_source(wired, s3, bucket="no-such-bucket")
    run = run_now(source)
    assert run.outcome == Outcome.FAILED and "NoSuchBucket" in run.error
    assert SECRET_KEY not in run.error


def test_an_endpoint_on_a_private_address_is_refused_before_connecting(wired: Wired, s3: S3) -> None:
    source = bucket_source(wired, s3)
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=[]):
        run = run_now(source)
    assert run.outcome == Outcome.FAILED
    assert "127.0.0.1" in run.error and "loopback" in run.error
