"""Writes to tenants and their assets."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incost_portal.networks import token_vault
from incost_portal.networks.models import ApiToken, App, MediaSource, Membership, Network, Role

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


@transaction.atomic
def api_token_set(*, network: Network, plaintext: str, user: Any | None) -> ApiToken:
    """Store a new token for the network, encrypted; the one it replaces is revoked."""
    token = _token_clean(plaintext)
    now = timezone.now()
    ApiToken.objects.select_for_update().filter(network=network, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return ApiToken.objects.create(
        network=network,
        ciphertext=token_vault.encrypt(token),
        fingerprint=token_vault.fingerprint(token),
        last_four=token[-4:],
        created_by=user,
    )


def api_token_revoke(*, network: Network) -> int:
    return ApiToken.objects.filter(network=network, revoked_at__isnull=True).update(revoked_at=timezone.now())


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
