"""RQ jobs around the InCost services: each fetches by id and calls one service; and their enqueueing."""

import dataclasses
import logging

import django_rq
from django.db import transaction

from incost_portal.incost.services import app_list_sync
from incost_portal.networks.models import Network
from incost_portal.networks.selectors import networks_with_token

logger = logging.getLogger(__name__)


def app_list_sync_job(network_id: int) -> dict[str, int]:
    """Sync one network's app list (queued by "Sync now" and by `app_list_sync_all`)."""
    network = Network.objects.get(pk=network_id)
    return dataclasses.asdict(app_list_sync(network=network))


def app_list_sync_enqueue(*, network: Network) -> None:
    """Queue an app list sync for the network once the current transaction commits."""
    network_id = network.pk
    transaction.on_commit(lambda: django_rq.get_queue("incost").enqueue(app_list_sync_job, network_id))


def app_list_sync_all() -> int:
    """Queue an app list sync for every network with an active token (RQ cron, every 6 hours)."""
    count = 0
    for network in networks_with_token():
        app_list_sync_enqueue(network=network)
        count += 1
    return count
