"""Reads of tenants and their assets. Every function that returns tenant data takes `network=`."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import connection
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

# A poll's probes: given the SQL of a column holding a network's id, scalar SQL expressions by name.
Probes = Callable[[str], dict[str, str]]


def membership_list(*, user: Any) -> list[Membership]:
    """The networks a user belongs to, for the switcher and the landing redirect."""
    return list(Membership.objects.filter(user=user).select_related("network").order_by("network__name"))


def membership_probed(*, user: Any, code: UUID, probes: Probes) -> tuple[Membership, dict[str, Any]] | None:
    """The user's membership in one network (by its public code) and the values of `probes(column)`
    (scalar SQL over the network's id in `column`, by name) read in the same query; None for an
    outsider. What a poll of an unchanged list needs, in one statement Django need not compile.
    The membership's network holds only its id and code (the rest loads if read)."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"m.{quote(field.column)}" for field in Membership._meta.concrete_fields)
    expressions = probes("m.network_id")
    probed = "".join(f", ({sql}) AS {quote(name)}" for name, sql in expressions.items())
    code_field = Network._meta.get_field("code")
    sql = (
        f"SELECT {columns}{probed} FROM {quote(Membership._meta.db_table)} m "  # noqa: S608 (names from the models)
        f"INNER JOIN {quote(Network._meta.db_table)} n ON n.id = m.network_id "
        f"WHERE m.user_id = %s AND n.{quote(code_field.column)} = %s"
    )
    params = [user.pk, code_field.get_db_prep_value(code, connection)]
    found = next(iter(Membership.objects.raw(sql, params)), None)
    if found is None:
        return None
    found.network = Network.from_db(found._state.db, ["id", "code"], [found.network_id, code])
    return found, {name: getattr(found, name) for name in expressions}


def member_list(*, network: Network) -> QuerySet[Membership]:
    return Membership.objects.filter(network=network).select_related("user").order_by("user__username")


def member_names(*, network: Network) -> list[tuple[int, str]]:
    """The members' user ids and usernames, by username (a list filter's "who" choices)."""
    members = Membership.objects.filter(network=network).order_by("user__username")
    return list(members.values_list("user_id", "user__username"))


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
    """The network's schedule, or the default one (every 4 hours, UTC) when none was saved."""
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
