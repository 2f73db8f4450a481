"""Settings, Audit: who changed what, for admins."""

from incost_portal.audit.models import Action, AuditEvent
from tests.cast import BaseTestCase


class AuditPageTestCase(BaseTestCase):
    def test_it_lists_and_filters(self) -> None:
        self.login(self.admin)
        self.client.post(self.url("networks:media_sources"), {"name": "acme_two", "kind": "media_source"})
        self.client.post(self.url("networks:schedule"), {"send_times": "01:00", "backfill_days": "7"})
        response = self.client.get(self.url("networks:audit"))
        self.assertContains(response, "Media source added")
        self.assertContains(response, "Schedule changed")
        response = self.client.get(self.url("networks:audit"), {"action": Action.SCHEDULE_CHANGED})
        self.assertNotContains(response, "acme_two")
        self.assertContains(response, "01:00")

    def test_it_shows_nothing_of_another_network(self) -> None:
        AuditEvent.objects.create(
            network=self.cast.other_network, action=Action.MEMBER_REMOVED, target="secret-bob"
        )
        self.login(self.admin)
        self.assertNotContains(self.client.get(self.url("networks:audit")), "secret-bob")

    def test_admins_only(self) -> None:
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.get(self.url("networks:audit")).status_code == 403
        self.login(self.outsider)
        assert self.client.get(self.url("networks:audit")).status_code == 404
