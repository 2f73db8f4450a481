"""The portal's REST API at /api/v1/ (django-ninja: the OpenAPI document is generated from the code).

Every operation is authenticated by a portal API key (`Authorization: Bearer icp_…`) and sees only
the key's network: objects of another network answer 404 as if they did not exist. A `read` key
may only read; anything else needs a `write` key. Each key has its own calls-a-minute budget.
Routes live in `incost_portal.api.routes`, a router per resource added below; each is a thin call
into a service or selector."""

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from incost_portal.api.auth import KeyAuth
from incost_portal.api.errors import ApiError
from incost_portal.api.routes import (
    apps,
    costs,
    groups,
    jobs,
    media_sources,
    schedule,
    sends,
    sources,
    status,
    uploads,
)
from incost_portal.api.services import KeyRefused

logger = logging.getLogger(__name__)
# Where urls.py mounts the API.
API_ROOT = "api/v1/"

api = NinjaAPI(
    title="InCost Portal API",
    version="1",
    description=(
        "Push cost, follow it to AppsFlyer and manage a network's sending. Authenticate with a "
        "portal API key of the network: `Authorization: Bearer icp_…`. Errors always read "
        '`{"error": {"code": "...", "message": "..."}}`.'
    ),
    auth=KeyAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"error": {"code": code, "message": message, **extra}}, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = api.create_response(request, exc.body(), status=exc.status_code)
    for name, value in exc.headers.items():
        response[name] = value
    return response


@api.exception_handler(KeyRefused)
def _key_refused(request: HttpRequest, exc: KeyRefused) -> HttpResponse:
    response = _error(request, 401, "unauthorized", exc.reason)
    response["WWW-Authenticate"] = 'Bearer realm="incost-portal", error="invalid_token"'
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, "unauthorized", "Send a portal API key: Authorization: Bearer icp_…")
    response["WWW-Authenticate"] = 'Bearer realm="incost-portal"'
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {"where": ".".join(str(part) for part in error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    first = details[0] if details else {"where": "", "message": "invalid request"}
    message = f"{first['where']}: {first['message']}" if first["where"] else first["message"]
    return _error(request, 422, "invalid_request", message, details=details)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(exc) or "Not found in this network.")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "too_large", "The body is larger than this operation reads.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja's own: 400 for a body that is not JSON.
    code = "invalid_request" if exc.status_code == 400 else "error"
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API call %s %s failed", request.method, request.path)
    return _error(request, 500, "server_error", "The portal failed to answer; the failure is logged.")


def _in_shape(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every API view, wrapped: a wrong method is django-ninja's bare 405, said here in the error
    shape; a query parameter the operation does not take, or one with a NUL (which PostgreSQL
    refuses in any text), is a 422 before any query is made."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        known = _query_parameters().get((_operation_path(request), request.method or ""))
        for name, values in request.GET.lists():
            if known is not None and name not in known:
                # A misspelt option (`validateonly=true`) must not be ignored in silence.
                takes = ", ".join(sorted(known)) or "none"
                return _error(
                    request, 422, "invalid_request", f"Unknown parameter {name!r}; this takes: {takes}."
                )
            if "\x00" in name or any("\x00" in value for value in values):
                return _error(request, 422, "invalid_request", f"{name}: NUL characters are not allowed.")
        response = view(request, *args, **kwargs)
        shaped = response.get("Content-Type", "").startswith("application/json")
        if response.status_code == 405 and not shaped:
            allowed = response.get("Allow", "")
            answer = _error(
                request, 405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}."
            )
            answer["Allow"] = allowed
            return answer
        return response

    return wrapped


@functools.cache
def _query_parameters() -> dict[tuple[str, str], frozenset[str]]:
    """(OpenAPI path, METHOD) -> the query parameters the operation declares."""
    schema = api.get_openapi_schema(path_prefix="/" + API_ROOT)
    return {
        (path, method.upper()): frozenset(
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        )
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def _operation_path(request: HttpRequest) -> str:
    """The request's route as the OpenAPI document writes it: /api/v1/jobs/{job_id}."""
    route = getattr(request.resolver_match, "route", "") or ""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def api_urls() -> tuple[list[Any], str, str]:
    """The API's URL patterns (for urls.py), each view wrapped by `_in_shape`."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _in_shape(pattern.callback)
    return patterns, app_name, namespace


def api_path_unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/v1/: the API's 404, not the portal's HTML page."""
    return _error(request, 404, "not_found", f"No API operation at {request.path}; see /api/v1/docs.")


api.add_router("/apps", apps.router)
api.add_router("/costs", costs.router)
api.add_router("/uploads", uploads.router)
api.add_router("/groups", groups.router)
api.add_router("/jobs", jobs.router)
api.add_router("/sends", sends.router)
api.add_router("/schedule", schedule.router)
api.add_router("/media-sources", media_sources.router)
api.add_router("/status", status.router)
api.add_router("/sources", sources.router)
