from typing import Any

from django.db.models import Model

from incost_portal.audit.models import Action, AuditEvent


def audit_record(
    *,
    network: Model,
    actor: Any | None,
    action: Action,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Note an action in the network's audit trail. Never pass secrets in `detail`.

    `network` is a networks.Network; typed as a model because audit sits below networks."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        network=network, actor=user, action=action, target=target[:300], detail=detail or {}
    )
