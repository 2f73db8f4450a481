"""Runs of a source: requested (Fetch now, Test, the API, the schedule), executed in an RQ worker,
and recorded with their outcome.

A run fetches its file(s), renames the mapped columns, and hands each file to the same door as the
upload page (`cost_upload_create`, `cost_upload_valid_groups`, `cost_upload_accept`): the same
checks, the same accept, an upload in the history. A dry run checks the same way and keeps only
its preview on the run: no upload, no cost rows, no bucket object marked as taken.

Only the run's id travels through Redis. A source is leased by a conditional UPDATE while a run
works on it, so two runs of one source never overlap (the second waits and tries again); a worker
killed mid-run lets go when its lease passes, and the cron marks that run failed."""

import datetime
import io
import logging
import time
import zoneinfo
from collections.abc import Iterable
from typing import Any

import django_rq
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from incost_portal.costs.editing import EditRefused, cost_upload_valid_groups
from incost_portal.costs.models import CostIssue, CostUpload
from incost_portal.costs.parsing import cost_file_read
from incost_portal.costs.parsing.conventions import Conventions
from incost_portal.costs.selectors import network_rules
from incost_portal.costs.services import CostUploadBlocked, cost_upload_accept, cost_upload_create
from incost_portal.costs.validation import IssueCollector, cost_file_check
from incost_portal.networks.models import App, Network
from incost_portal.sources.fetching import (
    Bucket,
    Fetched,
    FetchFailed,
    FetchTransient,
    bucket_objects_new,
    https_fetch,
    url_filled,
)
from incost_portal.sources.mapping import mapping_apply
from incost_portal.sources.models import Source, SourceObject, SourceRun
from incost_portal.sources.schedule import source_next_run
from incost_portal.sources.services.config import source_headers, source_secret_key

logger = logging.getLogger(__name__)

QUEUE = "default"
RUN_JOB = "incost_portal.sources.jobs.source_run_job"
# The first issues of a run are kept on it for its page (the uploads keep theirs in full).
ISSUES_KEPT = 200
HELD_GROUPS_KEPT = 500
Outcome = SourceRun.Outcome
GroupKey = tuple[str, str, str]


def source_run_request(
    *, source: Source, user: Any | None = None, trigger: str = SourceRun.Trigger.MANUAL, dry_run: bool = False
) -> SourceRun:
    """A new run, queued for a worker once the transaction commits."""
    run = SourceRun.objects.create(
        source=source,
        network=source.network,
        trigger=trigger,
        dry_run=dry_run,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: run_enqueue(run.pk))
    return run


def run_enqueue(run_id: int, *, delay_seconds: float = 0) -> bool:
    """Queue the run's job (now, or after a delay); a run Redis lost is queued again by the cron."""
    try:
        queue = django_rq.get_queue(QUEUE)
        options = {"job_timeout": settings.SOURCE_RUN_TIMEOUT_SECONDS, "failure_ttl": 7 * 86400}
        if delay_seconds > 0:
            queue.enqueue_in(datetime.timedelta(seconds=delay_seconds), RUN_JOB, run_id, **options)
        else:
            queue.enqueue(RUN_JOB, run_id, **options)
    except redis.RedisError as error:
        logger.warning("Could not queue source run %s: %s", run_id, type(error).__name__)
        return False
    return True


def restatement_window(
    *, network: Network, days: int, now: datetime.datetime
) -> tuple[datetime.date, datetime.date]:
    """The last `days` days as the network's apps see them: from the earliest first day of any
    app's time zone to the latest today (as the upload page's date checks use each app's zone)."""
    zones = set(App.objects.filter(network=network, enabled=True).values_list("time_zone", flat=True))
    todays = [now.astimezone(zoneinfo.ZoneInfo(zone)).date() for zone in zones or {"UTC"}]
    return min(todays) - datetime.timedelta(days=days - 1), max(todays)


def _lease_take(source_id: int, now: datetime.datetime) -> bool:
    until = now + datetime.timedelta(seconds=settings.SOURCE_RUN_TIMEOUT_SECONDS + 60)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return Source.objects.filter(free, pk=source_id).update(lease_until=until) == 1


def _lease_release(source_id: int) -> None:
    Source.objects.filter(pk=source_id).update(lease_until=None)


