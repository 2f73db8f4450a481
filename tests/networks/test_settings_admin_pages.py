from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks.models import App, MediaSource, SendSchedule
from tests.cast import BaseTestCase


class MediaSourcesPageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        self.login(self.admin)
        self.assertContains(self.client.get(self.url("networks:media_sources")), "acme_int")

    def test_add_and_remove(self) -> None:
        self.login(self.admin)
        self.client.post(self.url("networks:media_sources"), {"name": "acme_agency", "kind": "agency"})
        source = MediaSource.objects.get(network=self.network, name="acme_agency")
        assert source.kind == MediaSource.Kind.AGENCY
        self.client.post(self.url("networks:media_source_remove", source.code))
        assert not MediaSource.objects.filter(pk=source.pk).exists()
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {Action.MEDIA_SOURCE_ADDED, Action.MEDIA_SOURCE_REMOVED} <= actions

    def test_a_bad_name_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("networks:media_sources"), {"name": "has space", "kind": "media_source"}
        )
        self.assertContains(response, "Use no spaces")
        self.assertContains(response, 'value="has space"')
        response = self.client.post(
            self.url("networks:media_sources"), {"name": "acme_int", "kind": "media_source"}
        )
        self.assertContains(response, "registered already")

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("networks:media_sources")).status_code == 404
        self.login(self.admin)
        foreign = MediaSource.objects.create(network=self.cast.other_network, name="other_int")
        assert self.client.post(self.url("networks:media_source_remove", foreign.code)).status_code == 404
        assert MediaSource.objects.filter(pk=foreign.pk).exists()

    def test_ops_and_reviewers_cannot_change_it(self) -> None:
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.post(self.url("networks:media_sources"), {"name": "x_int"}).status_code == 403
            assert (
                self.client.post(
                    self.url("networks:media_source_remove", self.cast.media_source.code)
                ).status_code
                == 403
            )
        assert MediaSource.objects.filter(network=self.network).count() == 1


class SchedulePageTestCase(BaseTestCase):
    def test_it_works_with_the_defaults(self) -> None:
        self.login(self.admin)
        self.assertContains(self.client.get(self.url("networks:schedule")), "00:00, 12:00")

    def test_it_saves(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("networks:schedule"),
            {"enabled": "on", "send_times": "18:30, 06:00,06:00", "backfill_days": "30"},
        )
        self.assertRedirects(response, self.url("networks:settings"))
        schedule = SendSchedule.objects.get(network=self.network)
        assert schedule.send_times == ["06:00", "18:30"] and schedule.backfill_days == 30 and schedule.enabled

    def test_bad_input_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("networks:schedule"), {"send_times": "25:00, noon", "backfill_days": "120"}
        )
        self.assertContains(response, "Not a time of day as HH:MM: 25:00, noon")
        self.assertContains(response, "25:00, noon")
        self.assertContains(response, "less than or equal to 90")
        assert not SendSchedule.objects.exists()

    def test_ops_and_reviewers_cannot_reach_it(self) -> None:
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.get(self.url("networks:schedule")).status_code == 403

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("networks:schedule")).status_code == 404


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
