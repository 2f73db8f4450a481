"""RQ jobs around the InCost services: each fetches by id and calls one service."""

import dataclasses
import logging

from incost_portal.incost.services import app_list_sync, app_list_sync_enqueue
from incost_portal.networks.models import Network

logger = logging.getLogger(__name__)


def app_list_sync_job(network_id: int) -> dict[str, int]:
    """Sync one network's app list (queued by "Sync now" and by `app_list_sync_all`)."""
    network = Network.objects.get(pk=network_id)
    return dataclasses.asdict(app_list_sync(network=network))


def app_list_sync_all() -> int:
    """Queue an app list sync for every network with an active token (RQ cron, every 6 hours)."""
    # Both conditions in one filter(): the same token row must exist and be unrevoked.
    networks = Network.objects.filter(
        api_tokens__isnull=False, api_tokens__revoked_at__isnull=True
    ).distinct()
    count = 0
    for network in networks:
        app_list_sync_enqueue(network=network)
        count += 1
    return count
