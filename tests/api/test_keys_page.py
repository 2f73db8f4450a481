"""Settings, API keys: admins create a key (shown once), see the list (never a secret), revoke."""

from incost_portal.api.models import ApiKey, Scope
from incost_portal.api.services import api_key_authenticate, api_key_create
from incost_portal.audit.models import Action, AuditEvent
from tests.cast import BaseTestCase


class ApiKeysPageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        made = api_key_create(network=self.network, name="nightly export", scope=Scope.READ, user=self.admin)
        self.login(self.admin)
        response = self.client.get(self.url("api_keys:list"))
        self.assertContains(response, "nightly export")
        self.assertContains(response, f"{made.key.prefix}…")
        self.assertContains(response, "Read only")
        self.assertContains(response, "UTC by alice")  # created when (with its time zone) and by whom
        self.assertContains(response, "never")  # last used
        self.assertContains(response, 'href="/api/v1/docs"')
        self.assertContains(response, "http://testserver/incost/")
        assert made.secret not in response.content.decode()

    def test_a_new_key_is_shown_once_and_never_again(self) -> None:
        self.login(self.admin)
        response = self.client.post(self.url("api_keys:list"), {"name": "ETL", "scope": "write"})
        key = ApiKey.objects.get(network=self.network, name="ETL")
        page = response.content.decode()
        start = page.index('id="new-api-key"')
        secret = page[page.index('value="', start - 80) + 7 :].split('"', 1)[0]
        assert secret.startswith(key.prefix) and api_key_authenticate(secret) == key
        assert key.scope == Scope.WRITE and key.created_by == self.admin
        self.assertContains(response, "shown only this once")
        self.assertContains(response, 'data-copy="new-api-key"')
        # Never again: not on the list, not in the next answer, not in a message cookie.
        again = self.client.get(self.url("api_keys:list"))
        assert secret not in again.content.decode() and "new-api-key" not in again.content.decode()
        assert secret not in str(self.client.cookies)
        assert AuditEvent.objects.filter(network=self.network, action=Action.API_KEY_CREATED).count() == 1

    def test_a_form_with_an_error_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(self.url("api_keys:list"), {"name": "   ", "scope": "read"})
        self.assertContains(response, "This field is required")
        self.assertContains(response, '<option value="read" selected>')
        assert not ApiKey.objects.exists()
        response = self.client.post(self.url("api_keys:list"), {"name": "x", "scope": "admin"})
        self.assertContains(response, "Select a valid choice")
        self.assertContains(response, 'value="x"')

    def test_revoke(self) -> None:
        made = api_key_create(network=self.network, name="old", scope=Scope.WRITE, user=self.admin)
        self.login(self.admin)
        revoke = self.url("api_keys:revoke", made.key.prefix)
        assert self.client.get(revoke).status_code == 405
        response = self.client.post(revoke, follow=True)
        self.assertContains(response, "no longer works")
        self.assertContains(response, "Revoked ")
        self.assertContains(response, " by alice")
        made.key.refresh_from_db()
        assert made.key.revoked_at is not None and made.key.revoked_by == self.admin
        assert AuditEvent.objects.filter(network=self.network, action=Action.API_KEY_REVOKED).count() == 1
        self.assertNotContains(response, f'action="{revoke}"')  # nothing left to revoke

    def test_it_checks_membership(self) -> None:
        foreign = api_key_create(network=self.cast.other_network, name="theirs", user=self.outsider)
        self.login(self.outsider)
        assert self.client.get(self.url("api_keys:list")).status_code == 404
        self.login(self.admin)
        # Another network's key, by its prefix in this network's URL: not found, and not revoked.
        assert self.client.post(self.url("api_keys:revoke", foreign.key.prefix)).status_code == 404
        foreign.key.refresh_from_db()
        assert foreign.key.revoked_at is None

    def test_only_admins_see_or_change_it(self) -> None:
        made = api_key_create(network=self.network, name="k", user=self.admin)
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.get(self.url("api_keys:list")).status_code == 403
            assert (
                self.client.post(self.url("api_keys:list"), {"name": "x", "scope": "write"}).status_code
                == 403
            )
            assert self.client.post(self.url("api_keys:revoke", made.key.prefix)).status_code == 403
            # Their Settings menu does not offer it.
            self.assertNotContains(self.client.get(self.url("networks:settings")), "API keys")
        assert ApiKey.objects.count() == 1 and ApiKey.objects.get().revoked_at is None

    def test_the_settings_menu_and_the_main_navigation_link_to_it_and_to_the_api_docs(self) -> None:
        self.login(self.admin)
        response = self.client.get(self.url("networks:settings"))
        self.assertContains(response, f'href="{self.url("api_keys:list")}"')
        # Both renderings of the main links (top bar and narrow menu) carry the docs link.
        assert response.content.decode().count('href="/api/v1/docs"') == 2
