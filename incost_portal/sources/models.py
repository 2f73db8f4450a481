"""Sources: where the portal pulls a network's cost from by itself (an HTTPS report or an
S3-compatible bucket), the objects of a bucket already taken, and every run with its outcome.

Secrets (request headers, the S3 secret key) are stored only encrypted with the token's keys
(networks.token_vault), with their last four characters beside them for the pages."""

import uuid

from django.conf import settings
from django.db import models

from incost_portal.costs.models import CostUpload
from incost_portal.networks.models import Network


class Source(models.Model):
    class Kind(models.TextChoices):
        HTTPS = "https", "HTTPS report"
        S3 = "s3", "S3-compatible bucket"

    class Format(models.TextChoices):
        AUTO = "", "By content type"
        CSV = "csv", "CSV"
        JSON = "json", "JSON (the InCost array)"
        XLSX = "xlsx", "XLSX"

    class OnProblems(models.TextChoices):
        VALID_GROUPS = "valid_groups", "Accept the clean groups, hold the others"
        ALL_OR_NOTHING = "all_or_nothing", "All or nothing"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HTTPS)
    enabled = models.BooleanField(default=True)
    # HTTPS: {date_from} and {date_to} are filled with the restatement window (YYYY-MM-DD).
    url_template = models.CharField(max_length=2000, blank=True)
    # Request headers as an encrypted JSON object; their names with each value's last four.
    headers_encrypted = models.BinaryField(blank=True, default=b"")
    headers_shown = models.JSONField(default=dict, blank=True)
    file_format = models.CharField(max_length=10, choices=Format.choices, default=Format.AUTO, blank=True)
    # S3-compatible bucket.
    bucket = models.CharField(max_length=255, blank=True)
    prefix = models.CharField(max_length=1024, blank=True)
    region = models.CharField(max_length=64, blank=True)
    endpoint_url = models.CharField(max_length=500, blank=True)
    access_key_id = models.CharField(max_length=128, blank=True)
    secret_key_encrypted = models.BinaryField(blank=True, default=b"")
    secret_key_last4 = models.CharField(max_length=4, blank=True)
    # Both: source header -> InCost field, and how the file writes dates and decimals.
    column_mapping = models.JSONField(default=dict, blank=True)
    date_format = models.CharField(max_length=10, default="YYYY-MM-DD")
    decimal_separator = models.CharField(max_length=1, default=".")
    restatement_days = models.PositiveSmallIntegerField(default=7)
    # Every N hours; empty: shortly before each scheduled send of the network's schedule.
    every_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    # An alert opens when no run has brought new cost for this long (0: never).
    stale_after_hours = models.PositiveSmallIntegerField(default=48)
    on_problems = models.CharField(max_length=20, choices=OnProblems.choices, default=OnProblems.VALID_GROUPS)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # A run holds the source until then: never two runs of one source at once (a worker killed
    # mid-run lets go when it passes).
    lease_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="source_unique_name")]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="source_due")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def has_headers(self) -> bool:
        return bool(self.headers_shown)


class SourceObject(models.Model):
    """An object of a bucket taken by a run: a new key, or a key whose ETag changed, is taken once."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="objects_seen")
    key = models.CharField(max_length=1024)
    etag = models.CharField(max_length=200)
    size = models.BigIntegerField(default=0)
    taken_at = models.DateTimeField(auto_now_add=True)
    run = models.ForeignKey("SourceRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["source", "taken_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "key", "etag"], name="sourceobject_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.etag})"


class SourceRun(models.Model):
    """One fetch of a source and what came of it."""

    class Outcome(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Waiting to retry"
        SUCCEEDED = "succeeded", "Accepted"
        PARTIAL = "partial", "Accepted, some groups held"
        HELD = "held", "Held: nothing accepted"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Fetch now"
        API = "api", "API"

    FINAL = (Outcome.SUCCEEDED, Outcome.PARTIAL, Outcome.HELD, Outcome.FAILED)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    # A test: fetched and checked, the preview kept here, nothing else stored.
    dry_run = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a run waiting to retry is due (the cron queues it again if its job was lost).
    retry_at = models.DateTimeField(null=True, blank=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    fetched_bytes = models.BigIntegerField(default=0)
    fetched_objects = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    groups_replaced = models.PositiveIntegerField(default=0)
    groups_held = models.PositiveIntegerField(default=0)
    # [{"app_id", "date", "media_source", "codes": [...]}], the first SOURCE_RUN_ISSUES_KEPT.
    held_groups = models.JSONField(default=list, blank=True)
    # [{"object", "row", "field", "code", "message", "severity"}], the first SOURCE_RUN_ISSUES_KEPT.
    issues = models.JSONField(default=list, blank=True)
    issue_counts = models.JSONField(default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    uploads = models.ManyToManyField(CostUpload, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "-created_at"], name="sourcerun_source_recent")]

    def __str__(self) -> str:
        return f"{self.source.name} {self.created_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def is_final(self) -> bool:
        return self.outcome in self.FINAL
