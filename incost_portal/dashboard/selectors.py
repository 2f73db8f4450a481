"""What the dashboard shows about one network."""

from dataclasses import dataclass, field

from django.urls import reverse

from incost_portal.networks.access import Tenancy
from incost_portal.networks.models import ApiToken, App, MediaSource
from incost_portal.networks.selectors import api_token_active


@dataclass
class NextStep:
    title: str
    detail: str
    done: bool
    url: str = ""
    action: str = ""


@dataclass
class DashboardSummary:
    apps_total: int
    apps_sending: int
    media_sources: int
    token: ApiToken | None
    next_steps: list[NextStep] = field(default_factory=list)


def dashboard_summary(*, tenancy: Tenancy) -> DashboardSummary:
    network = tenancy.network
    apps = App.objects.filter(network=network)
    summary = DashboardSummary(
        apps_total=apps.count(),
        apps_sending=apps.filter(enabled=True, send_cost=True).count(),
        media_sources=MediaSource.objects.filter(network=network).count(),
        token=api_token_active(network=network),
    )
    code = network.code
    steps = [
        NextStep(
            "Store the AppsFlyer API token",
            "A network admin pastes the V2.0 token from the AppsFlyer dashboard.",
            done=summary.token is not None,
            url=reverse("networks:settings", args=[code]),
            action="Go to settings",
        ),
        NextStep(
            "Register your media sources",
            "The media source names AppsFlyer registered for your account.",
            done=summary.media_sources > 0,
            url=reverse("networks:settings", args=[code]),
            action="Go to settings",
        ),
        NextStep(
            "Get the app list",
            "Apps appear once advertisers turn on cost for your network.",
            done=summary.apps_total > 0,
            url=reverse("dashboard:apps", args=[code]),
            action="See apps",
        ),
        NextStep(
            "Upload cost",
            "JSON, CSV or XLSX: every problem is shown before anything is sent.",
            done=False,
            url=reverse("costs:list", args=[code]),
            action="Go to costs",
        ),
    ]
    summary.next_steps = steps
    return summary
