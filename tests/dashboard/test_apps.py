from tests.cast import BaseTestCase


class AppsPageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        self.login(self.reviewer)
        response = self.client.get(self.url("dashboard:apps"))
        self.assertContains(response, "id123456789")
        self.assertContains(response, "America/New_York")
        self.assertNotContains(response, "com.other.app")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("dashboard:apps")).status_code == 404

    def test_it_rejects_changes_from_reviewer(self) -> None:
        self.login(self.reviewer)
        assert self.client.post(self.url("dashboard:apps")).status_code == 403
