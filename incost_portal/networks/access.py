"""The one way a view reaches a network's data.

A view is declared with `@network_view(Access.READ | WRITE | ADMIN)`; the decorator resolves the
`network_code` in the URL to the signed-in user's membership and hands the view a `Tenancy`.
Someone who is not a member gets 404 (the network's existence is not confirmed); a member whose
role is not enough gets 403. A request that changes state (any method but GET/HEAD/OPTIONS)
needs at least WRITE, whatever the view declared, so a reviewer can never change anything.
Objects inside the network are fetched with `tenant_object`, which filters by network first.
"""

import enum
import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from incost_portal.networks.models import Membership, Network, Role
from incost_portal.networks.selectors import Probes, membership_list, membership_probed

LAST_NETWORK_SESSION_KEY = "last_network"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A view's attribute naming what its htmx polls read with the membership (see `polling.polled`).
TENANCY_PROBES = "tenancy_probes"


class Access(enum.IntEnum):
    READ = 1  # any member: admin, ops, reviewer
    WRITE = 2  # admin and ops
    ADMIN = 3  # admin only


_ROLE_ACCESS = {Role.REVIEWER: Access.READ, Role.OPS: Access.WRITE, Role.ADMIN: Access.ADMIN}


@dataclass(frozen=True)
class Tenancy:
    """The signed-in user's standing in one network, as resolved for this request."""

    network: Network
    membership: Membership
    # All the user's memberships (this one among them), for the network switcher.
    memberships: tuple[Membership, ...] = ()
    # What a poll asked to read in the membership's query (`tenancy_for(probes=)`), by name.
    probed: Mapping[str, Any] = field(default_factory=dict)

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def access(self) -> Access:
        return _ROLE_ACCESS[Role(self.membership.role)]

    @property
    def can_write(self) -> bool:
        return self.access >= Access.WRITE

    @property
    def is_admin(self) -> bool:
        return self.access >= Access.ADMIN


def tenancy_for(
    user: Any,
    network_code: uuid.UUID | str,
    *,
    need: Access = Access.READ,
    probes: Probes | None = None,
) -> Tenancy:
    """Resolve a user's membership in a network, or raise 404 (outsider) / 403 (role too low).

    With `probes` (see `membership_probed`), only this membership is read, the probes in the same
    query (`Tenancy.probed`): what a poll needs, without the switcher's list of every network."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        code = network_code if isinstance(network_code, uuid.UUID) else uuid.UUID(str(network_code))
    except ValueError:
        raise Http404("No such network.") from None
    probed: dict[str, Any] = {}
    memberships: tuple[Membership, ...] = ()
    if probes is not None:
        found = membership_probed(user=user, code=code, probes=probes)
        membership, probed = found if found is not None else (None, {})
    else:
        # All of them in one query: the page's network switcher lists them anyway.
        memberships = tuple(membership_list(user=user))
        membership = next((m for m in memberships if m.network.code == code), None)
    if membership is None:
        raise Http404("No such network.")
    tenancy = Tenancy(
        network=membership.network, membership=membership, memberships=memberships, probed=probed
    )
    if tenancy.access < need:
        raise PermissionDenied("Your role in this network does not allow this.")
    return tenancy


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def network_view(need: Access = Access.READ) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a view whose URL carries `network_code`; the view receives `tenancy=` instead."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, network_code: uuid.UUID, **kwargs: Any) -> HttpResponse:
            required = need if request.method in SAFE_METHODS else max(need, Access.WRITE)
            # An htmx request to a polled view reads its version with the membership.
            probes = getattr(view, TENANCY_PROBES, None) if getattr(request, "htmx", False) else None
            tenancy = tenancy_for(request.user, network_code, need=required, probes=probes)
            request.tenancy = tenancy  # type: ignore[attr-defined]
            code = str(tenancy.network.code)
            if request.session.get(LAST_NETWORK_SESSION_KEY) != code:  # a write only when it changes
                request.session[LAST_NETWORK_SESSION_KEY] = code
            return view(request, tenancy=tenancy, **kwargs)

        wrapped.required_access = need  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


M = TypeVar("M", bound=models.Model)


def tenant_object(tenancy: Tenancy, model_or_queryset: type[M] | models.QuerySet[M], **lookup: Any) -> M:
    """Fetch one object of the tenancy's network, or 404; never an object of another network."""
    queryset = (
        model_or_queryset._default_manager.all() if isinstance(model_or_queryset, type) else model_or_queryset
    )
    return get_object_or_404(queryset.filter(network=tenancy.network), **lookup)
