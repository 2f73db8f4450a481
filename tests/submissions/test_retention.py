"""Retention: payloads compressed at rest and removed after their period, never while a request is on
its way or a failed one is within its window; pruning twice at once removes each thing once; what
was sent, its groups, totals and timeline stay, and nothing at AppsFlyer or on the dashboard moves."""

import zlib
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from incost_portal.costs.models import CostGroupTotal
from incost_portal.submissions.models import Event, State, Submission, SubmissionEvent
from incost_portal.submissions.services.planning import send_plan_create
from incost_portal.submissions.services.retention import (
    submission_events_summarise,
    submission_payloads_compress,
    submission_payloads_prune,
)
from tests.builders import IOS, cost_rows
from tests.submissions.test_sending import FAST, drive
from tests.waiting import at_once
from tests.wiring import Wired

pytestmark = pytest.mark.django_db(transaction=True)


def aged(days: int, **filters: object) -> None:
    """Move requests' finish back in time, as if `days` had passed."""
    Submission.objects.filter(**filters).update(finished_at=timezone.now() - timedelta(days=days))


@override_settings(**FAST)
def test_an_applied_payload_is_compressed_then_removed_and_the_rest_stays(wired: Wired, client) -> None:  # type: ignore[no-untyped-def]
    wired.put_cost(cost_rows(IOS, range(1, 6)))
    send_plan_create(network=wired.network)
    submission = Submission.objects.get()
    body = submission.payload_body
    assert submission.payload_codec == "zlib" and zlib.decompress(bytes(submission.payload)) == body
    assert submission.payload_stored_bytes == len(bytes(submission.payload)) < len(body)
    drive()
    ledger, totals = wired.ledger(), list(CostGroupTotal.objects.values_list("applied", flat=True))
    events = list(SubmissionEvent.objects.values_list("kind", flat=True))

    aged(29)
    assert submission_payloads_prune() == 0  # within the 30 days
    aged(31)
    assert submission_payloads_prune() == 1
    submission.refresh_from_db()
    assert (
        submission.payload_body is None
        and submission.payload_pruned_at
        and not submission.payload_stored_bytes
    )
    # The row, its groups, totals and timeline stay; AppsFlyer's ledger and the Applied states too.
    assert submission.state == State.APPLIED and submission.groups.count() == 5
    assert submission.row_count and submission.spend_total and submission.payload_sha256
    assert list(SubmissionEvent.objects.values_list("kind", flat=True)) == events
    assert list(CostGroupTotal.objects.values_list("applied", flat=True)) == totals and all(totals)
    assert wired.ledger() == ledger
    # Its page says so, and the download answers 410 with the same words.
    client.force_login(wired.user)
    base = f"/n/{wired.network.code}/jobs/{submission.code}"
    assert "Payload removed" in client.get(f"{base}/").content.decode()
    removed = client.get(f"{base}/payload.json")
    assert removed.status_code == 410 and "was removed on" in removed.content.decode()


@override_settings(**FAST)
def test_on_its_way_and_failed_within_the_window_are_never_removed(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 4)))
    send_plan_create(network=wired.network)
    on_its_way = Submission.objects.get()
    Submission.objects.filter(pk=on_its_way.pk).update(finished_at=timezone.now() - timedelta(days=400))
    failed = Submission.objects.create(
        **{
            f.name: getattr(on_its_way, f.name)
            for f in Submission._meta.concrete_fields
            if f.name not in ("id", "code")
        },
    )
    Submission.objects.filter(pk=failed.pk).update(
        state=State.FAILED, finished_at=timezone.now() - timedelta(days=60)
    )
    assert submission_payloads_prune() == 0
    assert Submission.objects.get(pk=on_its_way.pk).payload_body  # queued: never touched
    assert Submission.objects.get(pk=failed.pk).payload_body  # failed 60 days ago: kept 90
    aged(91, pk=failed.pk)
    assert submission_payloads_prune() == 1
    assert Submission.objects.get(pk=on_its_way.pk).payload_body


@override_settings(**FAST)
def test_pruning_twice_at_once_removes_each_payload_once(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 30), campaigns=1))
    send_plan_create(network=wired.network)
    drive()
    Submission.objects.all().update(state=State.APPLIED, finished_at=timezone.now() - timedelta(days=40))
    total = Submission.objects.count()
    counts = at_once(lambda: sum(iter(lambda: submission_payloads_prune(batch=1), 0)))
    assert sum(counts) == total == Submission.objects.filter(payload_pruned_at__isnull=False).count()


@override_settings(**FAST)
def test_payloads_stored_before_compression_are_compressed(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 3)))
    send_plan_create(network=wired.network)
    submission = Submission.objects.get()
    body = submission.payload_body
    Submission.objects.filter(pk=submission.pk).update(payload=body, payload_codec="", payload_stored_bytes=0)
    assert Submission.objects.get(pk=submission.pk).payload_body == body  # read as it was stored
    assert submission_payloads_compress() == 1 and submission_payloads_compress() == 0
    again = Submission.objects.get(pk=submission.pk)
    assert (
        again.payload_codec == "zlib"
        and again.payload_body == body
        and 0 < again.payload_stored_bytes < len(body)
    )


@override_settings(**FAST)
def test_old_timelines_keep_their_last_status_read(wired: Wired) -> None:
    wired.put_cost(cost_rows(IOS, range(1, 3)))
    send_plan_create(network=wired.network)
    drive()
    submission = Submission.objects.get()
    for _ in range(5):
        SubmissionEvent.objects.create(submission=submission, kind=Event.STATUS, message="In progress")
    last = SubmissionEvent.objects.filter(kind=Event.STATUS).latest("id")
    kinds = set(SubmissionEvent.objects.exclude(kind=Event.STATUS).values_list("kind", flat=True))
    aged(91)
    assert submission_events_summarise() >= 5
    assert list(SubmissionEvent.objects.filter(kind=Event.STATUS).values_list("id", flat=True)) == [last.id]
    assert set(SubmissionEvent.objects.exclude(kind=Event.STATUS).values_list("kind", flat=True)) == kinds
    assert submission_events_summarise() == 0
