"""Encryption of AppsFlyer tokens at rest, with key rotation (cryptography's MultiFernet).

TOKEN_ENCRYPTION_KEYS lists Fernet keys newest first: new ciphertext uses the first key, and any
key in the list decrypts, so a new key can be put first and old tokens re-encrypted later
(`manage.py rotate_token_keys`).
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables


class TokenDecryptError(Exception):
    """The stored token cannot be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        # Never include the keys themselves in the message.
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes; make one with `manage.py make_token_key`)."
        ) from None


def _vault() -> MultiFernet:
    keys = tuple(settings.TOKEN_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty.")
    return _fernet(keys)


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> bytes:
    return _vault().encrypt(plaintext.encode())


@sensitive_variables()
def decrypt(ciphertext: bytes) -> str:
    try:
        return _vault().decrypt(bytes(ciphertext)).decode()
    except InvalidToken:
        raise TokenDecryptError(
            "The stored AppsFlyer token cannot be decrypted with TOKEN_ENCRYPTION_KEYS."
        ) from None


def rotate(ciphertext: bytes) -> bytes:
    """Re-encrypt under the newest key."""
    try:
        return _vault().rotate(bytes(ciphertext))
    except InvalidToken:
        raise TokenDecryptError(
            "The stored AppsFlyer token cannot be decrypted with TOKEN_ENCRYPTION_KEYS."
        ) from None


@sensitive_variables("plaintext")
def fingerprint(plaintext: str) -> str:
    """A keyed digest that identifies a token without revealing it (HMAC keyed by SECRET_KEY)."""
    return hmac.new(settings.SECRET_KEY.encode(), plaintext.encode(), hashlib.sha256).hexdigest()


def new_key() -> str:
    return Fernet.generate_key().decode()
