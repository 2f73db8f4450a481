"""The Alerts page (open now, history, acknowledge, mute, my subscription) and the channel settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from incost_portal.alerts.forms import ChannelForm, MuteForm, SubscriptionForm, ThresholdsForm
from incost_portal.alerts.models import Channel, Condition
from incost_portal.alerts.selectors import (
    DELIVERY_LOG_SIZE,
    alert_settings_for,
    channel_list,
    condition_history,
    condition_open_list,
    delivery_log,
    kinds_known,
    subscription_for,
)
from incost_portal.alerts.services import channels as channel_services
from incost_portal.alerts.services.conditions import condition_acknowledge, condition_mute
from incost_portal.networks.access import Access, Tenancy, network_view, tenant_object

HISTORY_PAGE_SIZE = 25


@network_view(Access.READ)
def alerts_page(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    network = tenancy.network
    mine = subscription_for(network=network, user=request.user)
    context = {
        "open_conditions": condition_open_list(network=network),
        "history": Paginator(condition_history(network=network), HISTORY_PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "subscription_form": SubscriptionForm(initial={"mode": mine.mode, "kinds": mine.kinds}),
        "mute_form": MuteForm(),
        "has_channels": channel_list(network=network).filter(enabled=True).exists(),
        "now": timezone.now(),
    }
    return render(request, "alerts/index.html", context)


@require_POST
@network_view(Access.WRITE)
def acknowledge(request: HttpRequest, condition_code: str, *, tenancy: Tenancy) -> HttpResponse:
    condition = tenant_object(tenancy, Condition, code=condition_code)
    condition_acknowledge(network=tenancy.network, condition=condition, user=request.user)
    messages.success(request, f"Acknowledged: {condition.title}.")
    return redirect("alerts:index", tenancy.network.code)


@require_POST
@network_view(Access.WRITE)
def mute(request: HttpRequest, condition_code: str, *, tenancy: Tenancy) -> HttpResponse:
    condition = tenant_object(tenancy, Condition, code=condition_code)
    form = MuteForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Mute for: {form.errors['hours'][0]}")
        return redirect("alerts:index", tenancy.network.code)
    hours = form.cleaned_data["hours"]
    condition_mute(network=tenancy.network, condition=condition, hours=hours, user=request.user)
    messages.success(request, f"Muted for {hours} hours: {condition.title}.")
    return redirect("alerts:index", tenancy.network.code)


@require_POST
@network_view(Access.WRITE)
def subscription(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        channel_services.subscription_set(network=tenancy.network, user=request.user, **form.cleaned_data)
        messages.success(request, "Your alert emails are saved.")
        return redirect("alerts:index", tenancy.network.code)
    problems = "; ".join(error for errors in form.errors.values() for error in errors)
    messages.error(request, f"That choice could not be saved: {problems}")
    return redirect("alerts:index", tenancy.network.code)


@network_view(Access.ADMIN)
def channels(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    """Channels: add (a webhook's secret is shown on this answer only), list, the delivery log."""
    network = tenancy.network
    form = ChannelForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            channel, secret = channel_services.channel_create(
                network=network, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("url" if form.cleaned_data.get("url") else None, error.messages[0])
        else:
            created = {"channel": channel, "secret": secret}
            form = ChannelForm()
    context = {
        "form": form,
        "created": created,
        "channels": channel_list(network=network),
        "deliveries": delivery_log(network=network)[:DELIVERY_LOG_SIZE],
        "thresholds_form": ThresholdsForm(instance=alert_settings_for(network=network)),
        "kinds": kinds_known(),
    }
    return render(request, "alerts/settings.html", context)


@require_POST
@network_view(Access.ADMIN)
def thresholds(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = ThresholdsForm(request.POST, instance=alert_settings_for(network=tenancy.network))
    if form.is_valid():
        channel_services.alert_settings_update(network=tenancy.network, **form.cleaned_data)
        messages.success(request, "Alert thresholds saved.")
        return redirect("alerts:channels", tenancy.network.code)
    context = {
        "form": ChannelForm(),
        "channels": channel_list(network=tenancy.network),
        "deliveries": delivery_log(network=tenancy.network)[:DELIVERY_LOG_SIZE],
        "thresholds_form": form,
        "kinds": kinds_known(),
    }
    return render(request, "alerts/settings.html", context, status=400)


@require_POST
@network_view(Access.ADMIN)
def channel_test(request: HttpRequest, channel_code: str, *, tenancy: Tenancy) -> HttpResponse:
    channel = tenant_object(tenancy, Channel, code=channel_code)
    channel_services.channel_test(network=tenancy.network, channel=channel, user=request.user)
    where = f"to {request.user.email}" if channel.kind == Channel.Kind.EMAIL else f"to {channel.url_shown}"
    messages.success(request, f"A test message is on its way {where}: its outcome appears in the log below.")
    return redirect("alerts:channels", tenancy.network.code)


@require_POST
@network_view(Access.ADMIN)
def channel_remove(request: HttpRequest, channel_code: str, *, tenancy: Tenancy) -> HttpResponse:
    channel = tenant_object(tenancy, Channel, code=channel_code)
    channel_services.channel_delete(network=tenancy.network, channel=channel, actor=request.user)
    messages.success(request, f"Channel {channel.name} removed.")
    return redirect("alerts:channels", tenancy.network.code)
