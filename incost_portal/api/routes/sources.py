"""/api/v1/sources: a network's scheduled pulls of cost (HTTPS reports, S3-compatible buckets), and
their runs. Secrets go in (`headers`, `secret_key`) and never come out: answers show only their
last four characters."""

import datetime
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from incost_portal.api.auth import key_of
from incost_portal.api.errors import ApiError, not_found
from incost_portal.api.pagination import Page, paginate
from incost_portal.api.schemas import READ_ERRORS, WRITE_ERRORS, answers
from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.selectors import source_list, source_run_list
from incost_portal.sources.services.config import source_create, source_delete, source_update
from incost_portal.sources.services.runs import source_run_request

router = Router(tags=["sources"])


class SourceIn(Schema):
    """A source's settings; on update, only the fields given change. `headers` and `secret_key`
    are write-only: null (or absent) keeps what is stored, `{}` or `""` removes it."""

    name: str | None = Field(None, max_length=100)
    kind: Literal["https", "s3"] | None = None
    enabled: bool | None = None
    url_template: str | None = Field(None, max_length=2000, description="{date_from}/{date_to} are filled")
    headers: dict[str, str] | None = Field(None, description="Request headers, e.g. Authorization")
    file_format: Literal["", "csv", "json", "xlsx"] | None = Field(None, description='"": by content type')
    bucket: str | None = Field(None, max_length=255)
    prefix: str | None = Field(None, max_length=1024)
    region: str | None = Field(None, max_length=64)
    endpoint_url: str | None = Field(None, max_length=500)
    access_key_id: str | None = Field(None, max_length=128)
    secret_key: str | None = Field(None, max_length=500)
    column_mapping: dict[str, str] | None = Field(None, description="source header -> InCost field")
    date_format: Literal["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"] | None = None
    decimal_separator: Literal[".", ","] | None = None
    restatement_days: int | None = Field(None, ge=1, le=90)
    every_hours: int | None = Field(None, ge=1, le=168, description="null: before each scheduled send")
    stale_after_hours: int | None = Field(
        None, ge=0, le=720, description="an alert opens when no run brought new cost for this long; 0: never"
    )
    on_problems: Literal["valid_groups", "all_or_nothing"] | None = None


class SourceOut(Schema):
    id: uuid.UUID
    name: str
    kind: str
    enabled: bool
    url_template: str
    headers: dict[str, str] = Field(description="Header names with the last four characters of each value")
    file_format: str
    bucket: str
    prefix: str
    region: str
    endpoint_url: str
    access_key_id: str
    secret_key: str | None = Field(description="The last four characters of the stored secret key")
    column_mapping: dict[str, str]
    date_format: str
    decimal_separator: str
    restatement_days: int
    every_hours: int | None
    stale_after_hours: int
    on_problems: str
    next_run_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class HeldGroup(Schema):
    object: str
    app_id: str
    date: str
    media_source: str
    codes: list[str]


class RunIssue(Schema):
    object: str
    row: int | None
    field: str
    code: str
    message: str
    severity: str


class RunOut(Schema):
    id: uuid.UUID
    trigger: str
    dry_run: bool
    outcome: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    attempts: int
    date_from: datetime.date | None
    date_to: datetime.date | None
    fetched_bytes: int
    fetched_objects: int
    rows: int
    error_count: int
    warning_count: int
    groups_replaced: int
    groups_held: int
    held_groups: list[HeldGroup]
    issues: list[RunIssue]
    issue_counts: dict[str, int]
    duration_ms: int | None
    error: str
    uploads: list[uuid.UUID]


def _source_out(source: Source) -> dict[str, Any]:
    return {
        **{name: getattr(source, name) for name in SourceOut.model_fields if hasattr(source, name)},
        "id": source.code,
        "headers": {name: f"…{last4}" if last4 else "…" for name, last4 in source.headers_shown.items()},
        "secret_key": (f"…{source.secret_key_last4}" if source.secret_key_last4 else "…")
        if source.secret_key_encrypted
        else None,
    }


