"""Writes of cost data: an upload is stored and checked; accepting it replaces the groups it covers."""

import contextlib
import datetime
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.costs.issues import Issue, text_shown
from incost_portal.costs.models import ISSUES_KEPT_PER_CODE, CostIssue, CostUpload
from incost_portal.costs.parsed_copy import ParsedCopyWriter
from incost_portal.costs.parsing import file_format_guess
from incost_portal.costs.parsing.conventions import Conventions
from incost_portal.costs.row_store import CostRowStore, ReplaceResult
from incost_portal.costs.selectors import network_rules
from incost_portal.costs.validation import CheckSummary, IssueCollector, cost_file_check
from incost_portal.networks.models import App, Network


class CostUploadBlocked(ValidationError):
    """Accepting failed: the upload has errors (found now, or when it was checked)."""


def cost_upload_create(
    *,
    network: Network,
    user: Any | None,
    file: IO[bytes],
    name: str = "",
    source: str = CostUpload.Source.FILE,
    file_format: str | None = None,
    source_time_zone: str = "",
    app: App | None = None,
    accept: bool = False,
    now: datetime.datetime | None = None,
    decimal_separator: str = ".",
    date_format: str = "YYYY-MM-DD",
    audit_detail: Mapping[str, Any] | None = None,
) -> CostUpload:
    """Keep the original file, validate it in one streaming pass, and store what was found.

    The upload ends VALID (nothing blocks: accept it with `cost_upload_accept`) or INVALID.
    With `accept=True` (a push that needs no preview) the same pass also stores the rows when
    nothing blocks, and the upload ends ACCEPTED. `app` makes it one app's request
    (ic228/ic229 apply). `audit_detail` joins the accept's audit line (an API push names its key).
    Raises ValidationError only for a file over COST_UPLOAD_MAX_BYTES; everything wrong inside a
    file is an issue.
    """
    name = os.path.basename(name or getattr(file, "name", "") or "costs")
    size = _size(file)
    if size > settings.COST_UPLOAD_MAX_BYTES:
        raise ValidationError(
            f"The file is {size:,} bytes; the largest accepted is {settings.COST_UPLOAD_MAX_BYTES:,}."
        )
    file.seek(0)
    file_format = file_format or file_format_guess(file, name)  # type: ignore[arg-type]
    upload = CostUpload(
        network=network,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        source=source,
        original_name=name,
        file_format=file_format,
        file_size=size,
        app=app,
        source_time_zone=source_time_zone.strip(),
        decimal_separator=decimal_separator,
        date_format=date_format,
    )
    upload.file.save(name, File(file, name=name), save=False)
    upload.save()
    if accept:
        # Blocked: the upload is INVALID with its issues, which is what the caller reads.
        with contextlib.suppress(CostUploadBlocked):
            _check_and_store(
                upload, user=user, now=now or timezone.now(), first_check=True, audit_detail=audit_detail
            )
        upload.refresh_from_db()
        return upload
    collector = IssueCollector(per_code=ISSUES_KEPT_PER_CODE)
    # The same pass writes the rows as parsed, for the preview to page through (parsed once).
    parsed = ParsedCopyWriter()
    try:
        summary = _check(upload, on_issue=collector, now=now, on_read=parsed)
        parsed.save(upload)
    except BaseException:
        parsed.discard()
        raise
    with transaction.atomic():
        _issues_store(upload, collector, summary, now=now)
    return upload


@dataclass(frozen=True)
class CostCheck:
    """What checking a body found, with nothing stored: the counts and the issues as an upload's
    preview would show them (the first ISSUES_KEPT_PER_CODE of each code, in the order found)."""

    summary: CheckSummary
    issues: list[Issue]
    truncated: bool


