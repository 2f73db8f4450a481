from incost_portal.networks.services import api_token_set
from tests.cast import BaseTestCase


class SettingsPageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        token = "eyJhbGciOi" + "Q" * 720 + "9zTk"
        api_token_set(network=self.network, plaintext=token, user=self.admin)
        self.login(self.admin)
        response = self.client.get(self.url("networks:settings"))
        self.assertContains(response, "…9zTk")
        self.assertContains(response, "acme_int")
        self.assertContains(response, "rita@example.org")
        self.assertNotContains(response, "oscar")
        assert token[:30] not in response.content.decode()

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("networks:settings")).status_code == 404

    def test_it_rejects_changes_from_reviewer(self) -> None:
        self.login(self.reviewer)
        assert self.client.post(self.url("networks:settings")).status_code == 403
