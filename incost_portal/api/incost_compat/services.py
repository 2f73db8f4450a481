"""Writes of the InCost-compatible endpoint: an upload received, stored by a worker, then sent."""

import datetime
import logging

import django_rq
import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from incost_portal.api.incost_compat.checks import Refusal, body_refusal, first_refusal
from incost_portal.api.models import ApiKey, IncostJob, IncostJobGroup
from incost_portal.costs.issues import Issue
from incost_portal.costs.models import CostIssue, CostRow, CostUpload
from incost_portal.costs.selectors import cost_group_hashes
from incost_portal.costs.services import cost_upload_create
from incost_portal.networks.models import App, MediaSource, Network
from incost_portal.networks.selectors import media_source_list
from incost_portal.submissions.models import Trigger
from incost_portal.submissions.services.planning import send_plan_create

logger = logging.getLogger(__name__)

QUEUE = "incost"
INGEST = "incost_portal.api.incost_compat.jobs.incost_jobs_ingest_job"
SEND = "incost_portal.api.incost_compat.jobs.incost_send_plan_job"
# A received body no worker has stored after this long (Redis lost its job): queued again.
INGEST_STALE = datetime.timedelta(minutes=2)
# One ingest job at a time per app: while its marker lives, a new upload adds none.
INGEST_MARKER_SECONDS = 600


def incost_upload_receive(*, key: ApiKey, app: App, body: bytes) -> IncostJob | Refusal:
    """Keep an upload as a job, or refuse it at once as AppsFlyer would (ic416, ic213: nothing kept).

    The body waits in its job for a worker to check it with the portal's validation and store it,
    accepted (`incost_jobs_ingest`), as AppsFlyer checks rows after it answered: the caller is
    answered in about the time of a JSON parse, however many calls it makes."""
    registered = media_source_list(network=app.network, kind=MediaSource.Kind.MEDIA_SOURCE)
    refusal = body_refusal(body, media_sources=frozenset(registered.values_list("name", flat=True)))
    if refusal is not None:
        return refusal
    # Kept as sent, for moments only: the worker stores it as a cost upload and drops it here.
    job = IncostJob(network=app.network, app=app, key=key, body_bytes=len(body))
    job.body.save(f"{job.code}.json", ContentFile(body), save=False)
    job.save()
    if not _ingest_soon(app_pk=app.pk):
        incost_jobs_ingest(app_pk=app.pk)  # without Redis, stored now rather than never
        job.refresh_from_db()
    return job


def _marker(app_pk: int) -> str:
    return f"incost:ingest:{app_pk}"


def _ingest_soon(*, app_pk: int, again: bool = False) -> bool:
    """Queue the app's ingest job unless one is queued or running (it takes every waiting body of
    the app, oldest first); False when Redis cannot be reached."""
    try:
        queue = django_rq.get_queue(QUEUE)
        if again:
            queue.connection.delete(_marker(app_pk))
        if queue.connection.set(_marker(app_pk), "1", nx=True, ex=INGEST_MARKER_SECONDS):
            queue.enqueue(INGEST, app_pk)
    except redis.RedisError as error:
        logger.warning("Could not queue the InCost endpoint's ingest: %s", type(error).__name__)
        return False
    return True


def _enqueue(function: str, *args: object, **options: object) -> bool:
    try:
        queue = django_rq.get_queue(QUEUE)
        at = options.pop("at", None)
        if at is not None:
            queue.enqueue_at(at, function, *args, **options)
        else:
            queue.enqueue(function, *args, **options)
    except redis.RedisError as error:
        logger.warning("Could not enqueue %s: %s", function.rsplit(".", 1)[-1], type(error).__name__)
        return False
    return True


def incost_jobs_ingest(*, app_pk: int) -> int:
    """Store every waiting body of an app, oldest first (a later upload of a group must replace an
    earlier one, as at AppsFlyer), then let the next upload queue a new ingest job. Returns how
    many were stored or refused."""
    done = 0
    while True:
        while incost_job_ingest_next(app_pk=app_pk) is not None:
            done += 1
        try:
            connection = django_rq.get_queue(QUEUE).connection
            connection.delete(_marker(app_pk))
            # An upload that came while the marker still stood queued nothing: take it now.
            waiting = IncostJob.objects.filter(app_id=app_pk, state=IncostJob.State.RECEIVED).exists()
            if not (waiting and connection.set(_marker(app_pk), "1", nx=True, ex=INGEST_MARKER_SECONDS)):
                return done
        except redis.RedisError:
            return done