def cost_file_validate(
    *,
    network: Network,
    file: IO[bytes],
    name: str = "",
    file_format: str | None = None,
    source_time_zone: str = "",
    app: App | None = None,
    now: datetime.datetime | None = None,
    decimal_separator: str = ".",
    date_format: str = "YYYY-MM-DD",
) -> CostCheck:
    """Check a file as `cost_upload_create` would, storing nothing: no upload, no file, no issue rows
    (an API push with validate_only). The same rules, conventions and issue texts as the preview."""
    name = os.path.basename(name or getattr(file, "name", "") or "costs")
    file.seek(0)
    file_format = file_format or file_format_guess(file, name)  # type: ignore[arg-type]
    file.seek(0)
    collector = IssueCollector(per_code=ISSUES_KEPT_PER_CODE)
    summary = cost_file_check(
        file,  # type: ignore[arg-type]
        rules=network_rules(network=network),
        on_issue=collector,
        now=now,
        file_format=file_format,
        name=name,
        request_app=app.app_id if app else None,
        source_time_zone=source_time_zone.strip(),
        conventions=Conventions(decimal_separator, date_format),
    )
    shown = [_issue_shown(issue) for issue in collector.kept]
    return CostCheck(summary=summary, issues=shown, truncated=collector.truncated)


def _issue_shown(issue: Issue) -> Issue:
    """An issue as a CostIssue row stores it (so as the preview shows it)."""
    return Issue(issue.row, text_shown(issue.field)[:100], issue.code, text_shown(issue.message))


def _size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    file.seek(0, os.SEEK_END)
    end = file.tell()
    file.seek(0)
    return end


def _check(
    upload: CostUpload, *, on_issue: Any, now: datetime.datetime | None, **kwargs: Any
) -> CheckSummary:
    with upload.file.open("rb") as stream:
        return cost_file_check(
            stream,
            rules=network_rules(network=upload.network),
            on_issue=on_issue,
            now=now,
            file_format=upload.file_format,
            name=upload.original_name,
            request_app=upload.app.app_id if upload.app else None,
            source_time_zone=upload.source_time_zone,
            conventions=Conventions(upload.decimal_separator, upload.date_format),
            **kwargs,
        )


def _issues_store(
    upload: CostUpload, collector: IssueCollector, summary: CheckSummary, *, now: datetime.datetime | None
) -> None:
    CostIssue.objects.filter(upload=upload).delete()
    CostIssue.objects.bulk_create(_issue_rows(upload, collector), batch_size=1000)
    upload.status = CostUpload.Status.INVALID if summary.blocking else CostUpload.Status.VALID
    upload.file_format = summary.file_format or upload.file_format
    upload.row_count = summary.rows
    upload.error_row_count = summary.error_rows
    upload.error_count = summary.errors
    upload.warning_count = summary.warnings
    upload.issue_counts = dict(sorted(summary.counts.items()))
    upload.checked_at = now or timezone.now()
    upload.save()


def _issue_rows(upload: CostUpload, collector: IssueCollector) -> Iterator[CostIssue]:
    for issue in map(_issue_shown, collector.kept):
        yield CostIssue(
            upload=upload,
            row=issue.row,
            field=issue.field,
            code=issue.code,
            message=issue.message,
            severity=str(issue.severity),
        )


class _Blocked(Exception):
    def __init__(self, summary: CheckSummary) -> None:
        self.summary = summary


def cost_upload_accept(
    *,
    upload: CostUpload,
    user: Any | None = None,
    now: datetime.datetime | None = None,
    audit_detail: Mapping[str, Any] | None = None,
) -> ReplaceResult:
    """Replace, in one transaction, the current rows of every (app, date, media source) group the
    upload covers with its rows.

    The file is checked again as it is stored (a day may have left the 90-day window, a media
    source may be gone since): if anything blocks now, nothing is written, the upload turns
    INVALID with the new issues, and CostUploadBlocked is raised.
    """
    if upload.file_pruned_at is not None:
        raise CostUploadBlocked(
            "This upload's file was removed when its retention period ended: upload it again."
        )
    if upload.status != CostUpload.Status.VALID:
        status = upload.get_status_display()
        raise CostUploadBlocked(
            f"Only an upload ready to accept can be accepted; this one's status is {status!r}."
        )
    result = _check_and_store(
        upload, user=user, now=now or timezone.now(), first_check=False, audit_detail=audit_detail
    )
    upload.refresh_from_db()
    return result


