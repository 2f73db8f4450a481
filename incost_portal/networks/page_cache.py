"""Rendered page fragments kept per network and data version.

The busiest pages (dashboard, costs, jobs) read a network's data that changes a few times an hour
and is read all day. Each network carries `data_version`, a counter moved by every change to data
those pages show; a fragment is cached under the version it was rendered at, so a change makes
every older fragment unreachable at once: nothing is invalidated by hand, and nothing the portal
changed is served stale.

Changes made through the ORM (save, delete) move the version by the signals that `track` connects;
the few writers that go around the ORM (the cost row store's SQL, a submission's conditional
state move, queryset updates) call `network_changed` themselves.

The version moves after the change commits (never inside the writer's transaction, where the
network's row lock would serialise every worker and could deadlock): a page rendered in between
reads the new data under the old number, which is newer than that number promised, not older.
"""

import functools
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import models, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.crypto import salted_hmac

from incost_portal.networks.models import Network

CACHE_ALIAS = "pages"
# Stands in for the CSRF token inside a cached fragment, which many sessions share; each response
# gets its own token back. Derived from SECRET_KEY, so no cost data or name can contain it.
CSRF_PLACEHOLDER = "csrf" + salted_hmac("incost-page-cache", "csrf-placeholder").hexdigest()[:32]
# How fresh a fragment must be besides its version: the UTC day (what a 90-day window or "today"
# shows) or the minute (what says "in 5 minutes" or "in the last 7 days").
PER_DAY, PER_MINUTE = "day", "minute"


def network_changed(network_id: int) -> None:
    """Move the network's data version once the current transaction commits (at once outside one)."""
    transaction.on_commit(functools.partial(version_move, network_id))


def version_move(network_id: int) -> None:
    Network.objects.filter(pk=network_id).update(data_version=F("data_version") + 1)


def _instance_changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    network_id = instance.pk if isinstance(instance, Network) else getattr(instance, "network_id", None)
    if network_id is not None:
        network_changed(network_id)


def track(*model_classes: type[models.Model]) -> None:
    """Move the network's version whenever an object of these models is saved or deleted."""
    for model in model_classes:
        uid = f"page_cache.{model._meta.label}"
        post_save.connect(_instance_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_instance_changed, sender=model, dispatch_uid=f"{uid}.delete")


def fragment_key(
    name: str, *, network: Network, access: int, vary: Iterable[object], per: str, now: datetime | None = None
) -> str:
    """The cache key of a fragment: network, data version, the viewer's access (what buttons it
    holds), the time bucket and whatever else the template names (filters, page number)."""
    now = (now or timezone.now()).astimezone(UTC)
    bucket = now.strftime("%Y%m%dT%H%M" if per == PER_MINUTE else "%Y%m%d")
    text = "\x1f".join(str(value) for value in vary)
    digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    return f"page:{name}:{network.pk}:{network.data_version}:{access}:{bucket}:{digest}"


def fragment_get(key: str) -> str | None:
    if not settings.PAGE_CACHE_SECONDS:
        return None
    return caches[CACHE_ALIAS].get(key)


def fragment_set(key: str, html: str) -> None:
    if settings.PAGE_CACHE_SECONDS:
        caches[CACHE_ALIAS].set(key, html, settings.PAGE_CACHE_SECONDS)
