"""Retention of what sending keeps: payloads of finished requests, and their timelines' status reads.

Run by RQ cron in small batches (runtime.jobs.storage_prune). Each step is a conditional UPDATE
or DELETE of a few hundred rows by id: no long lock, no table rewrite, and two runs at once
remove each thing once (the second finds the condition no longer true). A request on its way is
never touched; what an ad-ops user or an auditor needs (what was sent, when, how much, the
outcome, who, its groups and totals) stays on the Submission row and its groups.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from incost_portal.submissions.models import TERMINAL, Event, State, Submission, SubmissionEvent
from incost_portal.submissions.payloads import payload_pack, payload_unpack

BATCH = 200


def submission_payloads_prune(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Remove the payloads of Applied requests finished RETENTION_APPLIED_PAYLOAD_DAYS ago and of
    failed ones RETENTION_FAILED_PAYLOAD_DAYS ago; one batch. Returns how many were removed."""
    now = now or timezone.now()
    applied_before = now - timedelta(days=settings.RETENTION_APPLIED_PAYLOAD_DAYS)
    failed_before = now - timedelta(days=settings.RETENTION_FAILED_PAYLOAD_DAYS)
    due = Q(state=State.APPLIED, finished_at__lt=applied_before) | Q(
        state=State.FAILED, finished_at__lt=failed_before
    )
    candidates = Submission.objects.filter(due, payload_pruned_at__isnull=True).order_by("id")
    ids = list(candidates.values_list("id", flat=True)[:batch])
    if not ids:
        return 0
    return Submission.objects.filter(id__in=ids, payload_pruned_at__isnull=True, state__in=TERMINAL).update(
        payload=b"", payload_stored_bytes=0, payload_pruned_at=now
    )


# A payload is up to 1 MB: a batch of them is read into memory, so it stays small.
COMPRESS_BATCH = 20


def submission_payloads_compress(*, batch: int = COMPRESS_BATCH) -> int:
    """Compress payloads stored before compression (codec ""); one batch, each row on condition
    that it is still uncompressed. Returns how many were compressed."""
    rows = list(
        Submission.objects.filter(payload_codec="", payload_pruned_at__isnull=True)
        .order_by("id")
        .values_list("id", "payload")[:batch]
    )
    done = 0
    for pk, stored in rows:
        packed, codec = payload_pack(payload_unpack(bytes(stored), ""))
        done += Submission.objects.filter(pk=pk, payload_codec="", payload_pruned_at__isnull=True).update(
            payload=packed, payload_codec=codec, payload_stored_bytes=len(packed)
        )
    return done


def submission_events_summarise(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """For requests finished RETENTION_EVENTS_DAYS ago, keep the timeline's planning, uploads,
    retries and outcome and the last status read; remove the status reads before it (their count
    stays in `status_polls`). One batch of requests; returns how many events were removed."""
    now = now or timezone.now()
    ids = list(
        Submission.objects.filter(
            state__in=TERMINAL,
            finished_at__lt=now - timedelta(days=settings.RETENTION_EVENTS_DAYS),
            events_summarised_at__isnull=True,
        )
        .order_by("id")
        .values_list("id", flat=True)[:batch]
    )
    if not ids:
        return 0
    reads = SubmissionEvent.objects.filter(submission_id__in=ids, kind=Event.STATUS)
    last = reads.values("submission_id").annotate(last=Max("id")).values_list("last", flat=True)
    removed, _ = reads.exclude(id__in=list(last)).delete()
    Submission.objects.filter(id__in=ids, events_summarised_at__isnull=True).update(events_summarised_at=now)
    return removed
