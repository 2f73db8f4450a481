from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Model, QuerySet

from incost_portal.audit.models import AuditEvent


def audit_event_list(
    *,
    network: Model,
    action: str = "",
    actor_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """A network's audit trail, newest first, filtered by action, actor and UTC date range.

    `network` is a networks.Network; typed as a model because audit sits below networks."""
    events = AuditEvent.objects.filter(network=network).select_related("actor")
    if action:
        events = events.filter(action=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if date_from:
        events = events.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=UTC))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
        events = events.filter(created_at__lt=end)
    return events
