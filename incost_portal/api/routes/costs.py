"""POST /api/v1/costs (push cost: validate, accept all, or accept the valid groups) and
GET /api/v1/costs (the current rows, with the Costs page's filters)."""

import datetime
import os
import zoneinfo
from typing import Any, Literal

from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest, HttpResponse
from django.utils.text import get_valid_filename
from ninja import Field, Query, Router, Schema

from incost_portal.api.auth import key_of
from incost_portal.api.bodies import body_spooled
from incost_portal.api.cost_pushes import CostPush, PushOptions, cost_push
from incost_portal.api.errors import ApiError
from incost_portal.api.idempotency import idempotent
from incost_portal.api.pagination import Page, PageParams, paginate
from incost_portal.api.routes.uploads import IssueOut, UploadOut, issue_out, upload_out
from incost_portal.api.schemas import IDEMPOTENCY_KEY_HEADER, ErrorBody, IsoDate, answers
from incost_portal.costs.models import CostIssue, CostRow, CostUpload
from incost_portal.costs.selectors import cost_rows_filtered
from incost_portal.networks.models import App, Network
from incost_portal.networks.selectors import app_list

router = Router(tags=["costs"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "application/json": CostUpload.Format.JSON,
    "text/csv": CostUpload.Format.CSV,
    "application/csv": CostUpload.Format.CSV,
    XLSX: CostUpload.Format.XLSX,
}
MAX_ISSUES_SHOWN = 1000


class PushParams(Schema):
    validate_only: bool = False
    accept: Literal["all", "valid"] = "all"
    decimal_separator: Literal[".", ","] = "."
    date_format: Literal["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"] = "YYYY-MM-DD"
    source_time_zone: str = ""
    app_id: str | None = None
    name: str = ""
    issues: int = Field(100, ge=1, le=MAX_ISSUES_SHOWN, description="How many issues the answer lists.")


class GroupKey(Schema):
    app_id: str
    date: str
    media_source: str


class Counts(Schema):
    rows: int
    error_rows: int
    errors: int
    warnings: int
    issue_counts: dict[str, int]


class PushAnswer(Schema):
    """What a push found and did. `issues`: the first ones (`?issues=`, 100 by default) in the order
    found; all of them at `upload.issues_url` (none kept for validate_only)."""

    error: ErrorBody | None = None
    validate_only: bool = False
    valid: bool = False
    stored: bool = False
    counts: Counts | None = None
    issues: list[IssueOut] = []
    issues_total: int = 0
    upload: UploadOut | None = None
    accepted_upload: UploadOut | None = None
    groups_left_out: list[GroupKey] = []


def _options(network: Network, params: PushParams, request: HttpRequest) -> PushOptions:
    content_type = (request.content_type or "").lower()
    file_format = FORMATS.get(content_type)
    if file_format is None:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type {content_type or '(none)'!r}: send application/json (an InCost array), text/csv "
            f"or {XLSX}.",
        )
    zone = params.source_time_zone.strip()
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ApiError(
                422,
                "invalid_request",
                f"source_time_zone: {zone!r} is not an IANA time zone name (like Europe/Berlin or "
                "America/New_York).",
            ) from None
    app: App | None = None
    if params.app_id:
        app = app_list(network=network).filter(app_id=params.app_id).first()
        if app is None:
            raise ApiError(422, "invalid_request", f"app_id: no app {params.app_id!r} in this network.")
    extension = {"json": "json", "csv": "csv", "xlsx": "xlsx"}[file_format]
    try:
        # Stored under this name: what a file name may hold (Django's own rule), else the default.
        name = get_valid_filename(os.path.basename(params.name.strip()))
    except SuspiciousFileOperation:
        name = ""
    name = (name or f"api-push.{extension}")[:200]
    return PushOptions(
        file_format=file_format,
        name=name,
        app=app,
        source_time_zone=zone,
        decimal_separator=params.decimal_separator,
        date_format=params.date_format,
    )


