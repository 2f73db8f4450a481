"""Reads of alerts. Every function that returns tenant data takes `network=`."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from incost_portal.alerts.kinds import REGISTRY
from incost_portal.alerts.models import AlertSettings, Channel, Condition, Delivery, Mode, Subscription
from incost_portal.networks.models import Membership, Network

DELIVERY_LOG_SIZE = 50


def alert_settings_for(*, network: Network) -> AlertSettings:
    """The network's thresholds, or the defaults when none were saved."""
    return AlertSettings.objects.filter(network=network).first() or AlertSettings(network=network)


def condition_open_list(*, network: Network) -> QuerySet[Condition]:
    """What is wrong now, the oldest problem first."""
    return (
        Condition.objects.filter(network=network, resolved_at__isnull=True)
        .select_related("acknowledged_by", "muted_by", "app")
        .order_by("since", "id")
    )


def condition_history(*, network: Network, kind: str = "") -> QuerySet[Condition]:
    """Conditions that ended, the latest first."""
    conditions = Condition.objects.filter(network=network, resolved_at__isnull=False)
    if kind:
        conditions = conditions.filter(kind=kind)
    return conditions.select_related("acknowledged_by", "app").order_by("-resolved_at", "-id")


def condition_list(*, network: Network, state: str = "", kind: str = "") -> QuerySet[Condition]:
    """Open and past conditions, newest first (the API's list); `state` is "open" or "resolved"."""
    conditions = Condition.objects.filter(network=network).select_related("acknowledged_by", "app")
    if state == "open":
        conditions = conditions.filter(resolved_at__isnull=True)
    elif state == "resolved":
        conditions = conditions.filter(resolved_at__isnull=False)
    if kind:
        conditions = conditions.filter(kind=kind)
    return conditions.order_by("-opened_at", "-id")


@dataclass(frozen=True)
class OpenSummary:
    count: int
    since: datetime | None


def condition_open_summary(*, network: Network) -> OpenSummary:
    """How many conditions are open and since when: one indexed query (the dashboard's line)."""
    found = Condition.objects.filter(network=network, resolved_at__isnull=True).aggregate(
        count=Count("id"), since=Min("since")
    )
    return OpenSummary(count=found["count"], since=found["since"])


def channel_list(*, network: Network) -> QuerySet[Channel]:
    return Channel.objects.filter(network=network).order_by("kind", "name", "id")


def delivery_log(*, network: Network, channel: Channel | None = None) -> QuerySet[Delivery]:
    """The latest messages (each with its status code), newest first."""
    deliveries = Delivery.objects.filter(network=network).exclude(status=Delivery.Status.DIGEST)
    if channel is not None:
        deliveries = deliveries.filter(channel=channel)
    return deliveries.select_related("channel", "condition", "recipient").order_by("-created_at", "-id")


def subscription_for(*, network: Network, user: Any) -> Subscription:
    """A member's subscription, or the default (every kind, at once) when none was saved."""
    return Subscription.objects.filter(network=network, user=user).first() or Subscription(
        network=network, user=user, mode=Mode.IMMEDIATE, kinds=[]
    )


def email_recipients(*, network: Network, kind: str) -> list[tuple[Any, str]]:
    """Members who hear about `kind` by email, each with the mode: (user, "immediate" | "digest")."""
    chosen = {s.user_id: s for s in Subscription.objects.filter(network=network)}
    recipients = []
    members = Membership.objects.filter(network=network).select_related("user").exclude(user__email="")
    for membership in members.filter(user__is_active=True):
        subscription = chosen.get(membership.user_id)
        if subscription is None:
            recipients.append((membership.user, Mode.IMMEDIATE.value))
        elif subscription.mode != Mode.OFF and (not subscription.kinds or kind in subscription.kinds):
            recipients.append((membership.user, subscription.mode))
    return recipients


def kinds_known() -> list[tuple[str, str, str]]:
    """(name, label, description) of every condition kind, for the pages and the API."""
    return [(kind.name, kind.label, kind.description) for kind in REGISTRY.values()]


def deliveries_due(*, now: datetime, stale_before: datetime) -> QuerySet[Delivery]:
    """Messages to send now whose job may be lost: due and untouched since `stale_before`."""
    return Delivery.objects.filter(
        Q(status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING]),
        due_at__lte=now,
        updated_at__lt=stale_before,
    )
