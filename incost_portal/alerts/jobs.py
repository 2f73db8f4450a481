"""RQ jobs of alerts: thin wrappers that fetch by id and call one service (no secret travels)."""

from typing import Any

from django.conf import settings

from incost_portal.alerts.services.conditions import conditions_evaluate
from incost_portal.alerts.services.deliveries import deliveries_dispatch_due, delivery_send, digests_create
from incost_portal.networks.models import Network


def alerts_evaluate_job() -> dict[str, Any]:
    """RQ cron, every ALERTS_EVALUATE_INTERVAL_SECONDS: evaluate every network's conditions, then
    enqueue messages whose job was lost."""
    opened = resolved = 0
    for network in Network.objects.order_by("pk"):
        evaluation = conditions_evaluate(network=network)
        opened += len(evaluation.opened)
        resolved += len(evaluation.resolved)
    requeue = max(2 * settings.ALERTS_EVALUATE_INTERVAL_SECONDS, 2)
    requeued = deliveries_dispatch_due(requeue_after_seconds=requeue)
    return {"opened": opened, "resolved": resolved, "requeued": requeued}


def delivery_send_job(delivery_id: int) -> str | None:
    return delivery_send(delivery_id=delivery_id)


def alerts_digest_job() -> int:
    """RQ cron, daily at ALERT_DIGEST_HOUR_UTC: one email per member who asked for the digest."""
    return digests_create()
