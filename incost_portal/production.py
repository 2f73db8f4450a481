"""Production settings: `DJANGO_SETTINGS_MODULE=incost_portal.production`.

Behind a TLS-terminating proxy that sets X-Forwarded-Proto. Refuses to start without a real
SECRET_KEY and TOKEN_ENCRYPTION_KEYS.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from incost_portal.env import env_bool, env_int
from incost_portal.settings import *  # noqa: F403
from incost_portal.settings import DEV_SECRET_KEY, SECRET_KEY, STORAGES_DEFAULT

if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of 50 characters or more.")
if not os.environ.get("TOKEN_ENCRYPTION_KEYS"):
    raise ImproperlyConfigured("Set TOKEN_ENCRYPTION_KEYS to one or more Fernet keys, newest first.")

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
