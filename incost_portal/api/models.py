"""Portal API keys: a network's machines speak to the portal with them (never AppsFlyer's token)."""

import uuid

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    WRITE = "write", "Write (cost, sends and settings)"
    READ = "read", "Read only"


class ApiKey(models.Model):
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.WRITE)
    # The key's first characters, shown in lists so a key can be told apart without revealing it;
    # also how a presented key finds its row before the hash is compared.
    prefix = models.CharField(max_length=16, unique=True)
    # SHA-256 of the whole key: keys are 256 random bits, so a slow hash would add nothing.
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["network", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def __repr__(self) -> str:
        return f"<ApiKey {self.pk} {self.prefix}… {self.scope}>"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE


class IdempotentRequest(models.Model):
    """A write made with an `Idempotency-Key` header: a retry with the same key gets the first
    answer back, and nothing is applied twice. Kept IDEMPOTENCY_HOURS (pruned hourly)."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path, query, content type and body: the same key with another request
    # is refused rather than answered with the first one's outcome.
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotent_request_once")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class IncostJob(models.Model):
    """One upload to the InCost-compatible endpoint (/incost/): the job id its caller polls.

    The body waits here until a worker checks and stores it as a cost upload; then it is dropped
    (the upload keeps the file). Its status is the portal's view of the groups it
    carried (`incost_portal.api.incost_compat.selectors.incost_job_status`)."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"  # the body waits for a worker to check and store it
        ACCEPTED = "accepted", "Accepted"  # stored: its groups are on their way to AppsFlyer
        REFUSED = "refused", "Refused"  # validation found an error: nothing was stored

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey("networks.App", on_delete=models.CASCADE, related_name="+")
    key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    # The body as received, until a worker stores it as a cost upload (which keeps its own copy):
    # a file, as uploaded files are, since writing a megabyte into the database costs the caller's
    # answer several times the parse.
    body = models.FileField(upload_to="incost_jobs/%Y/%m/", max_length=300, blank=True)
    body_bytes = models.PositiveIntegerField(default=0)
    upload = models.ForeignKey(
        "costs.CostUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    agency = models.CharField(max_length=200, blank=True)
    error_code = models.CharField(max_length=10, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ingested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["app", "state", "created_at"], name="incostjob_app_waiting")]

    def __str__(self) -> str:
        return f"{self.code} ({self.state})"


class IncostJobGroup(models.Model):
    """An (app, date, media source) group an InCost-compatible upload carried, with the hash of the
    content it stored: the group is done when AppsFlyer Applied that content, or when a later
    upload replaced it."""

    job = models.ForeignKey(IncostJob, on_delete=models.CASCADE, related_name="groups")
    date = models.DateField()
    media_source = models.CharField(max_length=50)
    content_hash = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "date", "media_source"], name="incostjobgroup_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.media_source}"
