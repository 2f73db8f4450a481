"""Cost data: the current rows per network, the uploads that wrote them, and what was found."""

import uuid

from django.conf import settings
from django.db import models

from incost_portal.costs.incost_rows import spend_literal
from incost_portal.networks.models import App, Network


class CostUpload(models.Model):
    """One hand-over of cost data (a file, a grid edit or an API push) and its validation."""

    class Source(models.TextChoices):
        FILE = "file", "File"
        GRID = "grid", "Grid edit"
        API = "api", "API"
        SOURCE = "source", "Source"

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        VALID = "valid", "Ready to accept"
        INVALID = "invalid", "Has errors"
        ACCEPTED = "accepted", "Accepted"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="cost_uploads")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FILE)
    file = models.FileField(upload_to="cost_uploads/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=10, choices=Format.choices)
    file_size = models.BigIntegerField(default=0)
    # A push for one app (ic228/ic229 apply); empty for files, which may hold many apps.
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The zone of hourly rows (IANA name); empty: UTC.
    source_time_zone = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    row_count = models.PositiveIntegerField(default=0)
    error_row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    # Every issue counted by code; only the first ISSUES_KEPT_PER_CODE of each are stored as rows.
    issue_counts = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stored_row_count = models.PositiveIntegerField(default=0)
    groups_replaced = models.PositiveIntegerField(default=0)
    # The rows as parsed when checked (costs.parsed_copy): what the preview pages through, so a
    # file is parsed once, not on every view. Empty for uploads checked before it existed.
    parsed_file = models.FileField(upload_to="cost_uploads/parsed/%Y/%m/", max_length=300, blank=True)
    parsed_index = models.JSONField(default=list, blank=True)
    # Rows, apps, dates, spend per currency and fields of the file, summed in the same pass.
    profile = models.JSONField(null=True, blank=True)
    # How the file wrote decimals and dates, as declared at upload (costs.parsing.conventions).
    decimal_separator = models.CharField(max_length=1, default=".")
    date_format = models.CharField(max_length=10, default="YYYY-MM-DD")
    # The version a cell fix made of this upload: the one to accept or fix now.
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When retention removed the file as uploaded and its parsed copy (the row and its counts stay).
    file_pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["network", "-created_at"], name="costupload_network_recent")]

    def __str__(self) -> str:
        return f"{self.original_name or self.code} ({self.get_status_display()})"

    @property
    def is_blocked(self) -> bool:
        return self.error_count > 0

    @property
    def issues_stored(self) -> int:
        return sum(min(count, ISSUES_KEPT_PER_CODE) for count in self.issue_counts.values())

    @property
    def issues_truncated(self) -> bool:
        return any(count > ISSUES_KEPT_PER_CODE for count in self.issue_counts.values())


# A million-row file may repeat one problem a million times: the first ones show it.
ISSUES_KEPT_PER_CODE = 1000


class CostIssue(models.Model):
    """A problem found in an upload. `row` is 1-based as the user sees it in the file (CSV/XLSX:
    the spreadsheet row, header = row 1; JSON: the object's position in the array); NULL for
    problems of the whole file or of an app (ic416 on the file, ic221, ic228, ic243, ic311)."""

    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"

    upload = models.ForeignKey(CostUpload, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(null=True, blank=True)
    field = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=10)
    message = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices)

    class Meta:
        ordering = ["upload", "row", "id"]
        indexes = [models.Index(fields=["upload", "severity", "row"], name="costissue_upload_rows")]

    def __str__(self) -> str:
        return f"row {self.row} {self.field} {self.code}"