def _check_and_store(
    upload: CostUpload,
    *,
    user: Any | None,
    now: datetime.datetime,
    first_check: bool,
    audit_detail: Mapping[str, Any] | None = None,
) -> ReplaceResult:
    """One pass: check the file and stage its rows; replace the groups if nothing blocks."""
    rules = network_rules(network=upload.network)
    collector = IssueCollector(per_code=ISSUES_KEPT_PER_CODE)
    store = CostRowStore(
        network_id=upload.network_id,
        app_pks={app_id: app.pk for app_id, app in rules.apps.items() if app.pk is not None},
        upload_id=upload.pk,
        now=now,
    )
    failed = False

    def on_issue(issue: Issue) -> None:
        nonlocal failed
        failed = failed or issue.is_error
        collector(issue)

    def on_chunk(chunk: Any) -> None:
        if not failed:
            store.add(chunk)

    try:
        with transaction.atomic():
            store.begin()
            summary = _check(upload, on_issue=on_issue, now=now, on_chunk=on_chunk)
            if summary.blocking:
                raise _Blocked(summary)
            result = store.replace()
            expected = CostUpload.Status.RECEIVED if first_check else CostUpload.Status.VALID
            updated = CostUpload.objects.filter(pk=upload.pk, status=expected).update(
                status=CostUpload.Status.ACCEPTED,
                accepted_at=now,
                accepted_by=user if getattr(user, "is_authenticated", False) else None,
                stored_row_count=result.rows,
                groups_replaced=result.groups,
                **(_counts(summary, now) if first_check else {}),
            )
            if updated != 1:
                raise CostUploadBlocked("The upload was accepted or changed meanwhile.")
    except _Blocked as blocked:
        store.discard()
        with transaction.atomic():
            _issues_store(upload, collector, blocked.summary, now=now)
        raise CostUploadBlocked(
            f"The upload has {blocked.summary.errors:,} errors now; nothing was stored."
        ) from None
    except BaseException:
        store.discard()
        raise
    if first_check:
        # The issues of a clean pass (warnings) are kept too.
        CostIssue.objects.bulk_create(_issue_rows(upload, collector), batch_size=1000)
    edited = upload.source == CostUpload.Source.GRID
    audit_record(
        network=upload.network,
        actor=user,
        action=Action.COST_EDITED if edited else Action.UPLOAD_ACCEPTED,
        target=upload.original_name,
        detail={
            "rows": result.rows,
            "groups": result.groups,
            "source": upload.source,
            **(audit_detail or {}),
        },
    )
    return result


def _counts(summary: CheckSummary, now: datetime.datetime) -> dict[str, Any]:
    return {
        "file_format": summary.file_format,
        "row_count": summary.rows,
        "error_row_count": summary.error_rows,
        "error_count": summary.errors,
        "warning_count": summary.warnings,
        "issue_counts": dict(sorted(summary.counts.items())),
        "checked_at": now,
    }


def cost_upload_files_prune(*, now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Remove the files (as uploaded, and the parsed copy) of uploads accepted
    RETENTION_ACCEPTED_FILE_DAYS ago and of uploads never accepted RETENTION_UNACCEPTED_FILE_DAYS
    ago, with the issues of the latter; one batch. The upload's row, counts and profile stay, and
    the rows it wrote. Each upload is claimed by a conditional UPDATE, so of two runs at once only
    one deletes its files. Returns how many uploads lost their files."""
    now = now or timezone.now()
    accepted_before = now - datetime.timedelta(days=settings.RETENTION_ACCEPTED_FILE_DAYS)
    unaccepted_before = now - datetime.timedelta(days=settings.RETENTION_UNACCEPTED_FILE_DAYS)
    due = Q(status=CostUpload.Status.ACCEPTED, accepted_at__lt=accepted_before) | (
        ~Q(status=CostUpload.Status.ACCEPTED) & Q(created_at__lt=unaccepted_before)
    )
    candidates = CostUpload.objects.filter(due, file_pruned_at__isnull=True).order_by("id")
    pruned = 0
    for upload in candidates.only("id", "status", "file", "parsed_file")[:batch]:
        claimed = CostUpload.objects.filter(pk=upload.pk, file_pruned_at__isnull=True).update(
            file_pruned_at=now, parsed_index=[]
        )
        if not claimed:
            continue  # another run took it
        for kept in (upload.file, upload.parsed_file):
            if kept:
                kept.storage.delete(kept.name)
        if upload.status != CostUpload.Status.ACCEPTED:
            CostIssue.objects.filter(upload_id=upload.pk).delete()
        pruned += 1
    return pruned
