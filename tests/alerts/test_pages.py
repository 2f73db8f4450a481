"""The Alerts page (open now, history, acknowledge, mute, my emails), the channel settings and the
dashboard's line."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from incost_portal.alerts.models import AlertSettings, Channel, Delivery, Mode, Subscription
from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks import token_vault
from tests.alerts.builders import alert_condition as condition
from tests.cast import BaseTestCase


class AlertsPageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        condition(self.network)
        condition(self.network, kind="token_missing", subject="", title="No AppsFlyer token",
                  resolved_at=timezone.now())  # fmt: skip
        self.login(self.reviewer)
        response = self.client.get(self.url("alerts:index"))
        self.assertContains(response, "com.acme.game was removed from the app permission list")
        self.assertContains(response, "No AppsFlyer token")  # the history
        self.assertContains(response, "UTC")
        self.assertContains(response, "No channel is set up yet")
        self.assertNotContains(response, ">Acknowledge<")  # a reviewer changes nothing

    def test_it_checks_membership(self) -> None:
        mine = condition(self.network)
        self.login(self.outsider)
        assert self.client.get(self.url("alerts:index")).status_code == 404
        assert self.client.post(self.url("alerts:acknowledge", mine.code)).status_code == 404
        foreign = condition(self.cast.other_network)
        self.login(self.admin)
        assert self.client.post(self.url("alerts:acknowledge", foreign.code)).status_code == 404

    def test_acknowledge_says_who_and_when(self) -> None:
        open_one = condition(self.network)
        self.login(self.ops)
        response = self.client.post(self.url("alerts:acknowledge", open_one.code), follow=True)
        self.assertContains(response, "Acknowledged: com.acme.game")
        self.assertContains(response, "olga, ")
        open_one.refresh_from_db()
        assert open_one.acknowledged_by == self.ops and open_one.acknowledged_at is not None
        assert AuditEvent.objects.get(action=Action.ALERT_ACKNOWLEDGED).actor == self.ops

    def test_it_requires_rw_access(self) -> None:
        open_one = condition(self.network)
        self.login(self.reviewer)
        assert self.client.post(self.url("alerts:acknowledge", open_one.code)).status_code == 403
        assert self.client.post(self.url("alerts:mute", open_one.code), {"hours": 2}).status_code == 403
        assert self.client.post(self.url("alerts:subscription"), {"mode": "off"}).status_code == 403

    def test_it_rejects_get(self) -> None:
        open_one = condition(self.network)
        self.login(self.ops)
        assert self.client.get(self.url("alerts:acknowledge", open_one.code)).status_code == 405
        assert self.client.get(self.url("alerts:mute", open_one.code)).status_code == 405

    def test_mute_for_n_hours(self) -> None:
        open_one = condition(self.network)
        self.login(self.ops)
        response = self.client.post(self.url("alerts:mute", open_one.code), {"hours": "abc"}, follow=True)
        self.assertContains(response, "Mute for: Enter a whole number.")
        response = self.client.post(self.url("alerts:mute", open_one.code), {"hours": 3}, follow=True)
        self.assertContains(response, "Muted for 3 hours")
        self.assertContains(response, "Muted until")
        open_one.refresh_from_db()
        assert timedelta(hours=2, minutes=59) < open_one.muted_until - timezone.now() <= timedelta(hours=3)
        assert AuditEvent.objects.get(action=Action.ALERT_MUTED).detail["hours"] == 3

    def test_my_alert_emails(self) -> None:
        self.login(self.ops)
        chosen = {"mode": "digest", "kinds": ["token_rejected", "request_failed"]}
        response = self.client.post(self.url("alerts:subscription"), chosen, follow=True)
        self.assertContains(response, "Your alert emails are saved.")
        mine = Subscription.objects.get(network=self.network, user=self.ops)
        assert (mine.mode, mine.kinds) == (Mode.DIGEST, ["request_failed", "token_rejected"])
        response = self.client.post(self.url("alerts:subscription"), {"mode": "hourly"}, follow=True)
        self.assertContains(response, "That choice could not be saved")


class DashboardLineTestCase(BaseTestCase):
    def test_the_dashboard_shows_what_is_open(self) -> None:
        self.login(self.reviewer)
        self.assertNotContains(self.client.get(self.url("dashboard:index")), "open-alerts-line")
        condition(self.network)
        condition(self.network, kind="token_missing", subject="")
        response = self.client.get(self.url("dashboard:index"))
        self.assertContains(response, "2 alerts open")
        self.assertContains(response, f'href="{self.url("alerts:index")}"')

    def test_the_line_costs_one_query(self) -> None:
        from django.template import Context, Template

        condition(self.network)
        template = Template("{% load alert_lines %}{% open_alerts_line network %}")
        with self.assertNumQueries(1):
            assert "1 alert open" in template.render(Context({"network": self.network}))


@override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"])
class ChannelSettingsTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        self.login(self.admin)
        response = self.client.get(self.url("alerts:channels"))
        self.assertContains(response, "Alert channels")
        self.assertContains(response, "Matched records below")
        self.assertContains(response, 'aria-current="page">Alerts</a>')

    def test_only_admins(self) -> None:
        for user in (self.ops, self.reviewer):
            self.login(user)
            assert self.client.get(self.url("alerts:channels")).status_code == 403
        self.login(self.outsider)
        assert self.client.get(self.url("alerts:channels")).status_code == 404

    def test_a_webhook_secret_is_shown_once_and_stored_encrypted(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("alerts:channels"), {"kind": "webhook", "name": "ops", "url": "http://127.0.0.1:9/hook"}
        )
        channel = Channel.objects.get(network=self.network)
        secret = token_vault.decrypt(bytes(channel.secret_ciphertext))
        assert secret.startswith("whsec_")
        self.assertContains(response, secret)
        assert secret.encode() not in bytes(channel.secret_ciphertext)
        self.assertNotContains(self.client.get(self.url("alerts:channels")), secret)
        event = AuditEvent.objects.get(action=Action.ALERT_CHANNEL_ADDED)
        assert secret not in str(event.detail) and event.target == "ops"

    def test_a_slack_url_is_never_shown_again(self) -> None:
        self.login(self.admin)
        url = "http://127.0.0.1:9/services/T000/B000/XXXXSECRETXXXX"
        self.client.post(self.url("alerts:channels"), {"kind": "slack", "name": "#ops", "url": url})
        response = self.client.get(self.url("alerts:channels"))
        self.assertContains(response, "http://127.0.0.1:9/…")
        self.assertNotContains(response, "XXXXSECRETXXXX")
        assert "XXXXSECRETXXXX" not in str(AuditEvent.objects.get(action=Action.ALERT_CHANNEL_ADDED).detail)

    def test_a_refused_address_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("alerts:channels"),
            {"kind": "webhook", "name": "meta", "url": "http://169.254.169.254/x"},
        )
        self.assertContains(response, "a cloud metadata address")
        self.assertContains(response, 'value="http://169.254.169.254/x"')
        self.assertContains(response, 'value="meta"')
        assert not Channel.objects.exists()
        response = self.client.post(self.url("alerts:channels"), {"kind": "slack", "name": "s", "url": ""})
        self.assertContains(response, "Give the URL")

    def test_send_test_and_remove(self) -> None:
        self.login(self.admin)
        self.client.post(self.url("alerts:channels"), {"kind": "email", "name": ""})
        channel = Channel.objects.get(network=self.network)
        assert channel.name == "Email to members"
        response = self.client.post(self.url("alerts:channel_test", channel.code), follow=True)
        self.assertContains(response, "A test message is on its way to alice@example.org")
        assert Delivery.objects.get().event == Delivery.Event.TEST
        self.client.post(self.url("alerts:channel_remove", channel.code))
        assert not Channel.objects.exists()
        assert AuditEvent.objects.filter(action=Action.ALERT_CHANNEL_REMOVED).count() == 1

    def test_one_email_channel(self) -> None:
        self.login(self.admin)
        self.client.post(self.url("alerts:channels"), {"kind": "email", "name": ""})
        response = self.client.post(self.url("alerts:channels"), {"kind": "email", "name": ""})
        self.assertContains(response, "has an email channel already")

    def test_thresholds(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            self.url("alerts:thresholds"), {"stuck_after_hours": 0, "matched_records_min": "150"}
        )
        assert response.status_code == 400
        self.assertContains(response, "Between 1 and 240 hours.", status_code=400)
        self.assertContains(response, "A percentage from 0 to 100", status_code=400)
        self.client.post(
            self.url("alerts:thresholds"), {"stuck_after_hours": 12, "matched_records_min": "40"}
        )
        saved = AlertSettings.objects.get(network=self.network)
        assert (saved.stuck_after_hours, saved.matched_records_min) == (12, 40)
