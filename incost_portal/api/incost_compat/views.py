"""AppsFlyer's three InCost paths under /incost/, answered in AppsFlyer's shapes, statuses and codes
(as the built-in sandbox answers them), with a portal API key as the Bearer token.

Each view: the key (401, a bare JSON string), its minute (429 ic111 with Retry-After), then the
call's own checks and one service or selector call. CSRF does not apply: a key, not a cookie,
proves who calls."""

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from incost_portal.api.incost_compat.checks import Refusal
from incost_portal.api.incost_compat.selectors import incost_app_list, incost_job_find, incost_job_status
from incost_portal.api.incost_compat.services import incost_job_nudge, incost_upload_receive
from incost_portal.api.models import ApiKey
from incost_portal.api.services import (
    KeyRefused,
    api_key_authenticate,
    api_key_rate_take,
    api_key_refusal_note,
)
from incost_portal.incost.codes import APPLIED, MESSAGES, VALIDATION_ERROR
from incost_portal.networks.models import App

APP_LIST_PATH = "/incost/mng/apps"


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = JsonResponse(body, status=status, safe=False)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def ic_error(code: str, status: int, message: str = "", **headers: str) -> HttpResponse:
    """InCost's error object: {"error": {"af_error_code", "error_message"}}."""
    return _answer(
        {"error": {"af_error_code": code, "error_message": message or MESSAGES[code]}}, status, headers
    )


def _method_not_allowed() -> HttpResponse:
    return _answer("Method not allowed", 405)


def _key(request: HttpRequest) -> ApiKey | HttpResponse:
    """The request's portal key, or AppsFlyer's answer to a bad token or too many calls."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        key = api_key_authenticate(token if scheme.lower() == "bearer" else "")
    except KeyRefused as refused:
        return _answer(f"Unauthorized: {refused.reason}", 401)
    wait = api_key_rate_take(key)
    if wait:
        api_key_refusal_note(key, "rate limited")
        return ic_error("ic111", 429, **{"Retry-After": str(wait)})
    return key


@csrf_exempt
def upload(request: HttpRequest, app_id: str) -> HttpResponse:
    """POST incost-uploader/v1/data/app/{app_id}: a JSON array of cost rows -> {"job_id"}."""
    if request.method != "POST":
        return _method_not_allowed()
    key = _key(request)
    if isinstance(key, HttpResponse):
        return key
    if not key.can_write:
        api_key_refusal_note(key, "read-only key tried to write", detail={"path": request.path[:200]})
        return ic_error(
            "ic414", 401, "This portal API key is read-only: uploading cost needs a key with the write scope."
        )
    limit = settings.INCOST_MAX_REQUEST_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:  # refused unread
        return ic_error("ic311", 413, f"{MESSAGES['ic311']} The limit is {limit} bytes.")
    app = App.objects.select_related("network").filter(network=key.network, app_id=app_id).first()
    if app is None:
        return ic_error("ic215", 422)
    if not app.enabled:
        return ic_error("ic414", 401)
    if not app.send_cost:
        return ic_error(
            "ic414", 401, f"{MESSAGES['ic414']} This network turned off sending this app's cost (Apps page)."
        )
    received = incost_upload_receive(key=key, app=app, body=request.body)
    if isinstance(received, Refusal):
        return ic_error(received.code, received.http_status or 422, received.message)
    return _answer({"job_id": str(received.code)})


@csrf_exempt
def job_status(request: HttpRequest, app_id: str, job_id: str) -> HttpResponse:
    """GET incost-jobstatus/v1/data/app/{app_id}/job/{job_id}: the portal's view of the upload."""
    if request.method != "GET":
        return _method_not_allowed()
    key = _key(request)
    if isinstance(key, HttpResponse):
        return key
    job = incost_job_find(network=key.network, job_id=job_id)
    if job is None:
        return ic_error("ic224", 422)
    if job.app.app_id != app_id:
        return ic_error("ic415", 401)
    incost_job_nudge(job)
    view = incost_job_status(job)
    url = None
    if job.upload_id:
        url = request.build_absolute_uri(
            reverse("costs:upload_original", args=[key.network.code, job.upload.code])  # type: ignore[union-attr]
        )
    body: dict[str, Any] = {
        "app_id": job.app.app_id,
        "status": view.status,
        "date_from": job.date_from.isoformat() if job.date_from else None,
        "date_to": job.date_to.isoformat() if job.date_to else None,
        "matched_records_percentage": (
            f"{view.matched_records_percentage:.2f}"
            if view.status == APPLIED and view.matched_records_percentage is not None
            else None
        ),
        "agency": job.agency or None,
        "uploaded_request_url": url,
    }
    if view.status == VALIDATION_ERROR:
        body["error"] = {"af_error_code": view.error_code, "error_message": view.error_message}
    return _answer(body)


def _whole_number(value: str | None, default: int) -> int | None:
    if value is None or value == "":
        return default
    return int(value) if re.fullmatch(r"-?\d{1,9}", value) else None


@csrf_exempt
def app_list(request: HttpRequest) -> HttpResponse:
    """GET mng/apps?capabilities=cost&limit=&offset=: the app permission list, from the portal's."""
    if request.method != "GET":
        return _method_not_allowed()
    key = _key(request)
    if isinstance(key, HttpResponse):
        return key
    limit = _whole_number(request.GET.get("limit"), 100)
    offset = _whole_number(request.GET.get("offset"), 0)
    if limit is None or not 1 <= limit <= 1000:
        return ic_error("ic226", 422)
    if offset is None or offset < 0:
        return ic_error("ic227", 422)
    apps = incost_app_list(network=key.network)
    total = apps.count()
    capabilities = request.GET.get("capabilities", "cost")
    base = request.build_absolute_uri(APP_LIST_PATH) + f"?capabilities={capabilities}&limit={limit}"
    links = {"self": f"{base}&offset={offset}"}
    if offset + limit < total:
        links["next"] = f"{base}&offset={offset + limit}"
    data = [
        {
            "id": app.app_id,
            "type": "app",
            "attributes": {
                "name": app.name,
                "platform": app.platform,
                "currency": app.currency,
                "time_zone": app.time_zone,
            },
        }
        for app in apps[offset : offset + limit]
    ]
    return _answer({"data": data, "meta": {"total_items": total}, "links": links})


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /incost/, as the sandbox answers it."""
    return _answer({"error": f"Not found: {request.path}"}, 404)
