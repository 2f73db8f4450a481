"""Tenants and what each one owns: members, media sources, apps and the AppsFlyer token."""

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name (for example Europe/Berlin).")


class Network(models.Model):
    """One ad-network account at AppsFlyer: the tenant. Nothing crosses from one to another."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    # Empty: settings.INCOST_BASE_URL. Set by platform staff only (the sandbox for dry runs).
    api_base_url = models.URLField(blank=True, help_text="Leave empty for AppsFlyer (INCOST_BASE_URL).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def incost_base_url(self) -> str:
        return self.api_base_url or settings.INCOST_BASE_URL


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPS = "ops", "Ad ops"
    REVIEWER = "reviewer", "Reviewer (read only)"


class Membership(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OPS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "user"], name="membership_unique_pair")]
        ordering = ["network__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.network} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADMIN, Role.OPS)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


_source_name = RegexValidator(r"^[^\s]+$", "Use no spaces: the name must match the attribution link exactly.")


class MediaSource(models.Model):
    """A media source (pid) or an agency name (af_prt) registered for the network at AppsFlyer."""

    class Kind(models.TextChoices):
        MEDIA_SOURCE = "media_source", "Media source"
        AGENCY = "agency", "Agency (af_prt)"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="media_sources")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEDIA_SOURCE)
    name = models.CharField(max_length=50, validators=[_source_name])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "kind", "name"], name="media_source_unique_per_network"
            )
        ]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class App(models.Model):
    """An advertiser's app that enabled cost from this network (AppsFlyer's app permission list)."""

    class Platform(models.TextChoices):
        IOS = "ios", "iOS"
        ANDROID = "android", "Android"
        OTHER = "other", "Other"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="apps")
    app_id = models.CharField(max_length=250)
    name = models.CharField(max_length=200, blank=True)
    platform = models.CharField(max_length=10, choices=Platform.choices, default=Platform.OTHER)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    currency = models.CharField(max_length=3, default="USD")
    # Listed by AppsFlyer's app permission list at the last sync.
    enabled = models.BooleanField(default=True)
    is_test_app = models.BooleanField(default=False)
    # The network's own switch, like GoKart's per-offer "Send cost data".
    send_cost = models.BooleanField(default=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "app_id"], name="app_unique_per_network")]
        ordering = ["app_id"]

    def __str__(self) -> str:
        return self.app_id

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ApiToken(models.Model):
    """The network's AppsFlyer V2.0 API token, encrypted at rest (see networks.token_vault).

    Only the fingerprint and the last four characters are ever shown again.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="api_tokens")
    ciphertext = models.BinaryField(editable=False)
    fingerprint = models.CharField(max_length=64, editable=False)
    last_four = models.CharField(max_length=4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network"], condition=Q(revoked_at__isnull=True), name="one_active_token_per_network"
            )
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"token …{self.last_four} ({self.short_fingerprint})"

    def __repr__(self) -> str:
        return f"<ApiToken {self.network_id} …{self.last_four} {self.short_fingerprint}>"

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:12]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# AppsFlyer's InCost prerequisites: at least six sends a day.
DEFAULT_SEND_TIMES = ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"]
# What the portal's default was before: schedules still on it move to the new one.
FORMER_DEFAULT_SEND_TIMES = ["00:00", "12:00"]


def default_send_times() -> list[str]:
    return list(DEFAULT_SEND_TIMES)


class Freshness(models.TextChoices):
    """Whether changed cost waits for the next send time, or goes sooner when the budget allows."""

    FRESH = "fresh", "As fresh as the budget allows"
    SCHEDULED = "scheduled", "At scheduled times only"


class SendSchedule(models.Model):
    """When cost is sent by itself: UTC times of day, and the window a backfill covers.

    Each send time is a minimum: with `freshness` FRESH (the default) changed groups also go out
    between them, as the network's share of the day's calls allows (submissions.services.budget).
    """

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="send_schedule")
    enabled = models.BooleanField(default=True)
    # "HH:MM" in UTC, sorted; every 4 hours by default (AppsFlyer asks for six sends a day).
    send_times = models.JSONField(default=default_send_times)
    backfill_days = models.PositiveSmallIntegerField(default=7)
    freshness = models.CharField(max_length=10, choices=Freshness.choices, default=Freshness.FRESH)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.network}: {', '.join(self.send_times)} UTC"


class Invitation(models.Model):
    """A one-time link that makes whoever opens it (signed in or signing up) a member."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OPS)
    # Only a digest of the link's secret is kept: the link itself is in the email alone.
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.network}"

    def is_open(self, now: datetime.datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
