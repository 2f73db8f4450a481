"""The portal's REST API at /api/v1/ (django-ninja: the OpenAPI document is generated from the code).

Every operation is authenticated by a portal API key (`Authorization: Bearer icp_…`) and sees only
the key's network: objects of another network answer 404 as if they did not exist. A `read` key
may only read; anything else needs a `write` key. Each key has its own calls-a-minute budget.
Routes live in `incost_portal.api.routes`, a router per resource added below; each is a thin call
into a service or selector."""

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from incost_portal.api.auth import KeyAuth
from incost_portal.api.errors import ApiError
from incost_portal.api.routes import apps, sources
from incost_portal.api.services import KeyRefused

logger = logging.getLogger(__name__)

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


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API call %s %s failed", request.method, request.path)
    return _error(request, 500, "server_error", "The portal failed to answer; the failure is logged.")


def api_path_unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/v1/: the API's 404, not the portal's HTML page."""
    return _error(request, 404, "not_found", f"No API operation at {request.path}; see /api/v1/docs.")


api.add_router("/apps", apps.router)
api.add_router("/sources", sources.router)