def source_run_execute(*, run_id: int) -> str:
    """Do one queued run (the job's whole work); returns its outcome. Never raises for what the
    source answers: a failure that may pass is retried with backoff, up to SOURCE_FETCH_ATTEMPTS."""
    now = timezone.now()
    run = SourceRun.objects.select_related("source", "network").filter(pk=run_id).first()
    if run is None or run.is_final:
        return "gone" if run is None else run.outcome
    if not _lease_take(run.source_id, now):
        # Another run of this source is working: this one waits its turn.
        run_enqueue(run.pk, delay_seconds=settings.SOURCE_LOCK_RETRY_SECONDS)
        return "waiting"
    try:
        claimed = SourceRun.objects.filter(pk=run.pk, outcome__in=(Outcome.QUEUED, Outcome.RETRYING)).update(
            outcome=Outcome.RUNNING, started_at=F("started_at") if run.started_at else now,
            attempts=F("attempts") + 1, retry_at=None,
        )  # fmt: skip
        if not claimed:
            return "taken"
        run.refresh_from_db()
        return _execute(run, started=time.monotonic())
    finally:
        _lease_release(run.source_id)


def _execute(run: SourceRun, *, started: float) -> str:
    try:
        _fetch_and_take(run)
    except FetchTransient as error:
        if run.attempts < settings.SOURCE_FETCH_ATTEMPTS:
            wait = settings.SOURCE_RETRY_BACKOFF_SECONDS * 2 ** (run.attempts - 1)
            _finish(run, Outcome.RETRYING, started, error=f"{error} Trying again in {wait} s.", final=False,
                    retry_at=timezone.now() + datetime.timedelta(seconds=wait))  # fmt: skip
            run_enqueue(run.pk, delay_seconds=wait)
            return Outcome.RETRYING
        _finish(run, Outcome.FAILED, started, error=f"{error} (attempt {run.attempts} of {run.attempts}).")
        return Outcome.FAILED
    except FetchFailed as error:
        _finish(run, Outcome.FAILED, started, error=str(error))
        return Outcome.FAILED
    except Exception:
        # The traceback goes to the log (no secret is in a source's exceptions' messages); the
        # run says only that it failed.
        logger.exception("Source run %s failed", run.pk)
        _finish(run, Outcome.FAILED, started, error="The run failed unexpectedly; the failure is logged.")
        return Outcome.FAILED
    if run.groups_held == 0 and run.error_count == 0:
        outcome = Outcome.SUCCEEDED
    elif run.groups_replaced > 0:
        outcome = Outcome.PARTIAL
    else:
        outcome = Outcome.HELD
    _finish(run, outcome, started)
    return outcome


def _finish(
    run: SourceRun,
    outcome: str,
    started: float,
    *,
    error: str = "",
    final: bool = True,
    retry_at: datetime.datetime | None = None,
) -> None:
    run.outcome = outcome
    run.error = error
    run.retry_at = retry_at
    run.duration_ms = (run.duration_ms or 0) + int((time.monotonic() - started) * 1000)
    if final:
        run.finished_at = timezone.now()
    run.save()


def _fetch_and_take(run: SourceRun) -> None:
    source, now = run.source, timezone.now()
    if source.kind == Source.Kind.HTTPS:
        run.date_from, run.date_to = restatement_window(
            network=run.network, days=source.restatement_days, now=now
        )
        url = url_filled(source.url_template, date_from=run.date_from, date_to=run.date_to)
        fetched = https_fetch(url, headers=source_headers(source), chosen_format=source.file_format)
        _take(run, fetched, now=now)
        return
    bucket = Bucket(
        bucket=source.bucket,
        prefix=source.prefix,
        region=source.region,
        endpoint_url=source.endpoint_url,
        access_key_id=source.access_key_id,
        secret_key=source_secret_key(source),
    )
    seen = set(SourceObject.objects.filter(source=source).values_list("key", "etag"))
    for item in bucket_objects_new(bucket.objects(), seen):
        fetched = bucket.read(item, chosen_format=source.file_format)
        with transaction.atomic():
            _take(run, fetched, now=now)
            if not run.dry_run:
                # Taken once: a later run skips this key until its ETag changes.
                SourceObject.objects.get_or_create(
                    source=source, key=item.key, etag=item.etag, defaults={"size": item.size, "run": run}
                )


