"""InCost work on a network: a client with its token, and the app permission list sync."""

import logging
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from incost_portal.incost.answers import InCostError, ListedApp
from incost_portal.incost.client import InCostClient
from incost_portal.incost.limiter import CallLimiter, limiter_default
from incost_portal.networks.models import App, Network
from incost_portal.networks.selectors import api_token_active
from incost_portal.networks.services import api_token_plaintext

logger = logging.getLogger(__name__)

TEST_APP_IDS = frozenset({"id888123456", "com.cost.app"})
APP_LIST_PAGE_SIZE = 1000  # the most AppsFlyer allows: the app list has only 100 calls a day
APP_LIST_MAX_PAGES = 50
PLATFORMS = {"ios": App.Platform.IOS, "android": App.Platform.ANDROID}


def incost_client_for(
    *, network: Network, limiter: CallLimiter | None = None, limiter_wait_seconds: float = 0.0
) -> InCostClient:
    """A client for the network's InCost API (AppsFlyer or the sandbox) with its active token.

    Raises InCostError("no_token") when the network has stored none.
    """
    token = api_token_active(network=network)
    if token is None:
        raise InCostError("no_token", f"{network.name} has no AppsFlyer API token stored.")
    return InCostClient(
        base_url=network.incost_base_url,
        token=api_token_plaintext(token=token),
        fingerprint=token.fingerprint,
        limiter=limiter or limiter_default(),
        limiter_wait_seconds=limiter_wait_seconds,
    )


@dataclass(frozen=True)
class AppListSyncResult:
    listed: int
    created: int
    updated: int
    disabled: int


def _listed_apps(client: InCostClient, *, page_size: int) -> list[ListedApp]:
    listed: list[ListedApp] = []
    for _ in range(APP_LIST_MAX_PAGES):
        page = client.app_list(limit=page_size, offset=len(listed))
        listed.extend(page.apps)
        if not page.has_next or not page.apps:
            return listed
    raise InCostError("bad_answer", "The app list did not end.", retryable=True)


def _fields(app: ListedApp, *, current_time_zone: str) -> dict[str, object]:
    time_zone = app.time_zone
    if time_zone not in zoneinfo.available_timezones():
        # Keep what we had rather than move the app's dates to a zone AppsFlyer did not name.
        logger.warning(
            "App %s: time zone %r is not an IANA name; keeping %s", app.app_id, time_zone, current_time_zone
        )
        time_zone = current_time_zone
    return {
        "name": app.name[:200],
        "platform": PLATFORMS.get(app.platform.lower(), App.Platform.OTHER),
        "time_zone": time_zone,
        "currency": (app.currency or "USD").upper()[:3],
        "enabled": True,
        "is_test_app": app.app_id in TEST_APP_IDS,
    }


def app_list_sync(
    *, network: Network, limiter: CallLimiter | None = None, page_size: int = APP_LIST_PAGE_SIZE
) -> AppListSyncResult:
    """Bring the network's apps in line with AppsFlyer's app permission list.

    Listed apps are created or updated (name, platform, time zone, currency) and enabled; apps
    no longer listed are disabled, never deleted (their cost and history stay). The whole list
    is read before anything is written, so a failed page changes nothing, and no transaction is
    held open across the HTTP calls.
    """
    client = incost_client_for(network=network, limiter=limiter, limiter_wait_seconds=5.0)
    try:
        listed = _listed_apps(client, page_size=page_size)
    finally:
        client.close()
    now = timezone.now()
    created = updated = 0
    with transaction.atomic():
        existing = {app.app_id: app for app in App.objects.select_for_update().filter(network=network)}
        for item in {app.app_id: app for app in listed}.values():
            current = existing.get(item.app_id)
            fields = _fields(item, current_time_zone=current.time_zone if current else "UTC")
            if current is None:
                app = App(network=network, app_id=item.app_id, last_synced_at=now, **fields)
                app.full_clean()
                app.save()
                created += 1
                continue
            changed = [name for name, value in fields.items() if getattr(current, name) != value]
            for name in changed:
                setattr(current, name, fields[name])
            current.last_synced_at = now
            current.save(update_fields=[*changed, "last_synced_at"])
            updated += bool(changed)
        listed_ids = {app.app_id for app in listed}
        disabled = (
            App.objects.filter(network=network, enabled=True)
            .exclude(app_id__in=listed_ids)
            .update(enabled=False)
        )
    logger.info(
        "App list of %s: %d listed, %d new, %d changed, %d disabled",
        network.slug,
        len(listed_ids),
        created,
        updated,
        disabled,
    )
    return AppListSyncResult(listed=len(listed_ids), created=created, updated=updated, disabled=disabled)
