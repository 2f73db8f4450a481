"""Sending alert messages: each is a Delivery row first (written with the condition's change, an
outbox), then an RQ job carrying only its id sends it, claiming the row so two workers never send
one message twice. A failed webhook is retried with backoff (RQ's scheduler), then logged failed;
every attempt leaves its status code on the row. The evaluation tick re-enqueues due rows whose
job was lost (Redis restarted) and takes back claims of workers that died.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_rq
import redis
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from incost_portal import outbound
from incost_portal.alerts.messages import email_for, slack_text, webhook_body
from incost_portal.alerts.models import Channel, Condition, Delivery, Mode
from incost_portal.alerts.selectors import deliveries_due, email_recipients
from incost_portal.networks import token_vault

logger = logging.getLogger(__name__)
QUEUE = "default"
SEND_JOB = "incost_portal.alerts.jobs.delivery_send_job"
# A claim older than this belongs to a worker that died mid-send.
LEASE_SECONDS = 300


def _enqueue(delivery_id: int, due_at: datetime, attempt: int) -> bool:
    job_id = f"alert-delivery-{delivery_id}-{attempt}"
    try:
        queue = django_rq.get_queue(QUEUE)
        if due_at > timezone.now():
            queue.enqueue_at(
                due_at.replace(microsecond=0) + timedelta(seconds=1), SEND_JOB, delivery_id, job_id=job_id
            )
        else:
            queue.enqueue(SEND_JOB, delivery_id, job_id=job_id)
    except redis.RedisError as error:
        # The row waits in the database: the next evaluation tick enqueues it again.
        logger.warning("Could not enqueue alert delivery %s: %s", delivery_id, type(error).__name__)
        return False
    return True


def _enqueue_on_commit(delivery: Delivery) -> None:
    pk, due_at, attempt = delivery.pk, delivery.due_at, delivery.attempts
    transaction.on_commit(lambda: _enqueue(pk, due_at, attempt))


def deliveries_create(*, condition: Condition, event: str, now: datetime) -> list[Delivery]:
    """The messages of one open or resolve: one per webhook, one email per member who hears about
    this kind at once, and a digest line for each member who asked for the daily digest."""
    made: list[Delivery] = []
    for channel in Channel.objects.filter(network=condition.network_id, enabled=True):
        if channel.kind != Channel.Kind.EMAIL:
            made.append(
                Delivery(
                    network_id=condition.network_id,
                    channel=channel,
                    condition=condition,
                    event=event,
                    due_at=now,
                )
            )
            continue
        for user, mode in email_recipients(network=condition.network, kind=condition.kind):
            status = Delivery.Status.DIGEST if mode == Mode.DIGEST else Delivery.Status.PENDING
            made.append(
                Delivery(
                    network_id=condition.network_id,
                    channel=channel,
                    condition=condition,
                    event=event,
                    recipient=user,
                    status=status,
                    due_at=now,
                )
            )
    created = Delivery.objects.bulk_create(made)
    for delivery in created:
        if delivery.status == Delivery.Status.PENDING:
            _enqueue_on_commit(delivery)
    return created


def delivery_test_create(*, channel: Channel, user: object) -> Delivery:
    """A test message to one channel (for email: to the member who asked)."""
    delivery = Delivery.objects.create(
        network_id=channel.network_id,
        channel=channel,
        event=Delivery.Event.TEST,
        recipient=user if channel.kind == Channel.Kind.EMAIL else None,
        due_at=timezone.now(),
    )
    _enqueue_on_commit(delivery)
    return delivery


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    retry: bool = True


def _send_email(delivery: Delivery, items: list[Delivery]) -> Outcome:
    user = delivery.recipient
    if user is None or not user.email:
        return Outcome(False, error="The member has no email address.", retry=False)
    email = email_for(delivery, items=items)
    message = EmailMultiAlternatives(email.subject, email.text, None, [user.email])
    message.attach_alternative(email.html, "text/html")
    try:
        message.send()
    except (OSError, ValueError) as error:  # smtplib's errors are OSErrors
        return Outcome(False, error=f"{type(error).__name__}: {error}"[:500])
    return Outcome(True)


def webhook_headers(*, secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers: id, timestamp and the signature over id.timestamp.body."""
    signature = Webhook(secret).sign(message_id, sent_at, body.decode())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }


def _post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    try:
        answer = outbound.fetch(
            "POST",
            url,
            headers={"Content-Type": "application/json", "User-Agent": "InCost-Portal-Alerts", **headers},
            body=body,
            timeout=settings.ALERT_WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=64 * 1024,
        )
    except outbound.OutboundRefused as refused:
        return Outcome(False, error=str(refused)[:500], retry=False)
    except outbound.OutboundError as error:
        return Outcome(False, error=str(error)[:500])
    if answer.ok:
        return Outcome(True, status_code=answer.status)
    return Outcome(False, status_code=answer.status, error=f"The receiver answered HTTP {answer.status}.")


