"""What the InCost API answers, as typed results, and the one error every failed call becomes.

AppsFlyer's answers come in several shapes: `{"job_id": ...}` or a bare JSON string job id;
errors as `{"error": {...}}`, `{"error": [{...}]}`, `{"errors": [...]}`, a bare JSON string or a
gateway's text. These functions read all of them.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from incost_portal.incost import codes

IC_CODE = re.compile(r"\b(ic\d{3})\b", re.IGNORECASE)


class InCostError(Exception):
    """A call that did not give the answer asked for.

    `code` is the InCost code (`ic111`, `ic416`, ...) when there is one, else one of `timeout`,
    `connection`, `http_<status>`, `unauthorized`, `bad_answer`, `no_token`, `limiter_unavailable`.
    `http_status` is None when nothing came back (or nothing was sent). `retryable` says whether
    the same request can succeed later, and `retry_after_seconds` how long to wait when the spec
    or the server says (None: back off as you see fit).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        retryable: bool = False,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable
        self.retry_after_seconds = retry_after_seconds

    def __str__(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{self.code}{status}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"InCostError(code={self.code!r}, http_status={self.http_status!r}, "
            f"retryable={self.retryable!r}, retry_after_seconds={self.retry_after_seconds!r})"
        )


@dataclass(frozen=True)
class UploadAccepted:
    job_id: str


@dataclass(frozen=True)
class JobStatus:
    status: str
    app_id: str = ""
    matched_records_percentage: Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    agency: str = ""
    uploaded_request_url: str = ""
    error_code: str = ""
    error_message: str = ""
    raw: Any = field(default=None, compare=False, repr=False)

    @property
    def is_terminal(self) -> bool:
        return self.status in codes.TERMINAL_STATUSES

    @property
    def is_applied(self) -> bool:
        return self.status == codes.APPLIED

    @property
    def retry_after_seconds(self) -> int | None:
        """How long to wait before sending the same data again, when the job's end allows it."""
        return codes.PROCESSING_ERROR_RETRY_SECONDS if self.status == codes.PROCESSING_ERROR else None


@dataclass(frozen=True)
class ListedApp:
    app_id: str
    name: str
    platform: str
    currency: str
    time_zone: str


@dataclass(frozen=True)
class AppListPage:
    apps: list[ListedApp]
    total_items: int | None
    has_next: bool


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def error_from_body(body: Any, *, http_status: int, retry_after_header: str | None = None) -> InCostError:
    """The InCostError an error answer stands for, whatever its shape."""
    code, message = "", ""
    if isinstance(body, dict):
        error = body.get("error", body.get("errors"))
        if isinstance(error, list) and error:
            error = error[0]
        if isinstance(error, dict):
            code = _text(error.get("af_error_code") or error.get("code"))
            message = _text(error.get("error_message") or error.get("detail") or error.get("title"))
        elif isinstance(error, str):
            message = error
        message = message or _text(body.get("message"))
    elif isinstance(body, str):
        message = body.strip()
    if not code.lower().startswith("ic"):
        found = IC_CODE.search(message)
        code = found.group(1) if found else (codes.code_for_message(message) or "")
    code = code.lower() or _code_for_status(http_status)
    message = message[:500] or codes.MESSAGES.get(code, f"HTTP {http_status}")
    return error_for_code(code, message, http_status=http_status, retry_after_header=retry_after_header)


def _code_for_status(http_status: int) -> str:
    return {429: "ic111", 413: "ic311", 401: "unauthorized", 403: "unauthorized"}.get(
        http_status, f"http_{http_status}"
    )


def error_for_code(
    code: str, message: str, *, http_status: int | None, retry_after_header: str | None = None
) -> InCostError:
    """An InCostError with the retry advice the spec gives for its code."""
    retry_after = codes.RETRY_AFTER_SECONDS.get(code)
    retryable = retry_after is not None or (http_status is not None and http_status >= 500)
    if retry_after_header and retry_after_header.strip().isdigit():
        retry_after = max(retry_after or 0, int(retry_after_header.strip()))
    return InCostError(
        code, message, http_status=http_status, retryable=retryable, retry_after_seconds=retry_after
    )


def upload_accepted(body: Any) -> UploadAccepted:
    if isinstance(body, dict) and not body.get("job_id") and ("error" in body or "errors" in body):
        raise error_from_body(body, http_status=200)
    job_id = body.get("job_id") or body.get("jobId") if isinstance(body, dict) else body
    if not isinstance(job_id, str) or not job_id.strip():
        # The upload may have been taken; sending it again is safe (a group replaces itself).
        raise InCostError("bad_answer", "The upload answer holds no job id.", http_status=200, retryable=True)
    return UploadAccepted(job_id=job_id.strip())


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _percentage(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def job_status(body: Any) -> JobStatus:
    """A job status answer; a 200 is not an acceptance, so `status` and `error` are read."""
    if isinstance(body, str) and body.strip() in codes.TERMINAL_STATUSES | {codes.IN_PROGRESS}:
        return JobStatus(status=body.strip(), raw=body)
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        if isinstance(body, str) or (isinstance(body, dict) and ("error" in body or "errors" in body)):
            raise error_from_body(body, http_status=200)
        raise InCostError(
            "bad_answer", "The job status answer holds no status.", http_status=200, retryable=True
        )
    error = body.get("error") or {}
    if isinstance(error, list):
        error = error[0] if error else {}
    if not isinstance(error, dict):
        error = {"error_message": str(error)}
    return JobStatus(
        status=body["status"],
        app_id=_text(body.get("app_id") or body.get("id")),
        matched_records_percentage=_percentage(body.get("matched_records_percentage")),
        date_from=_date(body.get("date_from")),
        date_to=_date(body.get("date_to")),
        agency=_text(body.get("agency")),
        uploaded_request_url=_text(body.get("uploaded_request_url") or body.get("Uploaded request url")),
        error_code=_text(error.get("af_error_code")).lower(),
        error_message=_text(error.get("error_message")),
        raw=body,
    )


def app_list_page(body: Any) -> AppListPage:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        if isinstance(body, str) or (isinstance(body, dict) and ("error" in body or "errors" in body)):
            raise error_from_body(body, http_status=200)
        raise InCostError("bad_answer", "The app list answer holds no data.", http_status=200, retryable=True)
    apps = []
    for item in body["data"]:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        attributes = item.get("attributes") or {}
        apps.append(
            ListedApp(
                app_id=str(item["id"]),
                name=_text(attributes.get("name")),
                platform=_text(attributes.get("platform")),
                currency=_text(attributes.get("currency")),
                time_zone=_text(attributes.get("time_zone")),
            )
        )
    total = (body.get("meta") or {}).get("total_items")
    links = body.get("links") or {}
    return AppListPage(
        apps=apps,
        total_items=total if isinstance(total, int) else None,
        has_next=bool(links.get("next")),
    )
