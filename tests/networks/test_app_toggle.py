"""The Apps page's send-cost toggle."""

from incost_portal.networks.models import App
from tests.cast import BaseTestCase


class AppToggleTestCase(BaseTestCase):
    def test_it_toggles_with_htmx(self) -> None:
        self.login(self.admin)
        app = self.cast.ios_app
        response = self.client.post(
            self.url("networks:app_send_cost", app.code), {}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "Off")
        assert not App.objects.get(pk=app.pk).send_cost
        self.client.post(self.url("networks:app_send_cost", app.code), {"send_cost": "on"})
        assert App.objects.get(pk=app.pk).send_cost

    def test_it_checks_membership_and_role(self) -> None:
        self.login(self.admin)
        assert (
            self.client.post(self.url("networks:app_send_cost", self.cast.other_app.code)).status_code == 404
        )
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert (
                self.client.post(self.url("networks:app_send_cost", self.cast.ios_app.code)).status_code
                == 403
            )
        assert App.objects.get(pk=self.cast.ios_app.pk).send_cost

    def test_reviewers_see_no_toggle(self) -> None:
        self.login(self.reviewer)
        self.assertNotContains(self.client.get(self.url("dashboard:apps")), 'name="send_cost"')
        self.login(self.admin)
        self.assertContains(self.client.get(self.url("dashboard:apps")), 'name="send_cost"')