def _answer(push: CostPush, *, shown: int) -> tuple[int, dict[str, Any]]:
    if push.check is not None:
        summary = push.check.summary
        body: dict[str, Any] = {
            "validate_only": True,
            "valid": not summary.blocking,
            "counts": _counts(
                summary.rows, summary.error_rows, summary.errors, summary.warnings, summary.counts
            ),
            "issues": [issue.as_dict() for issue in push.check.issues[:shown]],
            "issues_total": summary.errors + summary.warnings,
        }
        if summary.blocking:
            # As a push that stores would be refused: 422, so a script branches the same way.
            errors = f"{summary.errors:,} error{'' if summary.errors == 1 else 's'}"
            body["error"] = {"code": "cost_invalid", "message": f"The body has {errors}; nothing was stored."}
            return 422, PushAnswer(**body).model_dump()
        return 200, PushAnswer(**body).model_dump(exclude={"error"})
    upload = push.upload
    assert upload is not None
    issues = CostIssue.objects.filter(upload=upload).order_by("id")[:shown]
    body = {
        "valid": upload.error_count == 0,
        "stored": push.accepted is not None,
        "counts": _counts(
            upload.row_count,
            upload.error_row_count,
            upload.error_count,
            upload.warning_count,
            upload.issue_counts,
        ),
        "issues": [issue_out(issue) for issue in issues],
        "issues_total": upload.error_count + upload.warning_count,
        "upload": upload_out(upload),
        "accepted_upload": upload_out(push.accepted) if push.accepted is not None else None,
        "groups_left_out": [
            {"app_id": app_id, "date": date, "media_source": source}
            for app_id, date, source in push.groups_left_out
        ],
    }
    if push.refused:
        body["error"] = {"code": "cost_invalid", "message": push.refused}
        return 422, PushAnswer(**body).model_dump()
    return 200, PushAnswer(**body).model_dump(exclude={"error"})


def _counts(rows: int, error_rows: int, errors: int, warnings: int, counts: Any) -> dict[str, Any]:
    return {
        "rows": rows,
        "error_rows": error_rows,
        "errors": errors,
        "warnings": warnings,
        "issue_counts": dict(sorted(counts.items())),
    }


@router.post(
    "",
    response=answers({200: PushAnswer, 422: PushAnswer}, (401, 403, 429), 409, 411, 413, 415),
    summary="Push cost",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                # Any bytes are a CSV or a workbook to check: what is wrong inside is an issue.
                "text/csv": {"schema": {"description": "A CSV file with InCost or Cost Import headers."}},
                XLSX: {"schema": {"description": "A workbook: the same columns on its first sheet."}},
            },
        },
        "parameters": [IDEMPOTENCY_KEY_HEADER],
    },
)
def costs_push(request: HttpRequest, params: Query[PushParams]) -> HttpResponse:
    """Rows as an InCost JSON array (any number of apps and dates), or a CSV or XLSX file, by
    Content-Type. Checked by the upload page's rules; every issue names its row, field, code and
    message as the preview does.

    - `validate_only=true`: nothing is stored; 200 when nothing blocks, else 422 `cost_invalid`
      with the issues (warnings never block).
    - `accept=all` (default): the (app, date, media source) groups the body covers are replaced,
      all or nothing: any error and nothing is stored (422 `cost_invalid`, with the issues).
    - `accept=valid`: the groups without an error are replaced; the others are reported in
      `groups_left_out` and left as they were.

    `decimal_separator` and `date_format` declare how a CSV or XLSX writes spend and dates, as on
    the upload page; `app_id` makes the body one app's request; `source_time_zone` is the zone of
    an `hour` column."""
    key = key_of(request)
    options = _options(key.network, params, request)
    body = body_spooled(request)

    def run() -> tuple[int, dict[str, Any]]:
        with body.file:
            push = cost_push(
                key=key,
                file=body.file,
                options=options,
                validate_only=params.validate_only,
                accept_valid=params.accept == "valid",
            )
        return _answer(push, shown=params.issues)

    try:
        return idempotent(request, api_key=key, body_sha256=body.sha256, run=run)
    finally:
        body.file.close()


class CostRowOut(Schema):
    id: int
    app_id: str
    date: datetime.date
    media_source: str
    af_prt: str
    campaign_id: str
    campaign_name: str
    adset_id: str
    adset_name: str
    ad_id: str
    ad_name: str
    site_id: str
    geo: str
    channel: str
    keywords: str
    currency: str
    spend: str
    clicks: int | None
    impressions: int | None
    updated_at: datetime.datetime


class CostFilters(PageParams):
    app_id: str | None = None
    media_source: str | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    campaign: str | None = None


def _row(row: CostRow) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in CostRowOut.model_fields if name not in ("app_id", "spend")}
    return {**values, "app_id": row.app.app_id, "spend": row.spend_text}


@router.get("", response=answers({200: Page[CostRowOut]}), summary="List current cost rows")
def costs_list(request: HttpRequest, filters: Query[CostFilters]) -> dict:
    """The network's current cost rows (what is sent), newest dates first; filter by app id, media
    source, dates (inclusive) and campaign (id or name contains)."""
    network = key_of(request).network
    app = None
    if filters.app_id:
        app = app_list(network=network).filter(app_id=filters.app_id).first()
        if app is None:
            raise ApiError(422, "invalid_request", f"app_id: no app {filters.app_id!r} in this network.")
    rows = cost_rows_filtered(
        network=network,
        app=app,
        media_source=filters.media_source or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
        campaign=(filters.campaign or "").strip()[:100],
    )
    return paginate(
        rows, cursor=filters.cursor, limit=filters.limit, fields=("date", "id"), descending=True, item=_row
    )
