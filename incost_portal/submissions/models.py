"""Requests to AppsFlyer. Every request is a Submission row before it is anything else: the
database is the queue's memory, RQ jobs carry only a submission's id."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from incost_portal.submissions.payloads import payload_unpack


class State(models.TextChoices):
    PLANNED = "planned", "Planned"  # waits for its time (e.g. tomorrow's call budget)
    QUEUED = "queued", "Queued"  # due: a worker will send it
    SENDING = "sending", "Sending"  # a worker claimed it and is calling upload
    SUBMITTED = "submitted", "Submitted"  # AppsFlyer gave a job id; its status is read later
    POLLING = "polling", "Checking status"  # a worker is reading the job status
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"  # final until the data changes: a validation error or "Failed"
    NEEDS_RETRY = "needs_retry", "Retry later"  # a failure that can pass: due_at says when


TERMINAL = frozenset({State.APPLIED, State.FAILED})
IN_FLIGHT = frozenset(set(State) - TERMINAL)

# The only moves a submission can make; anything else is refused (see Submission.move).
TRANSITIONS: dict[str, frozenset[str]] = {
    State.PLANNED: frozenset({State.QUEUED}),
    State.QUEUED: frozenset({State.SENDING, State.PLANNED}),
    State.SENDING: frozenset({State.SUBMITTED, State.NEEDS_RETRY, State.FAILED, State.QUEUED}),
    State.SUBMITTED: frozenset({State.POLLING}),
    State.POLLING: frozenset({State.SUBMITTED, State.APPLIED, State.FAILED, State.NEEDS_RETRY}),
    State.NEEDS_RETRY: frozenset({State.QUEUED}),
    State.APPLIED: frozenset(),
    State.FAILED: frozenset(),
}


# Where the fix of a failed request lies, by AppsFlyer's code ("" for the rest: the rows).
FAILURE_ADVICE = {
    "ic213": "The media source is not registered for your network at AppsFlyer: check its name on "
    "Settings > Media sources against what your AppsFlyer PDM registered, then press Resend.",
    "ic215": "AppsFlyer does not list this app for your network: sync the app list (Apps), and ask the "
    "advertiser to enable cost for your network if it is missing; then press Resend.",
    "ic414": "AppsFlyer does not list this app for your network: sync the app list (Apps), and ask the "
    "advertiser to enable cost for your network if it is missing; then press Resend.",
    "unauthorized": "AppsFlyer refused the token: an admin replaces it on Settings > AppsFlyer token, "
    "then press Resend.",
    "": "Fix the rows of the groups below in Costs, then send again: a group whose content did not "
    "change is not sent again (Resend sends it anyway).",
}


class Trigger(models.TextChoices):
    MANUAL = "manual", "Send now"
    SCHEDULE = "schedule", "Schedule"
    BACKFILL = "backfill", "Backfill"
    RESEND = "resend", "Resend"
    # A group changed while an earlier request carried it: sent when that request ended.
    FOLLOW_UP = "follow_up", "Follow-up"
    # Between send times, as the network's share of the day's calls allows (services.budget).
    FRESHNESS = "freshness", "Fresh send"


class IllegalTransition(Exception):
    pass


class Submission(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="submissions")
    app = models.ForeignKey("networks.App", on_delete=models.PROTECT, related_name="submissions")
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED, db_index=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The exact body sent (a JSON array), kept so a retry sends the same bytes and users can download
    # it: compressed (submissions.payloads), and removed after the retention period once finished.
    payload = models.BinaryField()
    payload_codec = models.CharField(max_length=8, blank=True, default="")
    payload_stored_bytes = models.PositiveIntegerField(default=0)
    payload_pruned_at = models.DateTimeField(null=True, blank=True)
    # When retention summarised the timeline (the status reads but the last one removed).
    events_summarised_at = models.DateTimeField(null=True, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    payload_bytes = models.PositiveIntegerField()
    row_count = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    granularity = models.CharField(max_length=200, blank=True)
    date_from = models.DateField()
    date_to = models.DateField()
    spend_total = models.DecimalField(max_digits=24, decimal_places=5)

    job_id = models.CharField(max_length=200, blank=True)
    matched_records_percentage = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)

    upload_attempts = models.PositiveSmallIntegerField(default=0)
    status_polls = models.PositiveSmallIntegerField(default=0)
    # When the next step is due: sending (planned, needs retry) or reading the status (submitted).
    due_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When a worker claimed it (sending, polling): a claim older than the lease is a dead worker's.
    claimed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["network", "-created_at"]),
            models.Index(fields=["state", "due_at"]),
            # The dashboard's jobs in flight and its attention counts: read from the index alone.
            models.Index(fields=["network", "state", "finished_at"], name="submission_network_state"),
            # The dashboard's last Applied cost date and time per app: one probe each.
            models.Index(fields=["app", "state", "date_to"], name="submission_app_last_date"),
            models.Index(fields=["app", "state", "finished_at"], name="submission_app_last_at"),
            # The jobs list's poll version: the newest move of the network's requests, one probe.
            models.Index(fields=["network", "updated_at"], name="submission_network_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.date_from}..{self.date_to} ({self.state})"

    def __repr__(self) -> str:
        return f"<Submission {self.pk} {self.state} app={self.app_id} job={self.job_id or '-'}>"

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def failure_advice(self) -> str:
        """What to do about a failed request, by its code: where the fix lies."""
        return FAILURE_ADVICE.get(self.error_code, FAILURE_ADVICE[""])

    @property
    def payload_body(self) -> bytes | None:
        """The body as sent, or None once retention removed it."""
        if self.payload_pruned_at is not None:
            return None
        return payload_unpack(bytes(self.payload), self.payload_codec)

    def move(self, to: State, *, expect: State | None = None, **fields: Any) -> bool:
        """Move to `to` if the row is still in the state this object holds (or `expect`).

        The update is conditional on the current state in the database, so of two workers that
        try the same move only one succeeds: the loser gets False and must leave the row alone.
        """
        current = State(expect or self.state)
        if to not in TRANSITIONS[current]:
            raise IllegalTransition(f"A submission cannot go from {current} to {to}.")
        now = timezone.now()
        if to in TERMINAL:
            fields.setdefault("finished_at", now)
        changed = Submission.objects.filter(pk=self.pk, state=current).update(
            state=to, updated_at=now, **fields
        )
        if changed != 1:
            return False
        self.state = to
        for name, value in fields.items():
            setattr(self, name, value)
        return True


class SubmissionGroup(models.Model):
    """One (app, date, media source) group a submission carries, with the hash of its content."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="groups")
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey("networks.App", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    media_source = models.CharField(max_length=50)
    content_hash = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    spend = models.DecimalField(max_digits=24, decimal_places=5)

    class Meta:
        indexes = [models.Index(fields=["network", "app", "date", "media_source"])]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "date", "media_source"], name="group_once_per_submission"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.media_source}"


class Event(models.TextChoices):
    PLANNED = "planned", "Planned"
    QUEUED = "queued", "Queued"
    UPLOAD = "upload", "Upload"
    STATUS = "status", "Status check"
    RETRY = "retry", "Retry scheduled"
    RECOVERED = "recovered", "Recovered"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


class SubmissionEvent(models.Model):
    """The submission's timeline: every call to AppsFlyer with its outcome, and every state change."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Event.choices)
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField(default=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.kind} {self.code}"


class ScheduledRun(models.Model):
    """One scheduled send slot that has been run: the unique key makes each slot run once."""

    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    slot = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    submissions_created = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "slot"], name="scheduled_run_once")]

    def __str__(self) -> str:
        return f"{self.network_id} {self.slot:%Y-%m-%d %H:%M}"