def _run_out(run: SourceRun) -> dict[str, Any]:
    return {
        **{name: getattr(run, name) for name in RunOut.model_fields if hasattr(run, name)},
        "id": run.code,
        "uploads": [upload.code for upload in run.uploads.all()],
    }


def _source(request: HttpRequest, source_id: uuid.UUID) -> Source:
    source = Source.objects.filter(network=key_of(request).network, code=source_id).first()
    if source is None:
        raise not_found("source")
    return source


def _invalid(error: ValidationError) -> ApiError:
    details = [
        {"where": field, "message": message}
        for field, messages in error.message_dict.items()
        for message in messages
    ]
    first = details[0]
    return ApiError(
        422, "invalid_request", f"{first['where']}: {first['message']}", extra={"details": details}
    )


@router.get("", response=answers({200: Page[SourceOut]}), summary="List the network's sources")
def sources_list(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> dict:
    return paginate(
        source_list(network=key_of(request).network),
        cursor=cursor,
        limit=limit,
        fields=("name", "id"),
        item=_source_out,
    )


@router.post("", response=answers({201: SourceOut}, WRITE_ERRORS, 400, 413), summary="Add a source")
def sources_create(request: HttpRequest, body: SourceIn) -> Status[dict]:
    """An HTTPS report (`url_template`, `headers`) or an S3-compatible bucket (`bucket`, `prefix`,
    `region`, `endpoint_url`, `access_key_id`, `secret_key`). `name` and `kind` are needed."""
    given = body.model_dump(exclude_unset=True, exclude={"headers", "secret_key"})
    try:
        source = source_create(
            network=key_of(request).network, user=None, values=given,
            headers=body.headers, secret_key=body.secret_key,
        )  # fmt: skip
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(201, _source_out(source))


@router.get("/{source_id}", response=answers({200: SourceOut}, READ_ERRORS, 404), summary="Read a source")
def sources_read(request: HttpRequest, source_id: uuid.UUID) -> dict:
    return _source_out(_source(request, source_id))


@router.patch(
    "/{source_id}", response=answers({200: SourceOut}, WRITE_ERRORS, 400, 404, 413), summary="Change a source"
)
def sources_update(request: HttpRequest, source_id: uuid.UUID, body: SourceIn) -> dict:
    source = _source(request, source_id)
    given = body.model_dump(exclude_unset=True, exclude={"headers", "secret_key"})
    try:
        source = source_update(
            source=source, user=None, values=given, headers=body.headers, secret_key=body.secret_key
        )
    except ValidationError as error:
        raise _invalid(error) from None
    return _source_out(source)


@router.delete("/{source_id}", response=answers({204: None}, WRITE_ERRORS, 404), summary="Delete a source")
def sources_delete(request: HttpRequest, source_id: uuid.UUID) -> Status[None]:
    """The source and its runs; the uploads it made, and the cost they accepted, stay."""
    source_delete(source=_source(request, source_id), user=None)
    return Status(204, None)


@router.post(
    "/{source_id}/runs", response=answers({202: RunOut}, WRITE_ERRORS, 404), summary="Fetch now (or test)"
)
def source_runs_create(request: HttpRequest, source_id: uuid.UUID, dry_run: bool = False) -> Status[dict]:
    """Queue a run for a worker; follow it with `GET /sources/{id}/runs`. With `dry_run=true` the
    file is fetched and checked and the preview kept on the run: nothing else is stored."""
    run = source_run_request(
        source=_source(request, source_id), trigger=SourceRun.Trigger.API, dry_run=dry_run
    )
    return Status(202, _run_out(run))


@router.get(
    "/{source_id}/runs",
    response=answers({200: Page[RunOut]}, READ_ERRORS, 404),
    summary="List a source's runs",
)
def source_runs_list(
    request: HttpRequest, source_id: uuid.UUID, cursor: str | None = None, limit: int | None = None
) -> dict:
    """Newest first, with their outcome, counts, held groups and first issues."""
    runs = source_run_list(source=_source(request, source_id)).prefetch_related("uploads")
    return paginate(runs, cursor=cursor, limit=limit, fields=("id",), descending=True, item=_run_out)
