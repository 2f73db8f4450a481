"""GET /api/v1/uploads, /uploads/{id} and /uploads/{id}/issues: what a push (or any upload) found.

An upload's id is its public code (the one in the upload page's address). Issues are listed in the
order they were found, as the preview stores them: the first 1,000 of each code, every one counted."""

import datetime
import uuid
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from incost_portal.api.auth import key_of
from incost_portal.api.errors import not_found
from incost_portal.api.pagination import Page, PageParams, paginate
from incost_portal.api.schemas import answers
from incost_portal.costs.models import CostIssue, CostUpload
from incost_portal.costs.selectors import cost_upload_filtered, cost_upload_list
from incost_portal.networks.models import Network

router = Router(tags=["uploads"])


class IssueOut(Schema):
    row: int | None
    field: str
    code: str
    message: str
    severity: str


class UploadOut(Schema):
    id: uuid.UUID
    name: str
    source: str
    file_format: str
    file_size: int
    status: str
    app_id: str | None
    rows: int
    error_rows: int
    errors: int
    warnings: int
    issue_counts: dict[str, int]
    issues_truncated: bool
    stored_rows: int
    groups_replaced: int
    created_at: datetime.datetime
    checked_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    superseded_by: uuid.UUID | None
    file_kept: bool
    issues_url: str
    preview_url: str  # the upload's page in the portal, where a person can fix it


def upload_out(upload: CostUpload) -> dict:
    return {
        "id": upload.code,
        "name": upload.original_name,
        "source": upload.source,
        "file_format": upload.file_format,
        "file_size": upload.file_size,
        "status": upload.status,
        "app_id": upload.app.app_id if upload.app_id and upload.app else None,
        "rows": upload.row_count,
        "error_rows": upload.error_row_count,
        "errors": upload.error_count,
        "warnings": upload.warning_count,
        "issue_counts": upload.issue_counts,
        "issues_truncated": upload.issues_truncated,
        "stored_rows": upload.stored_row_count,
        "groups_replaced": upload.groups_replaced,
        "created_at": upload.created_at,
        "checked_at": upload.checked_at,
        "accepted_at": upload.accepted_at,
        "superseded_by": upload.superseded_by.code
        if upload.superseded_by_id and upload.superseded_by
        else None,
        "file_kept": upload.file_pruned_at is None,
        "issues_url": reverse("api:upload_issues", args=[upload.code]),
        "preview_url": reverse("costs:upload_detail", args=[upload.network.code, upload.code]),
    }


def issue_out(issue: CostIssue) -> dict:
    return {
        "row": issue.row,
        "field": issue.field,
        "code": issue.code,
        "message": issue.message,
        "severity": issue.severity,
    }


def upload_of(network: Network, upload_id: str) -> CostUpload:
    """The network's upload with this id; 404 for a missing one, another network's, or a non-id."""
    try:
        code = uuid.UUID(upload_id)
    except ValueError:
        raise not_found("upload") from None
    upload = cost_upload_list(network=network).select_related("superseded_by").filter(code=code).first()
    if upload is None:
        raise not_found("upload")
    return upload


@router.get("", response=answers({200: Page[UploadOut]}), summary="List uploads")
def uploads_list(
    request: HttpRequest,
    page: Query[PageParams],
    status: Literal["received", "valid", "invalid", "accepted"] | None = None,
    source: Literal["file", "grid", "api"] | None = None,
) -> dict:
    """Every upload of the network (pushes, files, grid edits), newest first, every version."""
    uploads = cost_upload_filtered(
        network=key_of(request).network, status=status or "", source=source or "", versions="all"
    ).select_related("superseded_by", "network")
    return paginate(
        uploads,
        cursor=page.cursor,
        limit=page.limit,
        fields=("created_at", "id"),
        descending=True,
        item=upload_out,
    )


@router.get("/{upload_id}", response=answers({200: UploadOut}, (401, 404, 422, 429)), summary="An upload")
def upload_detail(request: HttpRequest, upload_id: str) -> dict:
    """An upload's counts and status; its issues are at `issues_url`."""
    return upload_out(upload_of(key_of(request).network, upload_id))


@router.get(
    "/{upload_id}/issues",
    response=answers({200: Page[IssueOut]}, (401, 404, 422, 429)),
    summary="An upload's issues",
    url_name="upload_issues",
)
def upload_issues(
    request: HttpRequest,
    upload_id: str,
    page: Query[PageParams],
    severity: Literal["error", "warning"] | None = None,
    code: str | None = None,
) -> dict:
    """Each issue with its row (1-based as in the file; null for the whole file or an app), field,
    code and message, as the preview shows them, in the order found."""
    upload = upload_of(key_of(request).network, upload_id)
    issues = CostIssue.objects.filter(upload=upload)
    if severity:
        issues = issues.filter(severity=severity)
    if code:
        issues = issues.filter(code=code[:10])
    return paginate(issues, cursor=page.cursor, limit=page.limit, fields=("id",), item=issue_out)
