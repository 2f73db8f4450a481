from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from incost_portal.dashboard.selectors import dashboard_summary, storage_of
from incost_portal.networks.access import LAST_NETWORK_SESSION_KEY, Access, Tenancy, network_view
from incost_portal.networks.selectors import (
    app_list,
    membership_list,
)
from incost_portal.submissions.forecast import forecast_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Land on the network used last, else the first one the user belongs to."""
    memberships = membership_list(user=request.user)
    if not memberships:
        return render(request, "dashboard/no_network.html")
    last = request.session.get(LAST_NETWORK_SESSION_KEY)
    chosen = next((m for m in memberships if str(m.network.code) == last), memberships[0])
    return redirect("dashboard:index", chosen.network.code)


@network_view(Access.READ)
def index(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    return render(request, "dashboard/index.html", {"summary": dashboard_summary(network=tenancy.network)})


@network_view(Access.READ)
def apps(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    return render(request, "dashboard/apps.html", {"apps": app_list(network=tenancy.network)})


@network_view(Access.ADMIN)
def storage(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    """The settings page's storage line (loaded into it by htmx: the settings live below the pages)."""
    names = ("APPLIED_PAYLOAD", "FAILED_PAYLOAD", "ACCEPTED_FILE", "UNACCEPTED_FILE", "EVENTS")
    retention = {name: getattr(settings, f"RETENTION_{name}_DAYS") for name in names}
    context = {"storage": storage_of(network=tenancy.network), "retention": retention}
    return render(request, "dashboard/_storage.html", context)


@network_view(Access.READ)
def forecast(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    """The dashboard's forecast of the day's calls and late apps (loaded into it by htmx)."""
    return render(request, "dashboard/_forecast.html", {"forecast": forecast_for(network=tenancy.network)})