def _send_webhook(delivery: Delivery, channel: Channel) -> Outcome:
    sent_at = timezone.now()
    body = webhook_body(delivery, sent_at=sent_at)
    try:
        secret = token_vault.decrypt(bytes(channel.secret_ciphertext))
    except token_vault.TokenDecryptError:
        return Outcome(
            False, error="The webhook secret cannot be decrypted with TOKEN_ENCRYPTION_KEYS.", retry=False
        )
    # The message id stays the same through retries, so the receiver can drop a repeat.
    headers = webhook_headers(
        secret=secret, message_id=f"msg_{delivery.code.hex}", sent_at=sent_at, body=body
    )
    try:
        url = channel.url_full()
    except token_vault.TokenDecryptError:
        error = "The channel's URL cannot be decrypted with TOKEN_ENCRYPTION_KEYS."
        return Outcome(False, error=error, retry=False)
    return _post(url, body, headers)


def _send_slack(delivery: Delivery, channel: Channel) -> Outcome:
    try:
        url = channel.url_full()
    except token_vault.TokenDecryptError:
        error = "The channel's URL cannot be decrypted with TOKEN_ENCRYPTION_KEYS."
        return Outcome(False, error=error, retry=False)
    return _post(url, json.dumps({"text": slack_text(delivery)}).encode(), {})


def _retry_wait(attempt: int) -> int:
    return settings.ALERT_RETRY_SECONDS * 2 ** max(attempt - 1, 0)


def delivery_send(*, delivery_id: int) -> str | None:
    """Send one due message; returns the status it was left in, or None if it was not ours."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING], due_at__lte=now
    ).update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    if claimed != 1:
        return None
    delivery = Delivery.objects.select_related(
        "channel", "condition__network", "condition__app", "network", "recipient"
    ).get(pk=delivery_id)
    channel = delivery.channel
    if channel is None or not channel.enabled:
        outcome = Outcome(False, error="The channel was removed or turned off.", retry=False)
    elif channel.kind == Channel.Kind.EMAIL:
        items = list(
            Delivery.objects.filter(digest=delivery).select_related("condition").order_by("created_at")
        )
        outcome = _send_email(delivery, items)
    elif channel.kind == Channel.Kind.WEBHOOK:
        outcome = _send_webhook(delivery, channel)
    else:
        outcome = _send_slack(delivery, channel)
    return _record(delivery, outcome)


def _record(delivery: Delivery, outcome: Outcome) -> str:
    now = timezone.now()
    fields = {
        "status_code": outcome.status_code,
        "error": outcome.error,
        "claimed_at": None,
        "updated_at": now,
    }
    if outcome.ok:
        status, fields["sent_at"] = Delivery.Status.SENT, now
    elif outcome.retry and delivery.attempts < settings.ALERT_DELIVERY_ATTEMPTS:
        status, fields["due_at"] = (
            Delivery.Status.RETRYING,
            now + timedelta(seconds=_retry_wait(delivery.attempts)),
        )
    else:
        status = Delivery.Status.FAILED
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(status=status, **fields)
    if status == Delivery.Status.RETRYING:
        _enqueue(delivery.pk, fields["due_at"], delivery.attempts)
    if not outcome.ok:
        logger.warning(
            "Alert delivery %s to channel %s: %s (attempt %s)",
            delivery.pk,
            delivery.channel_id,
            outcome.error,
            delivery.attempts,
        )
    return status


def deliveries_dispatch_due(*, now: datetime | None = None, requeue_after_seconds: int = 60) -> int:
    """Take back claims that outlived their lease, and enqueue due messages whose job may be lost.

    Touching `updated_at` spaces these nudges out; a duplicate job finds the row claimed and stops."""
    now = now or timezone.now()
    Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - timedelta(seconds=LEASE_SECONDS)
    ).update(status=Delivery.Status.RETRYING, claimed_at=None, due_at=now, updated_at=now - timedelta(days=1))
    rows = list(
        deliveries_due(now=now, stale_before=now - timedelta(seconds=requeue_after_seconds)).values_list(
            "pk", "due_at", "attempts"
        )[:1000]
    )
    Delivery.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(updated_at=now)
    for pk, due_at, attempts in rows:
        _enqueue(pk, due_at, attempts)
    return len(rows)


def digests_create(*, now: datetime | None = None) -> int:
    """Gather each member's waiting digest lines into one email per member and network."""
    now = now or timezone.now()
    made = 0
    waiting = (
        Delivery.objects.filter(status=Delivery.Status.DIGEST)
        .order_by()
        .values_list("network_id", "recipient_id", "channel_id")
        .distinct()
    )
    for network_id, recipient_id, channel_id in list(waiting):
        with transaction.atomic():
            digest = Delivery.objects.create(
                network_id=network_id,
                channel_id=channel_id,
                recipient_id=recipient_id,
                event=Delivery.Event.DIGEST,
                due_at=now,
            )
            Delivery.objects.filter(
                status=Delivery.Status.DIGEST, network_id=network_id, recipient_id=recipient_id
            ).update(status=Delivery.Status.DIGESTED, digest=digest, updated_at=now)
            _enqueue_on_commit(digest)
        made += 1
    return made
