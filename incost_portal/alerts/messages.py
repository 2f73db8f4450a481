"""What a delivery says: an email (text and HTML parts), a webhook's JSON body, a Slack line."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from incost_portal.alerts.kinds import kind_label
from incost_portal.alerts.models import Condition, Delivery


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def absolute(path: str) -> str:
    """A portal path as a full link (SITE_URL); the path alone when SITE_URL is not set."""
    return (settings.SITE_URL.rstrip("/") + path) if path and settings.SITE_URL else path


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def condition_data(condition: Condition) -> dict[str, Any]:
    """A condition as the webhook body and the API show it."""
    return {
        "id": str(condition.code),
        "kind": condition.kind,
        "kind_label": kind_label(condition.kind),
        "network": {"id": str(condition.network.code), "name": condition.network.name},
        "subject": condition.subject,
        "app_id": condition.app.app_id if condition.app else None,
        "title": condition.title,
        "detail": condition.detail,
        "since": _iso(condition.since),
        "opened_at": _iso(condition.opened_at),
        "resolved_at": _iso(condition.resolved_at),
        "acknowledged_at": _iso(condition.acknowledged_at),
        "muted_until": _iso(condition.muted_until),
        "url": absolute(condition.link),
    }


def _alerts_url(delivery: Delivery) -> str:
    return absolute(reverse("alerts:index", args=[delivery.network.code]))


def webhook_body(delivery: Delivery, *, sent_at: datetime) -> bytes:
    """The JSON body: {"type", "timestamp", "data"} as the Standard Webhooks spec suggests."""
    if delivery.event == Delivery.Event.TEST:
        data: dict[str, Any] = {
            "network": {"id": str(delivery.network.code), "name": delivery.network.name},
            "message": "A test message from InCost Portal: this channel works.",
        }
    else:
        assert delivery.condition is not None
        data = condition_data(delivery.condition)
    data["alerts_url"] = _alerts_url(delivery)
    body = {"type": f"alert.{delivery.event}", "timestamp": sent_at.isoformat(), "data": data}
    return json.dumps(body, separators=(",", ":")).encode()


def slack_text(delivery: Delivery) -> str:
    network = delivery.network.name
    if delivery.event == Delivery.Event.TEST:
        return f"[{network}] A test message from InCost Portal: this channel works."
    condition = delivery.condition
    assert condition is not None
    link = absolute(condition.link)
    if delivery.event == Delivery.Event.RESOLVED:
        return f"[{network}] Resolved: {condition.title}" + (f" <{link}>" if link else "")
    return (
        f"[{network}] {condition.title} (since {condition.since:%Y-%m-%d %H:%M} UTC). {condition.detail}"
        + (f" <{link}>" if link else "")
    )


def email_for(delivery: Delivery, *, items: list[Delivery] | None = None) -> Email:
    """The email of a delivery; a digest lists `items` (the messages it carries)."""
    context = {
        "delivery": delivery,
        "network": delivery.network,
        "condition": delivery.condition,
        "condition_url": absolute(delivery.condition.link) if delivery.condition else "",
        "kind_label": kind_label(delivery.condition.kind) if delivery.condition else "",
        "items": [(item, absolute(item.condition.link) if item.condition else "") for item in items or []],
        "alerts_url": _alerts_url(delivery),
    }
    network = delivery.network.name
    if delivery.event == Delivery.Event.TEST:
        subject = f"[{network}] Test message from InCost Portal"
    elif delivery.event == Delivery.Event.DIGEST:
        subject = f"[{network}] Daily alerts digest: {len(items or [])} change(s)"
    elif delivery.event == Delivery.Event.RESOLVED:
        subject = f"[{network}] Resolved: {delivery.condition.title if delivery.condition else ''}"
    else:
        subject = f"[{network}] {delivery.condition.title if delivery.condition else ''}"
    return Email(
        subject=subject[:200],
        text=render_to_string("alerts/email/message.txt", context),
        html=render_to_string("alerts/email/message.html", context),
    )
