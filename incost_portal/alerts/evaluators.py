"""One evaluator per kind of condition: what is wrong in a network now, read from the state the
lower layers keep. Each returns its findings; alerts.services.conditions opens and resolves.

Sources (a source failed, or brought no new cost for longer than its setting) join this list
when the sources app exists: one more decorated function each.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from incost_portal.alerts.kinds import Finding, condition_kind
from incost_portal.alerts.models import AlertSettings
from incost_portal.costs.models import CostGroupTotal
from incost_portal.networks.models import ApiToken, App, Network
from incost_portal.networks.selectors import api_token_active, send_schedule_for
from incost_portal.sources.models import Source, SourceRun
from incost_portal.submissions.models import IN_FLIGHT, ScheduledRun, State, Submission, SubmissionEvent
from incost_portal.submissions.models import SubmissionGroup as Group
from incost_portal.submissions.services.schedules import latest_slot

# What AppsFlyer answers a token it refuses (401 or 403); and a send stopped for want of a token.
TOKEN_REFUSED = "unauthorized"  # noqa: S105 (an error code)
TOKEN_CODES = (TOKEN_REFUSED, "no_token")
# Failures older than AppsFlyer's window cannot be fixed by sending again: no longer a condition.
FAILED_LOOKBACK_DAYS = 90
FAILED_SCAN_LIMIT = 300
# Cost gaps: the days looked at (yesterday left out: its cost often arrives during today) and the
# days before them that must all have had cost for a gap to count.
GAP_RECENT_DAYS = range(2, 9)
GAP_PRIOR_DAYS = range(9, 23)


def _url(name: str, network: Network, *args: object) -> str:
    return reverse(name, args=[network.code, *args])


def _at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@condition_kind(
    "token_rejected",
    "AppsFlyer token rejected",
    "AppsFlyer answered 401 or 403 to a call made with the network's token.",
)
def token_rejected(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    token = api_token_active(network=network)
    if token is None:
        return []
    # The token's latest call that got an answer: a pasted token starts with a clean slate.
    last = (
        SubmissionEvent.objects.filter(
            submission__network=network,
            submission__updated_at__gte=token.created_at,
            at__gte=token.created_at,
            http_status__isnull=False,
        )
        .order_by("-at", "-id")
        .values("code", "at", "http_status", "message")
        .first()
    )
    if last is None or last["code"] != TOKEN_REFUSED:
        return []
    return [
        Finding(
            subject="",
            title=f"AppsFlyer rejects the API token …{token.last_four} (HTTP {last['http_status']})",
            detail="Nothing can be sent until an admin pastes a valid token. "
            f"AppsFlyer said: {last['message'][:300]}",
            since=last["at"],
            link=_url("onboarding:token", network),
        )
    ]


@condition_kind(
    "token_missing",
    "AppsFlyer token missing",
    "The network has cost to send but no AppsFlyer token.",
)
def token_missing(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    if api_token_active(network=network) is not None:
        return []
    has_cost = CostGroupTotal.objects.filter(network=network).exists()
    in_flight = Submission.objects.filter(network=network, state__in=IN_FLIGHT).exists()
    if not (has_cost or in_flight):
        return []
    revoked = ApiToken.objects.filter(network=network).order_by("-revoked_at").values("revoked_at").first()
    return [
        Finding(
            subject="",
            title="No AppsFlyer token: cost waits to be sent",
            detail="An admin pastes the network's AppsFlyer V2.0 API token; sending resumes by itself.",
            since=(revoked or {}).get("revoked_at") or network.created_at,
            link=_url("onboarding:token", network),
        )
    ]


@condition_kind(
    "request_failed",
    "Request failed",
    "A request failed validation at AppsFlyer, or was given up after its retries, and its groups "
    "have not been Applied since.",
)
def request_failed(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    failed = list(
        Submission.objects.filter(
            network=network,
            state=State.FAILED,
            finished_at__gte=now - timedelta(days=FAILED_LOOKBACK_DAYS),
        )
        .exclude(error_code__in=TOKEN_CODES)
        .select_related("app")
        .defer("payload")
        .order_by("-finished_at", "-id")[:FAILED_SCAN_LIMIT]
    )
    if not failed:
        return []
    carried: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for submission_id, day, source in Group.objects.filter(submission__in=failed).values_list(
        "submission_id", "date", "media_source"
    ):
        carried[submission_id].append((day, source))
    oldest = min(submission.created_at for submission in failed)
    applied_at: dict[tuple[int, date, str], datetime] = {}
    for app_id, day, source, created in Group.objects.filter(
        network=network,
        app_id__in={submission.app_id for submission in failed},
        submission__state=State.APPLIED,
        submission__created_at__gt=oldest,
    ).values_list("app_id", "date", "media_source", "submission__created_at"):
        key = (app_id, day, source)
        applied_at[key] = max(created, applied_at.get(key, created))
    findings: dict[str, Finding] = {}
    for submission in failed:  # newest first: each (app, code) is named by its newest failure
        still_failing = any(
            applied_at.get((submission.app_id, day, source), submission.created_at) <= submission.created_at
            for day, source in carried[submission.pk]
        )
        subject = f"{submission.app.app_id}:{submission.error_code}"
        if not still_failing or subject in findings:
            continue
        findings[subject] = Finding(
            subject=subject,
            title=f"A request for {submission.app.app_id} failed: {submission.error_code}",
            detail=f"{submission.error_message[:500]} {submission.failure_advice}".strip(),
            since=submission.finished_at or submission.created_at,
            link=_url("submissions:detail", network, submission.code),
            app_id=submission.app_id,
        )
    return list(findings.values())


@condition_kind(
    "request_stuck",
    "Request not Applied",
    "A request is still not Applied long after its upload (Alerts settings: hours).",
)
def request_stuck(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    limit = now - timedelta(hours=limits.stuck_after_hours)
    # Since its upload; a request that never got a job id (retried uploads) since it was made.
    waiting = (
        Submission.objects.filter(
            network=network, state__in=IN_FLIGHT - {State.PLANNED}, created_at__lte=limit
        )
        .annotate(uploaded=Coalesce("submitted_at", "created_at"))
        .filter(uploaded__lte=limit)
        .values("app_id", "app__app_id")
        .annotate(oldest=Min("uploaded"))
    )
    return [
        Finding(
            subject=row["app__app_id"],
            title=f"A request for {row['app__app_id']} is not Applied {limits.stuck_after_hours} hours "
            "after its upload",
            detail=f"Uploaded at {_at(row['oldest'])}; the portal keeps reading its status.",
            since=row["oldest"],
            link=_url("submissions:list", network) + "?state=submitted",
            app_id=row["app_id"],
        )
        for row in waiting
    ]


@condition_kind(
    "app_removed",
    "App removed from the permission list",
    "An app the network sends cost for is no longer on AppsFlyer's app permission list.",
)
def app_removed(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    gone = App.objects.filter(network=network, enabled=False, send_cost=True)
    return [
        Finding(
            subject=app.app_id,
            title=f"{app.app_id} was removed from the app permission list",
            detail="AppsFlyer no longer lists this app for your network: its cost cannot be sent. Ask the "
            "advertiser to enable cost for your network again, or switch Send cost off for it.",
            since=app.last_synced_at or now,
            link=_url("dashboard:apps", network),
            app_id=app.pk,
        )
        for app in gone
    ]


@condition_kind(
    "app_added",
    "App added to the permission list",
    "AppsFlyer listed a new app for the network; it has no cost yet.",
)
def app_added(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    first = App.objects.filter(network=network).aggregate(first=Min("created_at"))["first"]
    if first is None:
        return []
    # The apps of the network's first listing are where it starts, not news.
    no_cost = ~Exists(CostGroupTotal.objects.filter(network=network, app=OuterRef("pk")))
    new = App.objects.filter(
        network=network, enabled=True, send_cost=True, created_at__gt=first + timedelta(hours=1)
    ).filter(no_cost)
    return [
        Finding(
            subject=app.app_id,
            title=f"{app.app_id} was added to the app permission list",
            detail=f"{app.name or app.app_id} enabled cost for your network: upload its cost, or switch "
            "Send cost off for it. This closes when its first cost arrives.",
            since=app.created_at,
            link=_url("dashboard:apps", network),
            app_id=app.pk,
        )
        for app in new
    ]


@condition_kind(
    "budget_used_up",
    "Call budget used up",
    "Today's AppsFlyer call budget is used up and requests wait for tomorrow's.",
)
def budget_used_up(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    waiting = Submission.objects.filter(network=network, state=State.PLANNED, due_at__gt=now).aggregate(
        count=Count("id"), since=Min("created_at"), opens=Min("due_at")
    )
    count = waiting["count"]
    if not count:
        return []
    return [
        Finding(
            subject="",
            title=f"Today's AppsFlyer call budget is used up: {count} request(s) wait for tomorrow",
            detail=f"They start from {_at(waiting['opens'])}, when the budget opens again.",
            since=waiting["since"],
            link=_url("submissions:list", network) + "?state=planned",
        )
    ]


@condition_kind(
    "schedule_missed",
    "Scheduled send missed",
    "A scheduled send did not run (RQ cron or the workers were down).",
)
def schedule_missed(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    schedule = send_schedule_for(network=network)
    if not schedule.enabled or api_token_active(network=network) is None:
        return []
    slot = latest_slot(schedule, now - timedelta(minutes=settings.ALERT_SCHEDULE_GRACE_MINUTES))
    since = schedule.updated_at or network.created_at
    if slot is None or slot < since or ScheduledRun.objects.filter(network=network, slot=slot).exists():
        return []
    return [
        Finding(
            subject="",
            title=f"The scheduled send of {_at(slot)} did not run",
            detail="RQ cron or the workers were down at that time; the next send time covers the "
            "changes (check the django-rq dashboard).",
            since=slot,
            link=_url("networks:schedule", network),
        )
    ]


@condition_kind(
    "matched_low",
    "Matched records low",
    "An app's last Applied request matched fewer records than the network's threshold.",
)
def matched_low(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    threshold = limits.matched_records_min
    if not threshold:
        return []
    last = Submission.objects.filter(
        app=OuterRef("pk"), state=State.APPLIED, matched_records_percentage__isnull=False
    ).order_by("-finished_at")
    apps = App.objects.filter(network=network).annotate(
        matched=Subquery(last.values("matched_records_percentage")[:1]),
        matched_at=Subquery(last.values("finished_at")[:1]),
    )
    return [
        Finding(
            subject=app.app_id,
            title=f"{app.app_id}: matched records {float(app.matched):g}%, below {float(threshold):g}%",
            detail="Campaign ids or names of the cost may differ from the attribution links (af_c_id).",
            since=app.matched_at or now,
            link=_url("submissions:list", network) + f"?app={app.code}",
            app_id=app.pk,
        )
        for app in apps
        if app.matched is not None and app.matched < threshold
    ]


@condition_kind(
    "cost_gap",
    "Gap in cost",
    "An app that had cost every day has a day without cost in the last week.",
)
def cost_gap(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    first_day = now.date() - timedelta(days=GAP_PRIOR_DAYS.stop + 1)
    days: dict[int, set[date]] = defaultdict(set)
    for app_id, day in (
        CostGroupTotal.objects.filter(network=network, date__gte=first_day)
        .values_list("app_id", "date")
        .distinct()
    ):
        days[app_id].add(day)
    if not days:
        return []
    findings = []
    for app in App.objects.filter(network=network, pk__in=days, send_cost=True):
        today = now.astimezone(app.tz).date()
        prior = {today - timedelta(days=back) for back in GAP_PRIOR_DAYS}
        recent = sorted(today - timedelta(days=back) for back in GAP_RECENT_DAYS)
        missing = [day for day in recent if day not in days[app.pk]]
        if not prior <= days[app.pk] or not missing:
            continue
        findings.append(
            Finding(
                subject=app.app_id,
                title=f"{app.app_id} has no cost for {', '.join(f'{day:%Y-%m-%d}' for day in missing)}",
                detail="It had cost every day before. Upload the missing days (the next send carries them).",
                since=now,
                link=_url("costs:upload", network),
                app_id=app.pk,
            )
        )
    return findings


@condition_kind(
    "source_failed",
    "Source failed",
    "A source's latest run failed (the report or bucket could not be fetched, or nothing could be read).",
)
def source_failed(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    findings = []
    for source in Source.objects.filter(network=network, enabled=True).order_by("name"):
        runs = SourceRun.objects.filter(source=source, dry_run=False, outcome__in=SourceRun.FINAL)
        latest = runs.order_by("-finished_at", "-id").values("outcome", "finished_at", "error").first()
        if latest is None or latest["outcome"] != SourceRun.Outcome.FAILED:
            continue
        # Since the first failure after the last run that went through.
        last_good = runs.exclude(outcome=SourceRun.Outcome.FAILED).order_by("-finished_at").first()
        failing = runs.filter(outcome=SourceRun.Outcome.FAILED)
        if last_good is not None:
            failing = failing.filter(finished_at__gt=last_good.finished_at)
        first = failing.order_by("finished_at").values_list("finished_at", flat=True).first()
        findings.append(
            Finding(
                subject=str(source.code),
                title=f"The source {source.name} failed",
                detail=(latest["error"] or "The run failed.")[:500],
                since=first or latest["finished_at"],
                link=_url("sources:detail", network, source.code),
            )
        )
    return findings


@condition_kind(
    "source_stale",
    "Source brought nothing new",
    "No run of a source has brought new cost for longer than the source's setting.",
)
def source_stale(network: Network, now: datetime, limits: AlertSettings) -> list[Finding]:
    findings = []
    sources = Source.objects.filter(network=network, enabled=True, stale_after_hours__gt=0).order_by("name")
    for source in sources:
        last_new = (
            SourceRun.objects.filter(source=source, dry_run=False, groups_replaced__gt=0)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        since = last_new or source.created_at
        if now - since <= timedelta(hours=source.stale_after_hours):
            continue
        findings.append(
            Finding(
                subject=str(source.code),
                title=f"The source {source.name} has brought no new cost since {_at(since)}",
                detail=(
                    f"Its runs changed no cost for more than {source.stale_after_hours} hours: is the "
                    "report still updated, and does its URL or prefix still point at it?"
                ),
                since=since,
                link=_url("sources:detail", network, source.code),
            )
        )
    return findings
