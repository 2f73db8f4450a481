"""What the dashboard shows about one network, in a fixed number of queries whatever its size."""

import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from html import escape

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from incost_portal.costs.models import CostGroupTotal, CostUpload
from incost_portal.incost.limiter import limiter_default
from incost_portal.networks.models import ApiToken, App, MediaSource, Network
from incost_portal.networks.selectors import api_token_active, send_schedule_for
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.services.schedules import next_slot

# Coverage strip colours: sent and Applied, cost waiting to be sent, no cost at all (a gap).
APPLIED, PENDING, GAP = "applied", "pending", "gap"


@dataclass
class NextStep:
    title: str
    detail: str
    done: bool
    url: str = ""
    action: str = ""


@dataclass
class DayRun:
    x: int
    width: int
    first: date
    last: date
    state: str

    @property
    def title(self) -> str:
        words = {APPLIED: "Applied", PENDING: "cost not sent yet", GAP: "no cost"}[self.state]
        if self.first == self.last:
            return f"{self.first:%Y-%m-%d}: {words}"
        return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d} ({self.width} days): {words}"


@functools.cache
def _day_ticks(days: int) -> str:
    """An SVG path of a line between every two days (the same for every strip of that length)."""
    return "".join(f"M{offset},0V1" for offset in range(1, days))


@dataclass
class AppCoverage:
    app: App
    last_applied_date: date | None
    last_applied_at: datetime | None
    first: date  # the strip's first day, in the app's time zone
    states: list[str]  # one a day from `first`: APPLIED, PENDING or GAP

    @property
    def days(self) -> list[tuple[date, str]]:
        return [(self.first + timedelta(days=offset), state) for offset, state in enumerate(self.states)]

    @property
    def width(self) -> int:
        return len(self.states)

    @property
    def gaps(self) -> int:
        return self.states.count(GAP)

    @property
    def pending(self) -> int:
        return self.states.count(PENDING)

    @property
    def day_ticks(self) -> str:
        """An SVG path of a line between every two days, so the runs still read as days."""
        return _day_ticks(len(self.states))

    @cached_property
    def runs(self) -> list[DayRun]:
        """Consecutive days of one state, drawn as one bar of the strip (a handful, not 91)."""
        runs: list[DayRun] = []
        offset = 0
        for state, same in itertools.groupby(self.states):
            width = len(list(same))
            first = self.first + timedelta(days=offset)
            runs.append(DayRun(offset, width, first, first + timedelta(days=width - 1), state))
            offset += width
        return runs

    @property
    def strip_svg(self) -> SafeString:
        """The strip's runs and day ticks as SVG markup: built here, as a template loop over every
        app's runs cost more than the rest of the dashboard. Titles are escaped; the rest is
        numbers and the three state names."""
        rects = "".join(
            f'<rect x="{run.x}" y="0" width="{run.width}" height="1" class="{run.state}">'
            f"<title>{escape(run.title)}</title></rect>"
            for run in self.runs
        )
        return mark_safe(f'{rects}<path class="day-ticks" d="{self.day_ticks}"/>')  # noqa: S308


@dataclass
class Attention:
    level: str  # "error" or "warning"
    text: str
    url: str = ""


@dataclass
class DashboardSummary:
    apps_total: int
    apps_sending: int
    media_sources: int
    token: ApiToken | None
    calls_used_today: int | None
    calls_per_day: int
    next_send: datetime | None
    coverage: list[AppCoverage] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)

    @property
    def calls_share(self) -> int:
        return round(100 * (self.calls_used_today or 0) / self.calls_per_day)


def _calls_used(token: ApiToken | None) -> int | None:
    """Today's calls of the network's token, from the shared limiter in Redis."""
    if token is None:
        return 0
    try:
        return limiter_default().calls_used_today(token.fingerprint)
    except redis.RedisError:
        return None  # shown as "unknown": the page must not fail with Redis


def _day_states(network_id: int, earliest: date) -> dict[int, dict[int, str]]:
    """Per app and day with cost (as a date ordinal): APPLIED when every group of the day holds
    what its last Applied request carried, PENDING otherwise. From the groups' totals: the distinct
    (app, day, applied) of the index, no aggregate to convert, a row or two per app and day."""
    states: dict[int, dict[int, str]] = defaultdict(dict)
    totals = CostGroupTotal.objects.filter(network_id=network_id, date__gte=earliest).order_by()
    for app_id, day, applied in totals.values_list("app_id", "date", "applied").distinct():
        days = states[app_id]
        ordinal = day.toordinal()
        if not applied:
            days[ordinal] = PENDING
        elif ordinal not in days:
            days[ordinal] = APPLIED
    return states


