"""Middleware of the whole portal: the Content-Security-Policy, and forms too large to read."""

from collections.abc import Callable

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme

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
        if request.method == "POST":
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
