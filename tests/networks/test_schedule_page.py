"""Settings, Schedule: when the network's cost is sent by itself."""

import re

from incost_portal.networks.models import Freshness, SendSchedule
from tests.cast import BaseTestCase


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

    def test_it_saves_whether_cost_goes_between_send_times(self) -> None:
        self.login(self.admin)
        page = self.client.get(self.url("networks:schedule"))
        self.assertContains(page, "As fresh as the budget allows")
        assert re.search(r'value="fresh"[^>]*checked', page.content.decode())  # the default
        form = {"enabled": "on", "send_times": "00:00, 12:00", "backfill_days": "7"}
        self.client.post(self.url("networks:schedule"), {**form, "freshness": "scheduled"})
        assert SendSchedule.objects.get(network=self.network).freshness == Freshness.SCHEDULED
        self.client.post(self.url("networks:schedule"), form)  # a client that does not know it keeps it
        assert SendSchedule.objects.get(network=self.network).freshness == Freshness.SCHEDULED
        response = self.client.post(self.url("networks:schedule"), {**form, "freshness": "often"})
        self.assertContains(response, "Select a valid choice")
        self.assertContains(self.client.get(self.url("networks:schedule")), "At scheduled times only")
        settings_page = self.client.get(self.url("networks:settings"))
        self.assertContains(settings_page, "Nothing leaves between those times")

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