def _take(run: SourceRun, fetched: Fetched, *, now: datetime.datetime) -> None:
    """Check one file (and accept it, unless a dry run); add what came of it to the run."""
    source = run.source
    data = mapping_apply(fetched.data, file_format=fetched.file_format, mapping=source.column_mapping)
    conventions = Conventions(source.decimal_separator, source.date_format)
    run.fetched_bytes += len(fetched.data)
    run.fetched_objects += 1
    if run.dry_run:
        _dry_check(run, fetched, data, conventions=conventions, now=now)
    else:
        _accept(run, fetched, data, conventions=conventions, now=now)
    run.save()


def _dry_check(
    run: SourceRun, fetched: Fetched, data: bytes, *, conventions: Conventions, now: datetime.datetime
) -> None:
    collector = IssueCollector(per_code=ISSUES_KEPT)
    summary = cost_file_check(
        io.BytesIO(data),
        rules=network_rules(network=run.network),
        on_issue=collector,
        now=now,
        file_format=fetched.file_format,
        name=fetched.name,
        conventions=conventions,
    )
    issues = [issue.as_dict() for issue in collector.kept]
    _issues_add(run, fetched.name, issues, summary.counts, errors=summary.errors, warnings=summary.warnings)
    run.rows += summary.rows
    errors = [issue for issue in issues if issue["severity"] == "error"]
    groups, held = _groups(data, fetched.file_format, conventions, errors)
    if held is None:  # an error of the whole file holds every group
        held = dict.fromkeys(groups, _file_codes(errors))
    elif held and run.source.on_problems == Source.OnProblems.ALL_OR_NOTHING:
        held = {key: held.get(key, set()) for key in groups}
    run.groups_replaced += len(groups) - len(held)  # what an accept would replace
    _held_add(run, fetched.name, held)


def _accept(
    run: SourceRun, fetched: Fetched, data: bytes, *, conventions: Conventions, now: datetime.datetime
) -> None:
    source = run.source
    upload = cost_upload_create(
        network=run.network,
        user=run.requested_by,
        file=io.BytesIO(data),
        name=fetched.name,
        source=CostUpload.Source.SOURCE,
        file_format=fetched.file_format,
        decimal_separator=conventions.decimal_separator,
        date_format=conventions.date_format,
        accept=True,
        now=now,
    )
    run.uploads.add(upload)
    run.rows += upload.row_count
    issues = _upload_issues(upload)
    _issues_add(run, fetched.name, issues, upload.issue_counts, errors=upload.error_count,
                warnings=upload.warning_count)  # fmt: skip
    if upload.status == CostUpload.Status.ACCEPTED:
        run.groups_replaced += upload.groups_replaced
        return
    errors = [issue for issue in issues if issue["severity"] == "error"]
    groups, held = _groups(data, fetched.file_format, conventions, errors)
    everything = {key: (held or {}).get(key, set()) or _file_codes(errors) for key in groups}
    if source.on_problems == Source.OnProblems.ALL_OR_NOTHING or held is None:
        _held_add(run, fetched.name, everything)
        return
    try:
        clean = cost_upload_valid_groups(upload=upload, user=run.requested_by)
        run.uploads.add(clean)
        if clean.status != CostUpload.Status.VALID:
            raise EditRefused("The clean groups have errors of their own once checked together.")
        result = cost_upload_accept(upload=clean, user=run.requested_by, now=now)
    except (EditRefused, CostUploadBlocked) as refused:
        run.error = " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused)
        _held_add(run, fetched.name, everything)
        return
    run.groups_replaced += result.groups
    _held_add(run, fetched.name, held)


def _upload_issues(upload: CostUpload) -> list[dict[str, Any]]:
    return [
        {"row": row, "field": field, "code": code, "message": message, "severity": severity}
        for row, field, code, message, severity in CostIssue.objects.filter(upload=upload)
        .order_by("row", "id")
        .values_list("row", "field", "code", "message", "severity")[:ISSUES_KEPT]
    ]


def _file_codes(errors: Iterable[dict[str, Any]]) -> set[str]:
    return {issue["code"] for issue in errors if issue["row"] is None}


