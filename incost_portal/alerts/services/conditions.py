"""Opening and resolving conditions, and what members do with them (acknowledge, mute).

`conditions_evaluate` runs every evaluator of the registry on a network: what is found and not
open is opened, what is open and no longer found is resolved. Each open and each resolve is
announced once (deliveries written in the same transaction, an outbox), with two exceptions:

- flapping: a condition that opens again within ALERT_FLAP_MINUTES of the last resolve of the same
  kind and subject is held back, and announced only if it is still open when that time is over; if
  it resolves before, neither its open nor its resolve is sent (at most one open and one resolve
  message per subject in ALERT_FLAP_MINUTES);
- mute: a muted condition sends nothing until the mute ends (then its open, if it was never sent).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from incost_portal.alerts import evaluators  # noqa: F401 (registers the kinds)
from incost_portal.alerts.kinds import REGISTRY, Finding
from incost_portal.alerts.models import Condition, Delivery
from incost_portal.alerts.selectors import alert_settings_for
from incost_portal.alerts.services.deliveries import deliveries_create
from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.networks.models import Network

logger = logging.getLogger(__name__)
MUTE_MAX_HOURS = 24 * 30


@dataclass
class Evaluation:
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    announced: int = 0
    failed_kinds: list[str] = field(default_factory=list)


def _findings(network: Network, now: datetime, evaluation: Evaluation) -> dict[tuple[str, str], Finding]:
    limits = alert_settings_for(network=network)
    found: dict[tuple[str, str], Finding] = {}
    for kind in REGISTRY.values():
        try:
            for finding in kind.evaluate(network, now, limits):
                found[(kind.name, finding.subject)] = finding
        except Exception:
            # One broken evaluator must not silence the others; its conditions stay as they are.
            logger.exception("Evaluating %s for network %s failed", kind.name, network.pk)
            evaluation.failed_kinds.append(kind.name)
    return found


def _condition_open(network: Network, kind: str, finding: Finding, now: datetime) -> Condition | None:
    last = (
        Condition.objects.filter(
            network=network, kind=kind, subject=finding.subject, resolved_at__isnull=False
        )
        .order_by("-resolved_at")
        .first()
    )
    hold = None
    if (
        last is not None
        and last.resolved_at
        and now - last.resolved_at < timedelta(minutes=settings.ALERT_FLAP_MINUTES)
    ):
        hold = last.resolved_at + timedelta(minutes=settings.ALERT_FLAP_MINUTES)
    # A mute is on the subject: it carries over to the next occurrence.
    muted = last.muted_until if last is not None and last.muted_until and last.muted_until > now else None
    try:
        with transaction.atomic():
            return Condition.objects.create(
                network=network,
                kind=kind,
                subject=finding.subject,
                app_id=finding.app_id,
                title=finding.title[:300],
                detail=finding.detail,
                link=finding.link[:300],
                since=min(finding.since, now),
                announce_after=hold,
                muted_until=muted,
                muted_by=last.muted_by if muted and last else None,
            )
    except IntegrityError:
        return None  # another evaluation opened it a moment ago


def _announce_due(condition: Condition, now: datetime) -> bool:
    if condition.announced_at is not None or condition.resolved_at is not None:
        return False
    held = condition.announce_after is not None and condition.announce_after > now
    muted = condition.muted_until is not None and condition.muted_until > now
    return not held and not muted


def _announce(condition: Condition, event: str, now: datetime) -> bool:
    """Mark the event announced (conditionally, so two evaluations never both send) and write its
    deliveries in the same transaction."""
    column = "announced_at" if event == Delivery.Event.OPENED else "resolve_announced_at"
    with transaction.atomic():
        if (
            Condition.objects.filter(pk=condition.pk, **{f"{column}__isnull": True}).update(**{column: now})
            != 1
        ):
            return False
        setattr(condition, column, now)
        deliveries_create(condition=condition, event=event, now=now)
    return True


def conditions_evaluate(*, network: Network, now: datetime | None = None) -> Evaluation:
    """Open what the evaluators find, resolve what they no longer find, announce what is due."""
    now = now or timezone.now()
    evaluation = Evaluation()
    found = _findings(network, now, evaluation)
    open_now = {
        (c.kind, c.subject): c for c in Condition.objects.filter(network=network, resolved_at__isnull=True)
    }

    for key, condition in open_now.items():
        if key in found or condition.kind in evaluation.failed_kinds or condition.kind not in REGISTRY:
            continue
        if Condition.objects.filter(pk=condition.pk, resolved_at__isnull=True).update(resolved_at=now) != 1:
            continue
        condition.resolved_at = now
        evaluation.resolved.append(f"{condition.kind}:{condition.subject}")
        muted = condition.muted_until is not None and condition.muted_until > now
        if condition.announced_at is not None and not muted:
            evaluation.announced += _announce(condition, Delivery.Event.RESOLVED, now)

    for (kind, _subject), finding in found.items():
        condition = open_now.get((kind, finding.subject))
        if condition is None:
            condition = _condition_open(network, kind, finding, now)
            if condition is None:
                continue
            evaluation.opened.append(f"{kind}:{finding.subject}")
        if _announce_due(condition, now):
            evaluation.announced += _announce(condition, Delivery.Event.OPENED, now)
    if evaluation.opened or evaluation.resolved:
        logger.info("Alerts of %s: %s", network.slug, evaluation)
    return evaluation


def condition_acknowledge(*, network: Network, condition: Condition, user: Any) -> Condition:
    """Note that someone is on it (who and when); messages go on as before."""
    now = timezone.now()
    Condition.objects.filter(pk=condition.pk, network=network).update(
        acknowledged_at=now, acknowledged_by=user
    )
    condition.acknowledged_at, condition.acknowledged_by = now, user
    audit_record(
        network=network,
        actor=user,
        action=Action.ALERT_ACKNOWLEDGED,
        target=condition.title,
        detail={"kind": condition.kind},
    )
    return condition


def condition_mute(*, network: Network, condition: Condition, hours: int, user: Any) -> Condition:
    """Send nothing about this condition (and the next of its kind and subject) for `hours`."""
    if not 1 <= hours <= MUTE_MAX_HOURS:
        raise ValueError(f"Mute for 1 to {MUTE_MAX_HOURS} hours.")
    until = timezone.now() + timedelta(hours=hours)
    Condition.objects.filter(pk=condition.pk, network=network).update(muted_until=until, muted_by=user)
    condition.muted_until, condition.muted_by = until, user
    audit_record(
        network=network,
        actor=user,
        action=Action.ALERT_MUTED,
        target=condition.title,
        detail={"kind": condition.kind, "hours": hours, "until": f"{until:%Y-%m-%d %H:%M} UTC"},
    )
    return condition
