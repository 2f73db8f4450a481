"""Writes to tenants and their assets."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.networks import token_vault
from incost_portal.networks.models import (
    ApiToken,
    App,
    Freshness,
    Invitation,
    MediaSource,
    Membership,
    Network,
    Role,
    SendSchedule,
)

TOKEN_MIN_LENGTH = 20
TOKEN_MAX_LENGTH = 8192


def network_create(*, name: str, slug: str, api_base_url: str = "") -> Network:
    network = Network(name=name, slug=slug, api_base_url=api_base_url)
    network.full_clean()
    network.save()
    return network


def membership_set(*, network: Network, user: Any, role: str) -> Membership:
    """Add a user to a network with a role, or change the role they have."""
    membership, _ = Membership.objects.update_or_create(
        network=network, user=user, defaults={"role": Role(role)}
    )
    return membership


def media_source_create(
    *, network: Network, name: str, kind: str = MediaSource.Kind.MEDIA_SOURCE
) -> MediaSource:
    source = MediaSource(network=network, name=name.strip(), kind=kind)
    source.full_clean()
    source.save()
    return source


def app_create(*, network: Network, app_id: str, **fields: Any) -> App:
    app = App(network=network, app_id=app_id, **fields)
    app.full_clean()
    app.save()
    return app


@sensitive_variables("plaintext", "token")
def _token_clean(plaintext: str) -> str:
    token = plaintext.strip()
    if len(token) < TOKEN_MIN_LENGTH:
        raise ValidationError(
            "That is too short to be an AppsFlyer V2.0 API token (they run to 700+ characters)."
        )
    if len(token) > TOKEN_MAX_LENGTH:
        raise ValidationError(
            f"That is longer than any AppsFlyer token ({TOKEN_MAX_LENGTH} characters at most)."
        )
    if any(ch.isspace() or not ch.isprintable() or not ch.isascii() for ch in token):
        raise ValidationError("The token holds spaces, line breaks or other characters a token never has.")
    return token


# Error reports (DEBUG off: the ADMINS email, the log) show no frame variable holding the token;
# the transaction is a `with`, as a decorator's frame would hold the arguments unfiltered.
@sensitive_variables("plaintext", "token")
def api_token_set(*, network: Network, plaintext: str, user: Any | None) -> ApiToken:
    """Store a new token for the network, encrypted; the one it replaces is revoked."""
    token = _token_clean(plaintext)
    with transaction.atomic():
        now = timezone.now()
        ApiToken.objects.select_for_update().filter(network=network, revoked_at__isnull=True).update(
            revoked_at=now
        )
        stored = ApiToken.objects.create(
            network=network,
            ciphertext=token_vault.encrypt(token),
            fingerprint=token_vault.fingerprint(token),
            last_four=token[-4:],
            created_by=user,
        )
        audit_record(
            network=network,
            actor=user,
            action=Action.TOKEN_ADDED,
            target=f"token …{stored.last_four}",
            detail={"fingerprint": stored.short_fingerprint},
        )
    return stored


def api_token_revoke(*, network: Network, actor: Any) -> int:
    """Revoke the network's active token; nothing is sent until a new one is stored."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.select_for_update().filter(network=network, revoked_at__isnull=True))
        for token in tokens:
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
            audit_record(
                network=network,
                actor=actor,
                action=Action.TOKEN_REVOKED,
                target=f"token …{token.last_four}",
                detail={"fingerprint": token.short_fingerprint},
            )
    return len(tokens)


@sensitive_variables("plaintext")
def api_token_plaintext(*, token: ApiToken) -> str:
    """Decrypt a token for an outbound call and note its use. Never log or store the result."""
    plaintext = token_vault.decrypt(token.ciphertext)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return plaintext


def api_token_keys_rotate() -> int:
    """Re-encrypt every stored token under the newest of TOKEN_ENCRYPTION_KEYS; returns the count."""
    count = 0
    with transaction.atomic():
        for token in ApiToken.objects.select_for_update().only("pk", "ciphertext"):
            ApiToken.objects.filter(pk=token.pk).update(ciphertext=token_vault.rotate(token.ciphertext))
            count += 1
    return count