def _coverage(network: Network, apps: list[App], now: datetime) -> list[AppCoverage]:
    sending = [app for app in apps if app.enabled and app.send_cost]
    if not sending:
        return []
    window = settings.INCOST_WINDOW_DAYS
    todays = {app.pk: now.astimezone(app.tz).date() for app in sending}
    states = _day_states(network.pk, min(todays.values()) - timedelta(days=window))
    coverage = []
    for app in sending:
        first = todays[app.pk] - timedelta(days=window)
        known, start = states.get(app.pk, {}), first.toordinal()
        days = [known.get(ordinal, GAP) for ordinal in range(start, start + window + 1)]
        # Annotated on the apps' query (`_apps`): the newest Applied cost date and job time.
        last_date, last_at = app.last_applied_date, app.last_applied_at  # type: ignore[attr-defined]
        coverage.append(AppCoverage(app, last_date, last_at, first, days))
    return coverage


def _apps(network: Network) -> list[App]:
    """The network's apps, each with its newest Applied cost date and the time of its last Applied
    job: two index probes an app, where a MAX per app over the network's jobs reads every Applied
    one (100,000: 45 ms)."""
    applied_jobs = Submission.objects.filter(app=OuterRef("pk"), state=State.APPLIED).order_by()
    last_at = applied_jobs.filter(finished_at__isnull=False).order_by("-finished_at").values("finished_at")
    return list(
        App.objects.filter(network=network)
        .annotate(
            last_applied_date=Subquery(applied_jobs.order_by("-date_to").values("date_to")[:1]),
            last_applied_at=Subquery(last_at[:1]),
        )
        .order_by("app_id")
    )


def _counts(network: Network, now: datetime) -> dict[str, int]:
    """The attention counts and the media sources, in one query of index probes: failed jobs of
    the last 7 days, jobs waiting to be retried or for tomorrow's budget (ranges of the (network,
    state, finished_at) index; never the Applied ones), invalid uploads of the last 7 days.

    Plain SQL (five COUNTs, the same on every database): the ORM spent longer compiling its five
    subqueries than PostgreSQL spends answering them."""
    quote = connection.ops.quote_name
    jobs = quote(Submission._meta.db_table)
    uploads, sources = quote(CostUpload._meta.db_table), quote(MediaSource._meta.db_table)
    week = now - timedelta(days=7)
    names = ("failed", "retrying", "waiting", "invalid_uploads", "source_count")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {jobs} WHERE network_id = %s AND state = %s "  # noqa: S608 (the models' tables; values are parameters)
            "AND finished_at >= %s), "
            f"(SELECT COUNT(*) FROM {jobs} WHERE network_id = %s AND state = %s), "
            f"(SELECT COUNT(*) FROM {jobs} WHERE network_id = %s AND state = %s), "
            f"(SELECT COUNT(*) FROM {uploads} WHERE network_id = %s AND status = %s AND created_at >= %s "
            "AND superseded_by_id IS NULL), "
            f"(SELECT COUNT(*) FROM {sources} WHERE network_id = %s)",
            [
                network.pk, State.FAILED, week,
                network.pk, State.NEEDS_RETRY,
                network.pk, State.PLANNED,
                network.pk, CostUpload.Status.INVALID, week,
                network.pk,
            ],
        )  # fmt: skip
        return dict(zip(names, cursor.fetchone(), strict=True))


