"""Production settings: `DJANGO_SETTINGS_MODULE=incost_portal.production`.

Behind a TLS-terminating proxy that sets X-Forwarded-Proto. Refuses to start without a real
SECRET_KEY and TOKEN_ENCRYPTION_KEYS.
"""

import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from incost_portal.env import env_bool, env_int
from incost_portal.settings import *  # noqa: F403
from incost_portal.settings import DEV_SECRET_KEY, SECRET_KEY, STORAGES_DEFAULT

# Django's own test for a weak key (check --deploy's W009): fewer than 5 different characters.
if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random value of 50 characters or more (of at least 5 different characters)."
    )
if not os.environ.get("TOKEN_ENCRYPTION_KEYS"):
    raise ImproperlyConfigured("Set TOKEN_ENCRYPTION_KEYS to one or more Fernet keys, newest first.")
for _position, _key in enumerate(TOKEN_ENCRYPTION_KEYS, start=1):  # noqa: F405
    try:
        Fernet(_key)
    except (ValueError, TypeError):
        # The position only: a key, even a broken one, is never printed.
        raise ImproperlyConfigured(
            f"TOKEN_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe base64-encoded "
            "bytes); make one with Fernet.generate_key()."
        ) from None

DEBUG = False
WHITENOISE_USE_FINDERS = False
STORAGES = {
    **STORAGES_DEFAULT,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