def _groups(
    data: bytes, file_format: str, conventions: Conventions, errors: list[dict[str, Any]]
) -> tuple[set[GroupKey], dict[GroupKey, set[str]] | None]:
    """Every (app, date, media source) group of the file, and the groups with errors on their rows
    with the codes; None for the latter when an error is the whole file's (every group is held)."""
    codes_by_row: dict[int, set[str]] = {}
    for issue in errors:
        if issue["row"] is None:
            return _all_groups(data, file_format, conventions), None
        codes_by_row.setdefault(issue["row"], set()).add(issue["code"])
    groups = set()
    held: dict[GroupKey, set[str]] = {}
    for number, key in _row_keys(data, file_format, conventions):
        groups.add(key)
        if number in codes_by_row:
            held.setdefault(key, set()).update(codes_by_row[number])
    return groups, held


def _all_groups(data: bytes, file_format: str, conventions: Conventions) -> set[GroupKey]:
    return {key for _, key in _row_keys(data, file_format, conventions)}


def _row_keys(data: bytes, file_format: str, conventions: Conventions) -> Iterable[tuple[int, GroupKey]]:
    for chunk in cost_file_read(io.BytesIO(data), file_format=file_format).chunks:
        if file_format != "json":
            chunk = conventions.apply(chunk)
        columns = chunk.columns
        empty = [""] * len(chunk.rows)
        apps, dates, sources = (columns.get(name, empty) for name in ("app_id", "date", "media_source"))
        for index, number in enumerate(chunk.rows):
            yield number, (str(apps[index]).strip(), str(dates[index]).strip(), str(sources[index]).strip())


def _issues_add(
    run: SourceRun,
    name: str,
    issues: list[dict[str, Any]],
    counts: dict[str, int],
    *,
    errors: int,
    warnings: int,
) -> None:
    room = ISSUES_KEPT - len(run.issues)
    run.issues = [*run.issues, *({"object": name, **issue} for issue in issues[: max(room, 0)])]
    merged = dict(run.issue_counts)
    for code, count in counts.items():
        merged[code] = merged.get(code, 0) + count
    run.issue_counts = dict(sorted(merged.items()))
    run.error_count += errors
    run.warning_count += warnings


def _held_add(run: SourceRun, name: str, held: dict[GroupKey, set[str]]) -> None:
    run.groups_held += len(held)
    room = HELD_GROUPS_KEPT - len(run.held_groups)
    shown = [
        {"object": name, "app_id": app, "date": day, "media_source": media, "codes": sorted(codes)}
        for (app, day, media), codes in sorted(held.items())
    ]
    run.held_groups = [*run.held_groups, *shown[: max(room, 0)]]


def sources_run_due(*, now: datetime.datetime | None = None) -> int:
    """Queue a run of every enabled source whose time has come (each due time claimed by a
    conditional UPDATE, so two cron processes queue it once); queue again runs whose job Redis
    lost, and fail runs whose worker died past their time limit. Returns how many runs it queued."""
    now = now or timezone.now()
    queued = 0
    due = Source.objects.filter(enabled=True).filter(Q(next_run_at__lte=now) | Q(next_run_at__isnull=True))
    for source in due.select_related("network"):
        following = source_next_run(source, now)
        claimed = Source.objects.filter(pk=source.pk, next_run_at=source.next_run_at).update(
            next_run_at=following
        )
        if claimed:
            with transaction.atomic():
                source_run_request(source=source, trigger=SourceRun.Trigger.SCHEDULE)
            queued += 1
    late = now - datetime.timedelta(seconds=settings.SOURCE_REQUEUE_AFTER_SECONDS)
    for run_id in SourceRun.objects.filter(
        Q(outcome=Outcome.QUEUED, created_at__lt=late) | Q(outcome=Outcome.RETRYING, retry_at__lt=late)
    ).values_list("pk", flat=True)[:100]:
        run_enqueue(run_id)
    stuck = now - datetime.timedelta(seconds=settings.SOURCE_RUN_TIMEOUT_SECONDS + 120)
    SourceRun.objects.filter(outcome=Outcome.RUNNING, started_at__lt=stuck).update(
        outcome=Outcome.FAILED,
        finished_at=now,
        error="The run did not finish within its time limit (SOURCE_RUN_TIMEOUT_SECONDS).",
    )
    return queued
