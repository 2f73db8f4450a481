from typing import Any

from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks.models import Network


def audit_record(
    *,
    network: Network,
    actor: Any | None,
    action: Action,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Note an action in the network's audit trail. Never pass secrets in `detail`."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        network=network, actor=user, action=action, target=target[:300], detail=detail or {}
    )
