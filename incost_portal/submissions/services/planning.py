"""The send plan: which (app, date, media source) groups to send, packed into requests.

A group is sent when its content differs from what AppsFlyer last Applied for it, inside the
90-day window. A group already on its way (a submission not yet final) waits for the next plan:
two requests for one group in flight at once could be applied in either order. A group whose
last request failed validation waits until its content changes (or a user forces it).
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.incost.limiter import limiter_default
from incost_portal.networks.models import App, Network
from incost_portal.networks.selectors import api_token_active, send_schedule_for
from incost_portal.submissions.models import (
    IN_FLIGHT,
    Event,
    State,
    Submission,
    SubmissionEvent,
    SubmissionGroup,
    Trigger,
)
from incost_portal.submissions.packing import Group, Request, pack_requests
from incost_portal.submissions.payloads import payload_pack
from incost_portal.submissions.selectors import current_groups
from incost_portal.submissions.services.enqueue import send_enqueue_on_commit, send_plan_enqueue

logger = logging.getLogger(__name__)

# Calls each request is expected to use: the upload and at least one status read.
CALLS_PER_REQUEST = 2
# Sends no one asked for: recorded in the audit trail only when they made requests.
AUTOMATIC_TRIGGERS = (Trigger.SCHEDULE, Trigger.FOLLOW_UP, Trigger.FRESHNESS)


@dataclass
class GroupHistory:
    in_flight: bool = False
    in_flight_hash: str = ""  # the content of the request on its way
    applied_hash: str = ""
    failed_hash: str = ""


@dataclass
class SendPlan:
    """What a plan found and did; shown to the user who asked for it."""

    requests: int = 0
    queued_now: int = 0
    waiting_for_budget: int = 0
    budget_opens_at: datetime | None = None
    groups_sent: int = 0
    groups_unchanged: int = 0
    groups_in_flight: int = 0
    # Changed while a request carries them: planned again the moment that request ends.
    groups_following: int = 0
    groups_failed_unchanged: int = 0
    # Changed, but beyond the share of the budget this plan had (a scheduled or fresh send under
    # budget pressure): not frozen into a request, they go with their latest content in a later turn.
    groups_waiting_turn: int = 0
    apps_waiting_turn: int = 0
    groups_too_large: list[tuple[str, date, str, int]] = field(default_factory=list)
    apps_skipped: list[str] = field(default_factory=list)
    no_token: bool = False

    def summary(self) -> str:
        if self.no_token:
            return "Nothing was sent: the network has no AppsFlyer API token."
        parts = [f"{self.groups_sent} changed group(s) in {self.requests} request(s)"]
        if self.waiting_for_budget:
            parts.append(
                f"{self.waiting_for_budget} request(s) wait for tomorrow's call budget"
                + (f" (from {self.budget_opens_at:%Y-%m-%d %H:%M} UTC)" if self.budget_opens_at else "")
            )
        if self.groups_unchanged:
            parts.append(f"{self.groups_unchanged} unchanged group(s) not sent again")
        if self.groups_in_flight:
            parts.append(f"{self.groups_in_flight} group(s) already on their way")
        if self.groups_following:
            parts.append(
                f"{self.groups_following} group(s) changed while on their way: they follow by themselves "
                "as soon as those requests end"
            )
        if self.apps_waiting_turn:
            parts.append(
                f"{self.apps_waiting_turn} app(s) with changed cost wait their turn in the day's call "
                "budget (the longest-waiting go first)"
            )
        if self.groups_failed_unchanged:
            parts.append(f"{self.groups_failed_unchanged} group(s) still failing validation until fixed")
        if self.groups_too_large:
            parts.append(f"{len(self.groups_too_large)} group(s) over the size limit alone (ic311)")
        return "; ".join(parts) + "."

    def add(self, other: "SendPlan") -> None:
        """Count another plan's requests and groups into this one (a fair send plans app by app)."""
        for name in (
            "requests",
            "queued_now",
            "waiting_for_budget",
            "groups_sent",
            "groups_unchanged",
            "groups_in_flight",
            "groups_following",
            "groups_failed_unchanged",
            "groups_waiting_turn",
            "apps_waiting_turn",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.budget_opens_at = self.budget_opens_at or other.budget_opens_at
        self.groups_too_large.extend(other.groups_too_large)
        self.apps_skipped.extend(other.apps_skipped)
        self.no_token = self.no_token or other.no_token


def group_history(
    *, network: Network, app: App, date_from: date, date_to: date
) -> dict[tuple[date, str], GroupHistory]:
    """Per (date, media source): in flight now, and the content last Applied and last failed."""
    history: dict[tuple[date, str], GroupHistory] = {}
    rows = (
        SubmissionGroup.objects.filter(network=network, app=app, date__gte=date_from, date__lte=date_to)
        .order_by("submission__created_at", "submission_id")
        .values_list("date", "media_source", "content_hash", "submission__state")
    )
    for day, media_source, content_hash, state in rows.iterator(chunk_size=5000):
        entry = history.setdefault((day, media_source), GroupHistory())
        if state in IN_FLIGHT:
            entry.in_flight, entry.in_flight_hash = True, content_hash
        elif state == State.APPLIED:
            entry.applied_hash, entry.failed_hash = content_hash, ""
        elif state == State.FAILED:
            entry.failed_hash = content_hash
    return history


def app_window(app: App, *, now: datetime, days: int | None = None) -> tuple[date, date]:
    """The dates AppsFlyer accepts for the app, in its time zone: today and the 90 days before."""
    today = now.astimezone(app.tz).date()
    span = min(days or settings.INCOST_WINDOW_DAYS, settings.INCOST_WINDOW_DAYS)
    return today - timedelta(days=span), today


def _changed(
    groups: Iterable[Group],
    history: dict[tuple[date, str], GroupHistory],
    plan: SendPlan,
    force: bool,
    never_sent: set[tuple[date, str]],
) -> list[Group]:
    """The groups to send; `never_sent` gathers those AppsFlyer never had (no request ever ended)."""
    changed = []
    for group in groups:
        past = history.get((group.date, group.media_source), GroupHistory())
        if past.in_flight:
            if group.content_hash == past.in_flight_hash:
                plan.groups_in_flight += 1
            else:
                plan.groups_following += 1
            continue
        content_hash = group.content_hash
        if not force and content_hash == past.applied_hash:
            plan.groups_unchanged += 1
            continue
        if not force and content_hash == past.failed_hash:
            plan.groups_failed_unchanged += 1
            continue
        changed.append(group)
        if not (past.applied_hash or past.failed_hash):
            never_sent.add((group.date, group.media_source))
    return changed


def _by_priority(requests: list[Request], never_sent: set[tuple[date, str]]) -> list[Request]:
    """When not every request can go now: those with never-sent groups first, then the most
    recent dates (restatements of older days wait longest)."""

    def key(request: Request) -> tuple[bool, int]:
        fresh = any((g.date, g.media_source) in never_sent for g in request.groups)
        return (not fresh, -max(g.date for g in request.groups).toordinal())

    return sorted(requests, key=key)


def _budget_left(network: Network) -> int:
    token = api_token_active(network=network)
    if token is None:
        return 0
    try:
        return limiter_default().day_budget_left(token.fingerprint)
    except redis.RedisError:
        # Redis is down: plan as if the day were fresh. Nothing leaves without the limiter
        # anyway; the rows wait in the database until Redis is back.
        return settings.INCOST_CALLS_PER_DAY


def _submission_create(
    *, network: Network, app: App, request: Request, trigger: str, user: Any, due_at: datetime, state: State
) -> Submission:
    body = request.body()
    stored, codec = payload_pack(body)
    dates = [group.date for group in request.groups]
    submission = Submission.objects.create(
        network=network,
        app=app,
        state=state,
        trigger=trigger,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        payload=stored,
        payload_codec=codec,
        payload_stored_bytes=len(stored),
        payload_sha256=hashlib.sha256(body).hexdigest(),
        payload_bytes=len(body),
        row_count=request.row_count,
        currency=request.currency,
        granularity=request.granularity,
        date_from=min(dates),
        date_to=max(dates),
        spend_total=sum((group.spend for group in request.groups), Decimal(0)),
        due_at=due_at,
    )
    SubmissionGroup.objects.bulk_create(
        SubmissionGroup(
            submission=submission,
            network=network,
            app=app,
            date=group.date,
            media_source=group.media_source,
            content_hash=group.content_hash,
            row_count=len(group.rows),
            spend=group.spend,
        )
        for group in request.groups
    )
    SubmissionEvent.objects.create(
        submission=submission, kind=Event.PLANNED if state == State.PLANNED else Event.QUEUED
    )
    return submission


def send_plan_create(
    *,
    network: Network,
    trigger: str = Trigger.MANUAL,
    user: Any = None,
    days: int | None = None,
    force: bool = False,
    app_ids: Iterable[str] | None = None,
    only_groups: set[tuple[date, str]] | None = None,
    now: datetime | None = None,
) -> SendPlan:
    """Plan and queue the requests that bring AppsFlyer up to date with the network's current cost.

    Requests beyond what today's call budget allows are planned for when the budget opens again.
    `only_groups` limits the plan to those (date, media source) groups (a Resend).
    """
    now = now or timezone.now()
    plan = SendPlan()
    if api_token_active(network=network) is None:
        plan.no_token = True
        return plan
    apps = App.objects.filter(network=network).order_by("app_id")
    if app_ids is not None:
        apps = apps.filter(app_id__in=list(app_ids))
    budget_requests = _budget_left(network) // CALLS_PER_REQUEST
    for app in apps:
        app_plan_create(
            network=network,
            app=app,
            plan=plan,
            trigger=trigger,
            user=user,
            days=days,
            force=force,
            only_groups=only_groups,
            now=now,
            budget_requests=budget_requests,
        )
    send_plan_audit(network=network, plan=plan, trigger=trigger, user=user, days=days, force=force)
    return plan


def app_plan_create(
    *,
    network: Network,
    app: App,
    plan: SendPlan,
    trigger: str,
    now: datetime,
    budget_requests: int,
    user: Any = None,
    days: int | None = None,
    force: bool = False,
    only_groups: set[tuple[date, str]] | None = None,
    max_requests: int | None = None,
) -> None:
    """Plan one app's changed groups into `plan`.

    Up to `budget_requests` (counted over the whole plan by `plan.queued_now`) are queued now, the
    rest planned for tomorrow's budget; or, with `max_requests` (a share of the budget, see
    services.budget), only that many are made, never-sent groups and recent dates first, and the
    other changed groups are left to a later turn (with whatever content they have then).
    """
    if not (app.enabled and app.send_cost):
        plan.apps_skipped.append(app.app_id)
        return
    date_from, date_to = app_window(app, now=now, days=days)
    tomorrow = now + timedelta(days=1)
    with transaction.atomic():
        # One planner at a time per network: two plans must not both see a group as not in flight.
        Network.objects.select_for_update().filter(pk=network.pk).first()
        history = group_history(network=network, app=app, date_from=date_from, date_to=date_to)
        groups = current_groups(network=network, app=app, date_from=date_from, date_to=date_to)
        if only_groups is not None:
            groups = (g for g in groups if (g.date, g.media_source) in only_groups)
        never_sent: set[tuple[date, str]] = set()
        requests, oversized = pack_requests(
            _changed(groups, history, plan, force, never_sent), max_bytes=settings.INCOST_MAX_REQUEST_BYTES
        )
        plan.groups_too_large.extend((g.app_id, g.date, g.media_source, g.weight + 1) for g in oversized)
        if max_requests is not None and len(requests) > max_requests:
            requests = _by_priority(requests, never_sent)
            later = requests[max_requests:]
            requests = requests[:max_requests]
            plan.groups_waiting_turn += sum(len(r.groups) for r in later)
            plan.apps_waiting_turn += 1
        for request in requests:
            within_budget = plan.queued_now < budget_requests
            state = State.QUEUED if within_budget else State.PLANNED
            submission = _submission_create(
                network=network,
                app=app,
                request=request,
                trigger=trigger,
                user=user,
                due_at=now if within_budget else tomorrow,
                state=state,
            )
            plan.requests += 1
            plan.groups_sent += len(request.groups)
            if within_budget:
                plan.queued_now += 1
                send_enqueue_on_commit(submission.pk, submission.due_at)
            else:
                plan.waiting_for_budget += 1
                plan.budget_opens_at = tomorrow


def send_plan_audit(
    *,
    network: Network,
    plan: SendPlan,
    trigger: str,
    user: Any = None,
    days: int | None = None,
    force: bool = False,
) -> None:
    """One audit line a plan; sends no one asked for are recorded only when they made requests, and
    the freshness tick's not at all (every few minutes: its requests say "Fresh send" on Jobs)."""
    if trigger == Trigger.FRESHNESS:
        return
    if plan.requests or trigger not in AUTOMATIC_TRIGGERS:
        action = Action.BACKFILL_REQUESTED if trigger == Trigger.BACKFILL else Action.SEND_REQUESTED
        audit_record(
            network=network,
            actor=user,
            action=action,
            target=f"{plan.requests} request(s)",
            detail={
                "trigger": trigger,
                "groups": plan.groups_sent,
                "days": days,
                "force": force,
            },
        )


def submission_resend(*, network: Network, submission: Submission, user: Any) -> SendPlan:
    """Send the groups of a submission again, with their current content, even if unchanged."""
    groups = set(SubmissionGroup.objects.filter(submission=submission).values_list("date", "media_source"))
    return send_plan_create(
        network=network,
        trigger=Trigger.RESEND,
        user=user,
        force=True,
        app_ids=[submission.app.app_id],
        only_groups=groups,
    )


def backfill_on_activation(*, network: Network, user: Any) -> bool:
    """On a network's first token, backfill the schedule's window at once rather than at the next slot.

    Returns whether a backfill was queued (only when nothing was ever sent for the network).
    """
    if Submission.objects.filter(network=network).exists():
        return False
    days = send_schedule_for(network=network).backfill_days
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    transaction.on_commit(
        lambda: send_plan_enqueue(network_id=network.pk, trigger=Trigger.BACKFILL, user_id=user_id, days=days)
    )
    return True


def follow_up_plan(*, submission_id: int) -> SendPlan | None:
    """Once a request has ended, plan again the groups it carried: those that changed meanwhile go
    now (no one has to press Send now), the unchanged ones are skipped as always."""
    submission = Submission.objects.select_related("network", "app").filter(pk=submission_id).first()
    if submission is None or not submission.is_terminal:
        return None
    groups = set(SubmissionGroup.objects.filter(submission=submission).values_list("date", "media_source"))
    return send_plan_create(
        network=submission.network,
        trigger=Trigger.FOLLOW_UP,
        app_ids=[submission.app.app_id],
        only_groups=groups,
    )
