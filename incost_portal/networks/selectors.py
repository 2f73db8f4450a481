"""Reads of tenants and their assets. Every function that returns tenant data takes `network=`."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from incost_portal.networks.models import (
    ApiToken,
    App,
    Invitation,
    MediaSource,
    Membership,
    Network,
    SendSchedule,
)


def membership_list(*, user: Any) -> list[Membership]:
    """The networks a user belongs to, for the switcher and the landing redirect."""
    return list(Membership.objects.filter(user=user).select_related("network").order_by("network__name"))


def member_list(*, network: Network) -> QuerySet[Membership]:
    return Membership.objects.filter(network=network).select_related("user").order_by("user__username")


def app_list(*, network: Network) -> QuerySet[App]:
    return App.objects.filter(network=network).order_by("-enabled", "app_id")


def media_source_list(*, network: Network, kind: str | None = None) -> QuerySet[MediaSource]:
    queryset = MediaSource.objects.filter(network=network)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("kind", "name")


def api_token_active(*, network: Network) -> ApiToken | None:
    return ApiToken.objects.filter(network=network, revoked_at__isnull=True).first()


def send_schedule_for(*, network: Network) -> SendSchedule:
    """The network's schedule, or the default one (00:00 and 12:00 UTC) when none was saved."""
    return SendSchedule.objects.filter(network=network).first() or SendSchedule(network=network)


def invitation_open_list(*, network: Network) -> list[Invitation]:
    now = timezone.now()
    pending = Invitation.objects.filter(
        network=network, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).select_related("invited_by")
    return list(pending)


def networks_with_token() -> QuerySet[Network]:
    """Networks that have an active AppsFlyer token (the only ones anything can be sent for)."""
    active = ApiToken.objects.filter(network=OuterRef("pk"), revoked_at__isnull=True)
    return Network.objects.filter(Exists(active)).order_by("pk")