def incost_job_ingest_next(*, app_pk: int) -> IncostJob | None:
    """Store the app's oldest waiting body as a cost upload of the app, accepted (it replaces the
    groups it covers), through the upload page's service; or record the error that blocks it now (a
    day may have left the window since it was received). Then the app's changed cost is sent soon.
    Returns the job, or None when none waits."""
    with transaction.atomic():
        # One ingester per app at a time, whatever the number of workers: bodies are stored in the
        # order they were received.
        App.objects.select_for_update().filter(pk=app_pk).first()
        job = (
            IncostJob.objects.select_related("network", "app")
            .filter(app_id=app_pk, state=IncostJob.State.RECEIVED)
            .order_by("created_at", "id")
            .first()
        )
        if job is None:
            return None
        with job.body.open("rb") as body:
            upload = cost_upload_create(
                network=job.network,
                user=None,
                file=body,
                name=f"InCost endpoint {job.app.app_id} {str(job.code)[:8]}.json",
                source=CostUpload.Source.API,
                file_format="json",
                app=job.app,
                accept=True,
            )
        kept = job.body.name
        job.upload, job.body, job.ingested_at = upload, "", timezone.now()
        if upload.status == CostUpload.Status.ACCEPTED:
            job.state = IncostJob.State.ACCEPTED
            _groups_record(job, upload)
        else:
            refusal = first_refusal(_issues_of(upload)) or Refusal(
                "ic300", "The upload was not stored.", None
            )
            job.state, job.error_code, job.error_message = (
                IncostJob.State.REFUSED,
                refusal.code,
                refusal.message,
            )
        job.save()
        # The upload keeps its own copy; this one goes once the job's new state is committed.
        transaction.on_commit(lambda: default_storage.delete(kept))
    if job.state == IncostJob.State.ACCEPTED:
        incost_send_soon(network_id=job.network_id, app_pk=job.app_id)
    return job


def _issues_of(upload: CostUpload) -> list[Issue]:
    stored = CostIssue.objects.filter(upload=upload, severity=CostIssue.Severity.ERROR)
    return [
        Issue(row, field, code, message)
        for row, field, code, message in stored.values_list("row", "field", "code", "message")
    ]


def _groups_record(job: IncostJob, upload: CostUpload) -> None:
    """The groups the upload stored, with the hash of the content it gave each."""
    counts = (
        CostRow.objects.filter(network=job.network, app=job.app, upload=upload)
        .values_list("date", "media_source")
        .annotate(rows=Count("pk"))
    )
    groups = {(date, source): rows for date, source, rows in counts}
    if not groups:
        return
    dates = [date for date, _ in groups]
    job.date_from, job.date_to = min(dates), max(dates)
    hashes = cost_group_hashes(network=job.network, app=job.app, date_from=job.date_from, date_to=job.date_to)
    IncostJobGroup.objects.bulk_create(
        IncostJobGroup(
            job=job, date=date, media_source=source, content_hash=hashes[(date, source)], row_count=rows
        )
        for (date, source), rows in groups.items()
    )
    agencies = CostRow.objects.filter(
        network=job.network, app=job.app, date__gte=job.date_from, date__lte=job.date_to, upload=upload
    ).exclude(af_prt="")
    job.agency = ",".join(sorted(set(agencies.values_list("af_prt", flat=True))))[:200]


def incost_job_nudge(job: IncostJob, *, now: datetime.datetime | None = None) -> None:
    """Queue a received job again when no worker stored it in time (Redis lost its job)."""
    now = now or timezone.now()
    if job.state == IncostJob.State.RECEIVED and now - job.created_at > INGEST_STALE:
        _ingest_soon(app_pk=job.app_id, again=True)


def incost_send_soon(*, network_id: int, app_pk: int) -> bool:
    """Plan the app's changed cost after INCOST_COMPAT_SEND_DELAY_SECONDS: the uploads for one app
    within that time share one plan (one job id per app and slot), so a caller's many small calls
    become as few AppsFlyer requests as the size limit allows. A lost job: the schedule covers it."""
    delay = settings.INCOST_COMPAT_SEND_DELAY_SECONDS
    if delay <= 0:
        return _enqueue(SEND, network_id, app_pk)
    slot = (int(timezone.now().timestamp()) // delay + 1) * delay
    return _enqueue(
        SEND,
        network_id,
        app_pk,
        at=datetime.datetime.fromtimestamp(slot, datetime.UTC),
        job_id=f"incost-compat-send-{network_id}-{app_pk}-{slot}",
    )


def incost_send_plan(*, network_id: int, app_pk: int) -> str:
    """Send the app's changed cost now, as Send now would for the app (within the real budget)."""
    network = Network.objects.get(pk=network_id)
    app = App.objects.filter(network=network, pk=app_pk).first()
    if app is None:
        return "The app is gone."
    return send_plan_create(network=network, trigger=Trigger.MANUAL, app_ids=[app.app_id]).summary()


def incost_jobs_recover(*, now: datetime.datetime | None = None) -> int:
    """Queue again the ingest of every app whose bodies wait longer than INGEST_STALE (Redis lost
    the job, or a worker died holding its marker): run every minute by RQ cron. Returns the apps."""
    before = (now or timezone.now()) - INGEST_STALE
    waiting = IncostJob.objects.filter(state=IncostJob.State.RECEIVED, created_at__lt=before)
    apps = list(waiting.values_list("app_id", flat=True).distinct())
    for app_pk in apps:
        _ingest_soon(app_pk=app_pk, again=True)
    return len(apps)


def incost_jobs_prune(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Remove the ended jobs of the InCost-compatible endpoint RETENTION_FAILED_PAYLOAD_DAYS after
    they were received (their status is no longer read; the uploads they made stay); one batch."""
    before = (now or timezone.now()) - datetime.timedelta(days=settings.RETENTION_FAILED_PAYLOAD_DAYS)
    ended = IncostJob.objects.filter(created_at__lt=before).exclude(state=IncostJob.State.RECEIVED)
    ids = list(ended.order_by("id").values_list("id", flat=True)[:batch])
    return IncostJob.objects.filter(id__in=ids).delete()[1].get("api.IncostJob", 0) if ids else 0