def _attention(
    network: Network, summary: "DashboardSummary", apps: list[App], counts: dict[str, int], now: datetime
) -> list[Attention]:
    code = network.code
    items: list[Attention] = []
    if summary.token is None:
        items.append(
            Attention(
                "error", "No AppsFlyer token: nothing can be sent.", reverse("onboarding:token", args=[code])
            )
        )
    jobs = reverse("submissions:list", args=[code])
    if counts["failed"]:
        items.append(
            Attention(
                "error", f"{counts['failed']} job(s) failed in the last 7 days.", f"{jobs}?state=failed"
            )
        )
    if counts["retrying"]:
        items.append(
            Attention(
                "warning", f"{counts['retrying']} job(s) wait to be retried.", f"{jobs}?state=needs_retry"
            )
        )
    if counts["waiting"]:
        items.append(
            Attention("warning", f"{counts['waiting']} job(s) wait for tomorrow's call budget.", jobs)
        )
    invalid = counts["invalid_uploads"]
    if invalid:
        items.append(
            Attention(
                "warning",
                f"{invalid} upload{'s' if invalid > 1 else ''} of the last 7 days "
                f"{'have' if invalid > 1 else 'has'} errors to fix.",
                reverse("costs:uploads", args=[code]) + "?status=invalid",
            )
        )
    off = [app.app_id for app in apps if app.enabled and not app.send_cost]
    if off:
        items.append(
            Attention("warning", f"Sending is off for {', '.join(off[:5])}{'…' if len(off) > 5 else ''}.")
        )
    if summary.calls_used_today is not None and summary.calls_share >= 80:
        items.append(
            Attention(
                "warning", f"{summary.calls_used_today} of today's {summary.calls_per_day} calls are used."
            )
        )
    return items


def dashboard_summary(*, network: Network, now: datetime | None = None) -> DashboardSummary:
    """Everything on the dashboard, in a fixed number of queries whatever the network's size."""
    now = now or timezone.now()
    apps = _apps(network)
    token = api_token_active(network=network)
    counts = _counts(network, now)
    summary = DashboardSummary(
        apps_total=len(apps),
        apps_sending=sum(1 for app in apps if app.enabled and app.send_cost),
        media_sources=counts["source_count"],
        token=token,
        calls_used_today=_calls_used(token),
        calls_per_day=settings.INCOST_CALLS_PER_DAY,
        next_send=next_slot(send_schedule_for(network=network), now),
    )
    summary.coverage = _coverage(network, apps, now)
    summary.attention = _attention(network, summary, apps, counts, now)
    code = network.code
    has_cost = any(row.gaps < row.width for row in summary.coverage)
    steps = [
        NextStep(
            "Store the AppsFlyer API token",
            "A network admin pastes the V2.0 token from the AppsFlyer dashboard.",
            done=token is not None,
            url=reverse("onboarding:token", args=[code]),
            action="Add the token",
        ),
        NextStep(
            "Register your media sources",
            "The media source names AppsFlyer registered for your account.",
            done=summary.media_sources > 0,
            url=reverse("networks:media_sources", args=[code]),
            action="Register",
        ),
        NextStep(
            "Get the app list",
            "Apps appear once advertisers turn on cost for your network.",
            done=summary.apps_total > 0,
            url=reverse("dashboard:apps", args=[code]),
            action="See apps",
        ),
        NextStep(
            "Upload cost",
            "JSON, CSV or XLSX: every problem is shown before anything is sent.",
            done=has_cost,
            url=reverse("costs:list", args=[code]),
            action="Go to costs",
        ),
    ]
    summary.next_steps = [] if all(step.done for step in steps) else steps
    return summary


@dataclass
class Storage:
    """What a network keeps, in bytes and rows (the settings page's storage line)."""

    payload_bytes: int  # stored, compressed
    payload_raw_bytes: int  # as sent, of the payloads still kept
    payloads_kept: int
    payloads_removed: int
    file_bytes: int  # uploaded files still kept
    files_kept: int
    cost_rows: int


def storage_of(*, network: Network) -> Storage:
    """Three aggregate reads: payloads, upload files, cost rows (from the group totals)."""
    payloads = Submission.objects.filter(network=network).aggregate(
        stored=Sum("payload_stored_bytes", filter=Q(payload_pruned_at__isnull=True)),
        raw=Sum("payload_bytes", filter=Q(payload_pruned_at__isnull=True)),
        kept=Count("id", filter=Q(payload_pruned_at__isnull=True)),
        removed=Count("id", filter=Q(payload_pruned_at__isnull=False)),
    )
    files = CostUpload.objects.filter(network=network, file_pruned_at__isnull=True).aggregate(
        size=Sum("file_size"), kept=Count("id")
    )
    rows = CostGroupTotal.objects.filter(network=network).aggregate(rows=Sum("row_count"))
    return Storage(
        payload_bytes=payloads["stored"] or 0,
        payload_raw_bytes=payloads["raw"] or 0,
        payloads_kept=payloads["kept"],
        payloads_removed=payloads["removed"],
        file_bytes=files["size"] or 0,
        files_kept=files["kept"],
        cost_rows=rows["rows"] or 0,
    )