class CostRow(models.Model):
    """The current cost of one network for one dimension key. Empty optional dimensions are ""
    (never NULL), so the unique constraint holds on SQLite and PostgreSQL alike."""

    # Ingest speed (a million rows a file): no database-level foreign keys, which PostgreSQL
    # checks row by row at commit (15 s for 1M rows), and no index per foreign key (the unique
    # index leads with network and app; apps and uploads are rarely deleted). Rows are written
    # only by CostRowStore with ids of the network's own apps; Django's cascade still deletes
    # a network's or an app's rows.
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="cost_rows", db_constraint=False, db_index=False
    )
    app = models.ForeignKey(
        App, on_delete=models.CASCADE, related_name="cost_rows", db_constraint=False, db_index=False
    )
    date = models.DateField()
    media_source = models.CharField(max_length=50)
    af_prt = models.CharField(max_length=50, blank=True, default="")
    campaign_id = models.CharField(max_length=24)
    campaign_name = models.CharField(max_length=100)
    adset_id = models.CharField(max_length=24, blank=True, default="")
    adset_name = models.CharField(max_length=100, blank=True, default="")
    ad_id = models.CharField(max_length=24, blank=True, default="")
    ad_name = models.CharField(max_length=100, blank=True, default="")
    site_id = models.CharField(max_length=24, blank=True, default="")
    geo = models.CharField(max_length=2, blank=True, default="")
    channel = models.CharField(max_length=20, blank=True, default="")
    keywords = models.CharField(max_length=100, blank=True, default="")
    currency = models.CharField(max_length=3)
    spend = models.DecimalField(max_digits=20, decimal_places=5)
    clicks = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    # The optional fields the row carries, comma-separated in InCost order: rows with the same
    # granularity may share a request.
    granularity = models.CharField(max_length=200, blank=True, default="")
    upload = models.ForeignKey(
        CostUpload,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "network",
                    "app",
                    "date",
                    "media_source",
                    "af_prt",
                    "campaign_id",
                    "adset_id",
                    "ad_id",
                    "site_id",
                    "geo",
                    "channel",
                    "keywords",
                ],
                name="costrow_unique_dimensions",
            )
        ]
        # No separate (network, app, date, media_source) index: it is the unique index's prefix.
        # The Costs page's order (newest dates first, then app, media source, campaign): a page of
        # 100 reads 100 index entries, where a (network, date) index left the newest day's rows to
        # sort (11,000 at a million rows: 31 ms a page) and the export sorted every row.
        indexes = [
            models.Index(
                fields=["network", "-date", "app", "media_source", "campaign_id"],
                name="costrow_network_newest",
            )
        ]
        ordering = ["app", "date", "media_source", "campaign_id"]

    def __str__(self) -> str:
        return f"{self.app_id} {self.date} {self.media_source} {self.campaign_id}"

    @property
    def spend_text(self) -> str:
        """Spend as sent: no trailing zeros."""
        return spend_literal(self.spend)


class CostGroupTotal(models.Model):
    """Spend and row count of one (app, date, media source) group's current rows, per currency.

    Written only by costs.row_store: the sums in the transaction that replaces the group's rows,
    so they always agree with them; `applied` then, and again when a request of the group is
    Applied (CostGroupApplied changes). The Costs page's totals and chart and the dashboard's
    coverage read these few thousand rows rather than a million."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    media_source = models.CharField(max_length=50)
    currency = models.CharField(max_length=3)
    spend = models.DecimalField(max_digits=24, decimal_places=5)
    row_count = models.PositiveIntegerField()
    # The spend and row count are those of the group's last Applied request, as CostGroupApplied
    # holds it (the dashboard's "Applied"; otherwise the group's cost waits to be sent).
    applied = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "app", "date", "media_source", "currency"], name="costgrouptotal_unique"
            )
        ]
        indexes = [models.Index(fields=["network", "date"], name="costgrouptotal_network_date")]

    def __str__(self) -> str:
        return f"{self.app_id} {self.date} {self.media_source} {self.spend} {self.currency}"


class CostGroupApplied(models.Model):
    """What AppsFlyer last applied of one (app, date, media source) group, per currency: the
    group's spend and row count in its newest Applied request (by the request's creation, then id).

    Written by submissions through costs.row_store.group_applied_record when a request is Applied;
    the totals' `applied` compares with it, so costs never reads the submissions' tables."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()
    media_source = models.CharField(max_length=50)
    currency = models.CharField(max_length=3)
    spend = models.DecimalField(max_digits=24, decimal_places=5)
    row_count = models.PositiveIntegerField()
    # The submission's id and creation time, to keep the newest when requests finish out of order.
    # A number, not a foreign key: costs sits below submissions.
    request_id = models.BigIntegerField()
    request_created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "app", "date", "media_source", "currency"], name="costgroupapplied_unique"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.app_id} {self.date} {self.media_source} {self.spend} {self.currency} (#{self.request_id})"
        )
