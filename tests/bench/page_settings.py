"""Settings of the page-load bench's server: the product's, plus a trivial login-protected view
(the throughput baseline) that the product's URLconf never gets."""

from incost_portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.page_urls"
DEBUG = False
# Logging in is not what is measured: a fast hasher keeps 50 logins from taking the bench's minute.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
