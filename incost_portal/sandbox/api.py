"""The InCost API as the sandbox serves it: AppsFlyer's paths, status codes and bodies.

`incost_answer` turns one request into one answer; `sandbox.server` does the HTTP around it.
Every call is authenticated, then counted against the token's rate limits, then meets the
configured faults, then is processed. Bad or missing tokens get 401 with a bare JSON string.
"""

import re
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from incost_portal.sandbox import selectors, services
from incost_portal.sandbox.codes import APPLIED, IN_PROGRESS, MESSAGES, VALIDATION_ERROR
from incost_portal.sandbox.config import SandboxConfig, config_get, fault_hits
from incost_portal.sandbox.validation import Problem, body_parse, media_sources_check

UPLOAD_PATH = re.compile(r"^/api/incost-uploader/v1/data/app/(?P<app_id>[^/]+)$")
STATUS_PATH = re.compile(r"^/api/incost-jobstatus/v1/data/app/(?P<app_id>[^/]+)/job/(?P<job_id>[^/]+)$")
APP_LIST_PATH = "/api/mng/apps"
SERVER_ERROR_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    base_url: str  # scheme, host and port the client used, for links


@dataclass
class Answer:
    status: int
    body: Any  # anything JSON can hold (a str is sent as a bare JSON string), or raw JSON bytes
    drop: bool = False  # close the connection instead of answering
    headers: dict[str, str] = field(default_factory=dict)


def ic_error(code: str, status: int, message: str = "", *, bare: bool = False) -> Answer:
    """InCost's error object, or the message alone as a bare JSON string."""
    text = message or MESSAGES[code]
    return Answer(status, text if bare else {"error": {"af_error_code": code, "error_message": text}})


def _bearer(headers: Mapping[str, str]) -> str:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@dataclass
class _Call:
    conn: sqlite3.Connection
    request: Request
    config: SandboxConfig
    partner: sqlite3.Row
    number: int

    def hits(self, fault: str) -> bool:
        return fault_hits(config=self.config, fault=fault, call_number=self.number)

    def error(self, code: str, status: int, message: str = "") -> Answer:
        return ic_error(code, status, message, bare=self.hits("bare_string"))


def incost_answer(conn: sqlite3.Connection, request: Request) -> Answer | None:
    """The answer to an InCost API call, or None when the path is not one of the API's."""
    upload = UPLOAD_PATH.match(request.path)
    status = STATUS_PATH.match(request.path)
    if upload and request.method == "POST":
        bucket, handler, params = services.INCOST_BUCKET, _upload, upload.groupdict()
    elif status and request.method == "GET":
        bucket, handler, params = services.INCOST_BUCKET, _job_status, status.groupdict()
    elif request.path == APP_LIST_PATH and request.method == "GET":
        bucket, handler, params = services.APP_LIST_BUCKET, _app_list, {}
    elif upload or status or request.path == APP_LIST_PATH:
        return Answer(405, "Method not allowed")
    else:
        return None

    config = config_get(conn)
    partner = selectors.partner_by_token(conn, token=_bearer(request.headers))
    if partner is None:
        return Answer(401, "Unauthorized: the token is missing or not valid.")
    admission = services.call_admit(
        conn,
        partner_id=partner["id"],
        bucket=bucket,
        method=request.method,
        path=request.path,
        config=config,
    )
    call = _Call(conn=conn, request=request, config=config, partner=partner, number=admission.number)
    if config.latency_ms:
        time.sleep(config.latency_ms / 1000)
    if not admission.allowed:
        return call.error("ic111", 429)
    if call.hits("server_error"):
        return Answer(SERVER_ERROR_STATUSES[admission.number % 3], "Internal server error")
    if call.hits("ic300"):
        return call.error("ic300", 500)
    answer = handler(call, **params)
    answer.drop = call.hits("dropped_connection")
    return answer


def _upload(call: _Call, *, app_id: str) -> Answer:
    conn, request, config = call.conn, call.request, call.config
    if len(request.body) > config.max_body_bytes:
        return call.error("ic311", 413, f"{MESSAGES['ic311']} The limit is {config.max_body_bytes} bytes.")
    app = selectors.app_get(conn, app_id=app_id)
    if app is None:
        return call.error("ic215", 422)
    if not selectors.app_enabled_for(conn, partner_id=call.partner["id"], app_id=app_id):
        return call.error("ic414", 401)
    rows = body_parse(request.body)
    if isinstance(rows, Problem):
        return call.error(rows.code, rows.http_status, rows.message)
    registered = selectors.media_sources_of(conn, partner_id=call.partner["id"])
    problem = media_sources_check(rows, registered=registered)
    if problem is not None:
        return call.error(problem.code, problem.http_status, problem.message)
    job_id = services.job_create(
        conn,
        partner_id=call.partner["id"],
        app=app,
        body=request.body,
        rows=rows,
        config=config,
        processing_error=call.hits("processing_error"),
    )
    return Answer(200, job_id if call.hits("bare_string") else {"job_id": job_id})


def _job_status(call: _Call, *, app_id: str, job_id: str) -> Answer:
    conn = call.conn
    services.jobs_settle(conn, config=call.config)
    job = selectors.job_get(conn, job_id=job_id)
    # Another partner's job is as unknown as a job that never was.
    if job is None or job["partner_id"] != call.partner["id"]:
        return call.error("ic224", 422)
    if job["app_id"] != app_id:
        return call.error("ic415", 401)
    status = job["outcome"] if job["settled"] else IN_PROGRESS
    body: dict[str, Any] = {
        "app_id": job["app_id"],
        "status": status,
        "date_from": job["date_from"] or None,
        "date_to": job["date_to"] or None,
        "matched_records_percentage": job["matched_records_percentage"] if status == APPLIED else None,
        "agency": job["agency"] or None,
        "uploaded_request_url": f"{call.request.base_url}/sandbox/jobs/{job_id}/body",
    }
    if status == VALIDATION_ERROR:
        body["error"] = {"af_error_code": job["error_code"], "error_message": job["error_message"]}
    return Answer(200, body)


def _whole_number(value: str | None, default: int) -> int | None:
    if value is None or value == "":
        return default
    return int(value) if re.fullmatch(r"-?\d{1,9}", value) else None


def _app_list(call: _Call) -> Answer:
    query = call.request.query
    limit = _whole_number(query.get("limit"), 100)
    offset = _whole_number(query.get("offset"), 0)
    if limit is None or not 1 <= limit <= 1000:
        return call.error("ic226", 422)
    if offset is None or offset < 0:
        return call.error("ic227", 422)
    apps, total = selectors.partner_apps(call.conn, partner_id=call.partner["id"], limit=limit, offset=offset)
    capabilities = query.get("capabilities", "cost")
    base = f"{call.request.base_url}{APP_LIST_PATH}?capabilities={capabilities}&limit={limit}"
    links = {"self": f"{base}&offset={offset}"}
    if offset + limit < total:
        links["next"] = f"{base}&offset={offset + limit}"
    data = [
        {
            "id": app["app_id"],
            "type": "app",
            "attributes": {
                "name": app["name"],
                "platform": app["platform"],
                "currency": app["currency"],
                "time_zone": app["time_zone"],
            },
        }
        for app in apps
    ]
    return Answer(200, {"data": data, "meta": {"total_items": total}, "links": links})
