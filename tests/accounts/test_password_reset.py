"""Password reset emails: sent, and refused past a few an hour per address and per client."""

import redis
from django.conf import settings
from django.core import mail
from django.test import override_settings

from tests.cast import BaseTestCase


class PasswordResetTestCase(BaseTestCase):
    def setUp(self) -> None:
        connection = redis.Redis.from_url(settings.REDIS_URL)
        for key in connection.scan_iter("incost:pwreset:*"):
            connection.delete(key)

    def ask(self, email: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
        return self.client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=ip)

    def test_it_sends_the_link(self) -> None:
        self.assertRedirects(self.ask("olga@example.org"), "/accounts/password/reset/sent/")
        assert len(mail.outbox) == 1 and "olga@example.org" in mail.outbox[0].to

    @override_settings(PASSWORD_RESET_PER_ADDRESS=3)
    def test_an_address_gets_a_few_links_an_hour(self) -> None:
        for _ in range(3):
            self.assertRedirects(self.ask("olga@example.org"), "/accounts/password/reset/sent/")
        refused = self.ask("OLGA@example.org ", ip="10.0.0.2")  # the same address, written otherwise
        assert refused.status_code == 200
        self.assertContains(refused, "Too many reset links")
        self.assertContains(refused, 'value="OLGA@example.org "')  # what was typed is kept
        assert len(mail.outbox) == 3
        # Another address is not held by olga's.
        self.assertRedirects(self.ask("rita@example.org", ip="10.0.0.2"), "/accounts/password/reset/sent/")

    @override_settings(PASSWORD_RESET_PER_CLIENT=4, PASSWORD_RESET_PER_ADDRESS=100)
    def test_a_client_cannot_spray_addresses(self) -> None:
        for n in range(4):
            self.assertRedirects(self.ask(f"someone{n}@example.org"), "/accounts/password/reset/sent/")
        self.assertContains(self.ask("olga@example.org"), "Too many reset links")
        assert not mail.outbox  # none of those addresses has an account: nothing was sent
        self.assertRedirects(self.ask("olga@example.org", ip="10.0.0.9"), "/accounts/password/reset/sent/")
        assert len(mail.outbox) == 1

    def test_redis_keys_hold_no_address(self) -> None:
        self.ask("olga@example.org")
        keys = [
            key.decode() for key in redis.Redis.from_url(settings.REDIS_URL).scan_iter("incost:pwreset:*")
        ]
        assert keys and not any("olga" in key for key in keys)
