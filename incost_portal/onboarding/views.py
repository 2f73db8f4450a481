"""The onboarding page: the spec's test procedure, live, and the report a PDM attaches; the token page."""

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from incost_portal.csv_streams import attachment
from incost_portal.incost.answers import InCostError
from incost_portal.networks.access import Access, Tenancy, network_view
from incost_portal.networks.forms import TokenForm
from incost_portal.networks.polling import polled
from incost_portal.networks.selectors import api_token_active
from incost_portal.networks.services import api_token_revoke, api_token_set
from incost_portal.networks.token_vault import TokenDecryptError
from incost_portal.onboarding import services
from incost_portal.onboarding.selectors import connection_test_last, onboarding_for, onboarding_version
from incost_portal.submissions.services.planning import backfill_on_activation

# Pages an action may return to (never a URL taken from the request).
_BACK = {"token": "onboarding:token", "apps": "dashboard:apps"}


def _back(request: HttpRequest, tenancy: Tenancy) -> HttpResponse:
    return redirect(_BACK.get(request.POST.get("back", ""), "onboarding:index"), tenancy.network.code)


@network_view(Access.READ)
@polled(lambda *, tenancy: onboarding_version(network=tenancy.network))
def onboarding(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    context = {"onboarding": onboarding_for(network=tenancy.network)}
    template = "onboarding/_steps.html" if request.htmx else "onboarding/index.html"
    return render(request, template, context)


# The token is onboarding's first step: saving one starts the backfill of the cost already here.
@sensitive_post_parameters("token")
@sensitive_variables("form")
@network_view(Access.ADMIN)
def token(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stored = api_token_set(
                network=tenancy.network, plaintext=form.cleaned_data["token"], user=request.user
            )
        except ValidationError as error:
            form.add_error("token", error.messages[0])
        else:
            messages.success(request, f"Token …{stored.last_four} saved, encrypted. It won't be shown again.")
            if backfill_on_activation(network=tenancy.network, user=request.user):
                messages.info(request, "The cost already here for the backfill window is being sent.")
            return redirect("onboarding:token", tenancy.network.code)
    token = api_token_active(network=tenancy.network)
    last_test = connection_test_last(network=tenancy.network, token=token) if token else None
    return render(request, "onboarding/token.html", {"form": form, "token": token, "last_test": last_test})


@require_POST
@network_view(Access.ADMIN)
def token_revoke(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    if api_token_revoke(network=tenancy.network, actor=request.user):
        messages.success(request, "Token revoked. Nothing is sent to AppsFlyer until a new token is saved.")
    return redirect("onboarding:token", tenancy.network.code)


@require_POST
@network_view(Access.ADMIN)
def connection_test(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    try:
        test = services.connection_test(network=tenancy.network, user=request.user)
    except TokenDecryptError as error:  # the keys changed under the stored token: say so, no 500
        messages.error(request, f"Test connection: {error} Tell your platform operator.")
        return _back(request, tenancy)
    (messages.success if test.ok else messages.error)(request, f"Test connection: {test.message}")
    return _back(request, tenancy)


@require_POST
@network_view(Access.ADMIN)
def apps_sync(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    try:
        result = services.apps_sync_now(network=tenancy.network, user=request.user)
    except InCostError as error:
        messages.error(request, f"The app list could not be read: {error.message}")
    except TokenDecryptError as error:
        messages.error(request, f"The app list could not be read: {error} Tell your platform operator.")
    else:
        messages.success(
            request,
            f"App list synced: {result.listed} listed, {result.created} new, {result.updated} changed, "
            f"{result.disabled} no longer listed.",
        )
    return _back(request, tenancy)


@require_POST
@network_view(Access.WRITE)
def test_send(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    try:
        app, plan = services.test_cost_send(network=tenancy.network, user=request.user)
    except services.NoTestApp as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Test cost for {app.app_id}: {plan.summary()}")
    return redirect("onboarding:index", tenancy.network.code)


# The report is a download meant to be opened from disk, so its styles are inline. Opened straight
# from the portal it gets a policy of its own: those styles and nothing else (no script at all).
REPORT_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "base-uri": [NONE],
    "form-action": [NONE],
    "frame-ancestors": [NONE],
}


@csp(REPORT_POLICY)
@network_view(Access.READ)
def report(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    """A self-contained HTML report of the checklist, to attach to the PDM's ticket."""
    context = {
        "onboarding": onboarding_for(network=tenancy.network),
        "network": tenancy.network,
        "generated_at": timezone.now(),
        "generated_by": request.user,
    }
    response = HttpResponse(
        render_to_string("onboarding/report.html", context), content_type="text/html; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = attachment(f"incost-onboarding-{tenancy.network.slug}-{stamp}.html")
    return response
