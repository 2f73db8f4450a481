"""Alerts: conditions (a problem from when it starts to when it ends), the channels a network is
told through, each member's subscription, and every message sent (deliveries)."""

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q

from incost_portal.networks import token_vault


class AlertSettings(models.Model):
    """A network's thresholds; a network without a row has the defaults."""

    network = models.OneToOneField(
        "networks.Network", on_delete=models.CASCADE, related_name="alert_settings"
    )
    stuck_after_hours = models.PositiveSmallIntegerField(
        default=6, help_text="A request not Applied this many hours after its upload is stuck."
    )
    matched_records_min = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=50,
        help_text="An app whose last Applied request matched fewer records (percent) is flagged; "
        "0 turns it off.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"alert settings of {self.network_id}"


class Condition(models.Model):
    """One occurrence of a problem: opened when it starts, resolved when it ends.

    `subject` names what it concerns within the network (an app id, "" for the network itself): at
    most one condition of a kind and subject is open at a time.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="alert_conditions")
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=250, blank=True, default="")
    app = models.ForeignKey(
        "networks.App", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    # A path inside the portal where the problem is fixed.
    link = models.CharField(max_length=300, blank=True)
    since = models.DateTimeField(help_text="When the problem started (may be before it was noticed).")
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # A condition that opens again soon after it resolved (flapping) is announced only if it is
    # still open at this time. The open is sent once (announced_at); its resolve only if it was.
    announce_after = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    resolve_announced_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    muted_until = models.DateTimeField(null=True, blank=True)
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "kind", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="alert_condition_one_open",
            )
        ]
        indexes = [
            # The dashboard's line and the Alerts page's "open now": one probe.
            models.Index(fields=["network", "resolved_at"], name="alert_condition_open"),
            models.Index(fields=["network", "kind", "subject", "-resolved_at"], name="alert_condition_last"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} ({'open' if self.is_open else 'resolved'})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Channel(models.Model):
    """Where a network's alerts go: email to its members, a signed webhook, or a Slack-compatible one.

    A webhook's secret is stored encrypted with the token vault's keys (networks.token_vault) and
    shown once, when the channel is made."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email to members"
        WEBHOOK = "webhook", "Webhook (signed, Standard Webhooks)"
        SLACK = "slack", "Slack-compatible incoming webhook"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="alert_channels")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    # Where messages go, as shown (scheme and host): the whole URL is encrypted below, since a
    # Slack-style incoming webhook's path is itself the credential.
    url = models.URLField(max_length=1000, blank=True)
    url_ciphertext = models.BinaryField(editable=False, default=b"")
    secret_ciphertext = models.BinaryField(editable=False, default=b"")
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def url_full(self) -> str:
        """The whole URL messages are posted to, decrypted: never shown, logged or queued."""
        return token_vault.decrypt(bytes(self.url_ciphertext)) if self.url_ciphertext else self.url

    @property
    def url_shown(self) -> str:
        """The URL's scheme and host only: a Slack-style URL's path is itself a secret."""
        if not self.url:
            return ""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") or parts.query else self.url


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", "At once"
    DIGEST = "digest", "In a daily digest"
    OFF = "off", "Never"


class Subscription(models.Model):
    """Which conditions a member hears about by email, and when. A member without a row hears
    about every kind at once."""

    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    kinds = models.JSONField(default=list, help_text="Condition kinds; empty: every kind.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "user"], name="alert_subscription_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.network_id}: {self.mode}"


class Delivery(models.Model):
    """One message to one channel (and, for email, one member): the outbox and the delivery log."""

    class Event(models.TextChoices):
        OPENED = "opened", "Opened"
        RESOLVED = "resolved", "Resolved"
        TEST = "test", "Test"
        DIGEST = "digest", "Daily digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # A digest member's message, waiting for the day's digest (which then carries it).
        DIGEST = "digest", "Waiting for the digest"
        DIGESTED = "digested", "Sent in a digest"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    condition = models.ForeignKey(
        Condition, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=10, choices=Event.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The digest that carried this one.
    digest = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    due_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "-created_at"], name="alert_delivery_channel")]

    def __str__(self) -> str:
        return f"{self.event} to {self.channel_id} ({self.status})"
