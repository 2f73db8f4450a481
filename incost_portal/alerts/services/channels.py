"""A network's alert channels: made and removed by admins, each with a test message."""

import base64
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from incost_portal import outbound
from incost_portal.alerts.models import AlertSettings, Channel, Delivery, Subscription
from incost_portal.alerts.services.deliveries import delivery_test_create
from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.networks import token_vault
from incost_portal.networks.models import Network


def webhook_secret_new() -> str:
    """A Standard Webhooks secret: "whsec_" and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _url_checked(url: str) -> str:
    url = url.strip()
    try:
        outbound.check_url(url)
    except (outbound.OutboundRefused, outbound.OutboundError) as problem:
        raise ValidationError(str(problem)) from None
    return url


@sensitive_variables("secret")
def channel_create(
    *, network: Network, kind: str, name: str, url: str = "", actor: Any
) -> tuple[Channel, str]:
    """Make a channel; returns it and, for a webhook, its secret (shown once, stored encrypted)."""
    kind = Channel.Kind(kind)
    secret = ""
    if kind == Channel.Kind.EMAIL:
        if Channel.objects.filter(network=network, kind=kind).exists():
            raise ValidationError(
                "The network has an email channel already: it writes to every subscribed member."
            )
        url = ""
    else:
        if not url.strip():
            raise ValidationError("Give the URL the messages are sent to.")
        url = _url_checked(url)
    if kind == Channel.Kind.WEBHOOK:
        secret = webhook_secret_new()
    channel = Channel(
        network=network,
        kind=kind,
        name=name.strip() or kind.label,
        url=url,
        url_ciphertext=token_vault.encrypt(url) if url else b"",
        secret_ciphertext=token_vault.encrypt(secret) if secret else b"",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    channel.full_clean(exclude=["secret_ciphertext", "url_ciphertext"])
    channel.url = channel.url_shown  # only the scheme and host in the clear
    channel.save()
    audit_record(
        network=network,
        actor=actor,
        action=Action.ALERT_CHANNEL_ADDED,
        target=channel.name,
        detail={"kind": kind.value, "sends to": channel.url_shown},
    )
    return channel, secret


def channel_delete(*, network: Network, channel: Channel, actor: Any) -> None:
    """Remove a channel; its delivery log stays (without the channel)."""
    name, kind = channel.name, channel.kind
    Channel.objects.filter(pk=channel.pk, network=network).delete()
    audit_record(
        network=network, actor=actor, action=Action.ALERT_CHANNEL_REMOVED, target=name, detail={"kind": kind}
    )


def channel_test(*, network: Network, channel: Channel, user: Any) -> Delivery:
    """Queue a test message through the channel (an email goes to the member who asked)."""
    if channel.network_id != network.pk:
        raise ValidationError("No such channel.")
    return delivery_test_create(channel=channel, user=user)


def subscription_set(*, network: Network, user: Any, mode: str, kinds: list[str]) -> Subscription:
    """A member's choice: which condition kinds by email, at once or in the daily digest."""
    subscription, _ = Subscription.objects.update_or_create(
        network=network, user=user, defaults={"mode": mode, "kinds": sorted(set(kinds))}
    )
    return subscription


def alert_settings_update(
    *, network: Network, stuck_after_hours: int, matched_records_min: Any
) -> AlertSettings:
    settings, _ = AlertSettings.objects.update_or_create(
        network=network,
        defaults={"stuck_after_hours": stuck_after_hours, "matched_records_min": matched_records_min},
    )
    return settings
