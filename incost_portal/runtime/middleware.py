"""Middleware of the whole portal: the Content-Security-Policy, bodies refused before they are
read, and forms too large to read."""

from collections.abc import Callable

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme

from incost_portal.api.services import KeyRefused, api_key_authenticate

# django-rq's queue dashboard (platform staff only) ships inline scripts and styles.
RQ_DASHBOARD_PREFIX = "/admin/rq/"


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the one relaxation the django-rq dashboard needs."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(RQ_DASHBOARD_PREFIX) and parts.update is None:
            parts.update = {"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE]}
        return parts


# What a signed-out visitor may send: a log-in or password form, never a file.
ANONYMOUS_BODY_MAX = 64 * 1024
# Room for the multipart framing and the other fields around the largest cost file.
MULTIPART_SLACK = 1024 * 1024


# The machine ways in: a portal API key as Bearer, no session, no CSRF cookie.
INCOST_COMPAT_PREFIX = "/incost/"
KEYED_PREFIXES = ("/api/v1/", INCOST_COMPAT_PREFIX)


def keyed(request: HttpRequest) -> bool:
    """A call to the API or the InCost-compatible endpoint that presents a Bearer key."""
    return request.path_info.startswith(KEYED_PREFIXES) and request.headers.get(
        "Authorization", ""
    ).lower().startswith("bearer ")


def body_limit(request: HttpRequest) -> int:
    """The most bytes this request's body may declare before anything of it is read."""
    if keyed(request):
        return settings.COST_UPLOAD_MAX_BYTES
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return ANONYMOUS_BODY_MAX
    return settings.COST_UPLOAD_MAX_BYTES + MULTIPART_SLACK


class RequestBodyGateMiddleware:
    """Refuse a request body by its declared length and its credentials before a byte of it is read.

    Django reads a form body (spooling files to disk) as soon as anything asks for request.POST, and
    the CSRF check asks before a view runs: a signed-out POST of a gigabyte would be written to
    /tmp before its 403. Here, in the request phase (before every process_view, CSRF's included):
    a body over ANONYMOUS_BODY_MAX from someone signed out, or over the cost file limit from anyone,
    is answered 413 unread; a body over ANONYMOUS_BODY_MAX is read only with the CSRF cookie and,
    when the browser names it, the portal's own origin (anything else would fail CSRF anyway).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads nothing of a body whose length it cannot read
        if request.path_info.startswith(INCOST_COMPAT_PREFIX) and declared > ANONYMOUS_BODY_MAX:
            # The InCost-compatible views read no body before the key and the declared length
            # passed (AppsFlyer's ic311 for over 1 MB); without a key, AppsFlyer's 401 unread.
            if keyed(request):
                return self.get_response(request)
            return JsonResponse("Unauthorized: the token is missing or not valid.", status=401, safe=False)
        if declared > ANONYMOUS_BODY_MAX:
            limit = body_limit(request)
            if declared > limit:
                return self._too_large(declared, limit, as_json=keyed(request))
            if keyed(request):
                # A large body only behind a key that opens the API; the key's scope and rate are
                # the API's to judge, once the body may be read.
                try:
                    api_key_authenticate(request.headers["Authorization"].split(None, 1)[-1])
                except KeyRefused as refused:
                    return JsonResponse(
                        {"error": {"code": "unauthorized", "message": refused.reason}}, status=401
                    )
                return self.get_response(request)
            if not getattr(request, "_dont_enforce_csrf_checks", False) and not self._credentialed(request):
                return HttpResponseForbidden(
                    "This request was refused before it was read: it does not come from a page of "
                    "this portal. Reload the page and try again.",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)

    @staticmethod
    def _credentialed(request: HttpRequest) -> bool:
        if settings.CSRF_COOKIE_NAME not in request.COOKIES:
            return False
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # CSRF's own check (Referer, token) follows
        good = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
        return origin == good or origin in settings.CSRF_TRUSTED_ORIGINS

    @staticmethod
    def _too_large(declared: int, limit: int, *, as_json: bool = False) -> HttpResponse:
        text = (
            f"What was sent ({filesizeformat(declared)}) is larger than the {filesizeformat(limit)} "
            "this portal accepts here; nothing of it was read."
        )
        if as_json:
            return JsonResponse({"error": {"code": "too_large", "message": text}}, status=413)
        return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")


class RequestTooBigMiddleware:
    """A form over DATA_UPLOAD_MAX_MEMORY_SIZE (JSON pasted into the upload page) goes back to the
    page it came from with a message, instead of Django's bare 400 page.

    It must read the form before CsrfViewMiddleware does (which raises RequestDataTooBig), and after
    MessageMiddleware (it leaves a message): every middleware's request phase runs before any
    process_view, so its place is anywhere after MessageMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and not keyed(request):  # the API reads its body as a stream
            try:
                request.POST  # noqa: B018 - parsed once here, kept for everyone after
            except RequestDataTooBig:
                return self._too_big(request)
        return self.get_response(request)

    @staticmethod
    def _too_big(request: HttpRequest) -> HttpResponse:
        form_limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
        file_limit = filesizeformat(settings.COST_UPLOAD_MAX_BYTES)
        messages.error(
            request,
            f"What was sent is larger than the {form_limit} a form can carry, so nothing was read. "
            f"Pasted JSON must stay under that: save it as a .json file and upload the file instead "
            f"(up to {file_limit}).",
        )
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = request.path
        # 303: the browser follows with a GET, whatever the form's method was.
        response = HttpResponseRedirect(back)
        response.status_code = 303
        return response