def user_ensure(*, username: str, email: str, password: str, **fields: Any) -> Any:
    """Create a user or reset an existing one's password (used by seed_demo)."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email, **fields})
    user.email = email
    user.set_password(password)
    user.save()
    return user


# --- Members and invitations -------------------------------------------------------------------

INVITATION_DAYS = 7


class LastAdminError(ValidationError):
    """A change would leave the network without an admin."""


def _invitation_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def member_invite(
    *, network: Network, email: str, role: str, invited_by: Any, base_url: str
) -> tuple[Invitation, str]:
    """Create a one-time invitation and email its link; returns the invitation and the link.

    The link is built on SITE_URL when set, else on `base_url` (the address the admin's request
    came in on), so it reaches the portal that made it."""
    email = email.strip().lower()
    if Membership.objects.filter(network=network, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of {network.name}.")
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        network=network,
        email=email,
        role=Role(role),
        secret_digest=_invitation_digest(secret),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    link = (settings.SITE_URL or base_url).rstrip("/") + reverse("invitation_accept", args=[secret])
    send_mail(
        subject=f"You are invited to {network.name} on InCost Portal",
        message=(
            f"{invited_by.get_username() if invited_by else 'An admin'} invited you to {network.name} "
            f"as {Role(role).label}.\n\nAccept (the link works once, for {INVITATION_DAYS} days):\n{link}\n"
        ),
        from_email=None,
        recipient_list=[email],
    )
    audit_record(
        network=network, actor=invited_by, action=Action.MEMBER_INVITED, target=email, detail={"role": role}
    )
    return invitation, link


def invitation_open(*, secret: str) -> Invitation | None:
    """The invitation behind a link, if it can still be used."""
    invitation = (
        Invitation.objects.select_related("network").filter(secret_digest=_invitation_digest(secret)).first()
    )
    if invitation is None or not invitation.is_open(timezone.now()):
        return None
    return invitation


def invitation_is_for(*, invitation: Invitation, user: Any) -> bool:
    """Whether the invitation was sent to this account's email address: a link is not a key that
    any account holding it may use."""
    email = (getattr(user, "email", "") or "").strip().lower()
    return bool(email) and email == invitation.email.strip().lower()


@transaction.atomic
def invitation_accept(*, secret: str, user: Any) -> Membership:
    """Make the user a member with the invited role; the link cannot be used again."""
    invitation = invitation_open(secret=secret)
    if invitation is None:
        raise ValidationError("This invitation link has been used, revoked or has expired.")
    if not invitation_is_for(invitation=invitation, user=user):
        raise PermissionDenied(
            f"This invitation was sent to {invitation.email}, not to this account's address."
        )
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now(), accepted_by=user
    )
    if claimed != 1:  # someone else used it a moment ago
        raise ValidationError("This invitation link has been used already.")
    existing = Membership.objects.filter(network=invitation.network, user=user).first()
    if existing is not None:
        return existing  # never lower the role of someone who was already in
    membership = Membership.objects.create(network=invitation.network, user=user, role=invitation.role)
    audit_record(
        network=invitation.network,
        actor=user,
        action=Action.MEMBER_JOINED,
        target=user.get_username(),
        detail={"role": invitation.role, "email": invitation.email},
    )
    return membership


@transaction.atomic
def invitation_accept_new_user(*, secret: str, username: str, password: str) -> Any:
    """Create an account for the invited email address and accept the invitation with it, together."""
    invitation = invitation_open(secret=secret)
    if invitation is None:
        raise ValidationError("This invitation link has been used, revoked or has expired.")
    user = get_user_model().objects.create_user(username=username, email=invitation.email, password=password)
    invitation_accept(secret=secret, user=user)
    return user


def invitation_revoke(*, network: Network, invitation: Invitation, actor: Any) -> None:
    Invitation.objects.filter(pk=invitation.pk, network=network, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(network=network, actor=actor, action=Action.INVITATION_REVOKED, target=invitation.email)


def _other_admins_locked(network: Network, membership: Membership) -> int:
    """Count the other admins, locking their rows so two demotions cannot race past the check."""
    admins = (
        Membership.objects.select_for_update()
        .filter(network=network, role=Role.ADMIN)
        .exclude(pk=membership.pk)
    )
    return len(list(admins))


@transaction.atomic
def membership_role_change(*, network: Network, membership: Membership, role: str, actor: Any) -> Membership:
    role = Role(role)
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and _other_admins_locked(network, membership) == 0
    ):
        raise LastAdminError(
            f"{membership.user.get_username()} is the last admin: make someone else admin first."
        )
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        network=network,
        actor=actor,
        action=Action.MEMBER_ROLE_CHANGED,
        target=membership.user.get_username(),
        detail={"from": before, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, network: Network, membership: Membership, actor: Any) -> None:
    if membership.role == Role.ADMIN and _other_admins_locked(network, membership) == 0:
        raise LastAdminError(f"{membership.user.get_username()} is the last admin and cannot be removed.")
    username = membership.user.get_username()
    membership.delete()
    audit_record(network=network, actor=actor, action=Action.MEMBER_REMOVED, target=username)


# --- Media sources, apps, schedule ------------------------------------------------------------


def media_source_add(*, network: Network, name: str, kind: str, actor: Any) -> MediaSource:
    if MediaSource.objects.filter(network=network, kind=kind, name=name.strip()).exists():
        raise ValidationError(f"{name.strip()} is registered already.")
    source = media_source_create(network=network, name=name, kind=kind)
    audit_record(
        network=network,
        actor=actor,
        action=Action.MEDIA_SOURCE_ADDED,
        target=source.name,
        detail={"kind": kind},
    )
    return source


def media_source_remove(*, network: Network, source: MediaSource, actor: Any) -> None:
    name, kind = source.name, source.kind
    source.delete()
    audit_record(
        network=network, actor=actor, action=Action.MEDIA_SOURCE_REMOVED, target=name, detail={"kind": kind}
    )


def app_send_cost_set(*, network: Network, app: App, send_cost: bool, actor: Any) -> App:
    App.objects.filter(pk=app.pk, network=network).update(send_cost=send_cost)
    app.send_cost = send_cost
    audit_record(
        network=network,
        actor=actor,
        action=Action.APP_TOGGLED,
        target=app.app_id,
        detail={"send_cost": send_cost},
    )
    return app


def send_schedule_update(
    *,
    network: Network,
    enabled: bool,
    send_times: list[str],
    backfill_days: int,
    actor: Any,
    freshness: str | None = None,
) -> SendSchedule:
    """Save the network's schedule. `freshness` (a Freshness value) None or empty keeps the current
    one: whether changed cost also goes out between send times as the budget allows."""
    times = sorted(set(send_times))
    defaults: dict[str, Any] = {"enabled": enabled, "send_times": times, "backfill_days": backfill_days}
    if freshness:
        if freshness not in Freshness.values:
            raise ValueError(f"freshness must be one of {', '.join(Freshness.values)}")
        defaults["freshness"] = freshness
    schedule, _ = SendSchedule.objects.update_or_create(network=network, defaults=defaults)
    audit_record(
        network=network,
        actor=actor,
        action=Action.SCHEDULE_CHANGED,
        target="send schedule",
        detail={
            "enabled": enabled,
            "send_times": times,
            "backfill_days": backfill_days,
            "freshness": schedule.freshness,
        },
    )
    return schedule
