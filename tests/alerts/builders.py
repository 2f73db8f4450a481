"""Alert objects as the services leave them, for tests of pages and isolation."""

from datetime import timedelta

from django.utils import timezone

from incost_portal.alerts.models import Channel, Condition
from incost_portal.networks.models import Network


def alert_condition(network: Network, **fields: object) -> Condition:
    """An open condition (an app removed from the permission list), two hours old."""
    values: dict[str, object] = {
        "kind": "app_removed",
        "subject": "com.acme.game",
        "title": "com.acme.game was removed from the app permission list",
        "detail": "Ask the advertiser.",
        "link": "/somewhere/",
        "since": timezone.now() - timedelta(hours=2),
    }
    values.update(fields)
    return Condition.objects.create(network=network, **values)


def alert_channel(network: Network) -> Channel:
    """A Slack-compatible channel (no secret to make)."""
    return Channel.objects.create(
        network=network, kind=Channel.Kind.SLACK, name="slack", url="https://hooks.example.com/x"
    )
