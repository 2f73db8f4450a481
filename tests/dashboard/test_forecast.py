"""The dashboard's forecast: today's calls, what the waiting work needs, and the apps that will be
late and when they go (loaded into the dashboard by htmx)."""

import io
import time
import uuid

from django.urls import reverse
from django.utils import timezone

from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from incost_portal.incost.limiter import limiter_default
from incost_portal.networks.models import Freshness
from incost_portal.networks.selectors import send_schedule_for
from incost_portal.networks.services import api_token_set, send_schedule_update
from incost_portal.submissions.services.schedules import next_slot
from tests.builders import csv_bytes, row, today
from tests.cast import BaseTestCase


class ForecastTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        api_token_set(network=self.network, plaintext="eyJ" + "t" * 700, user=None)
        self.fingerprint = self.network.api_tokens.get().fingerprint
        self.calls_used(0)
        self.addCleanup(limiter_default().reset, self.fingerprint)
        rows = [
            row(date=today(1), app_id=app.app_id, campaign_id=f"c{n}")
            for app in (self.cast.ios_app, self.cast.android_app)
            for n in range(2)
        ]
        upload = cost_upload_create(
            network=self.network, user=self.ops, file=io.BytesIO(csv_bytes(rows)), name="c.csv"
        )
        assert upload.status == upload.Status.VALID
        cost_upload_accept(upload=upload, user=self.ops)

    def calls_used(self, count: int) -> None:
        """`count` calls two hours ago: in the token's day window, outside the pace's last hour."""
        limiter = limiter_default()
        limiter.reset(self.fingerprint)
        if count:
            then = time.time() - 7200
            calls = {uuid.uuid4().hex: then for _ in range(count)}
            limiter.redis.zadd(f"{limiter.prefix}:{self.fingerprint}:incost:day", calls)

    def schedule(self, freshness: str) -> None:
        send_schedule_update(
            network=self.network,
            enabled=True,
            send_times=["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"],
            backfill_days=7,
            actor=None,
            freshness=freshness,
        )

    def forecast(self) -> str:
        self.login(self.reviewer)  # read access is enough
        response = self.client.get(self.url("dashboard:forecast"), headers={"HX-Request": "true"})
        assert response.status_code == 200
        return response.content.decode()

    def test_the_dashboard_loads_it(self) -> None:
        self.login(self.ops)
        page = self.client.get(self.url("dashboard:index"))
        self.assertContains(page, reverse("dashboard:forecast", args=[self.network.code]))

    def test_with_calls_to_spare_every_app_goes_by_the_next_send(self) -> None:
        self.calls_used(100)
        text = self.forecast()
        assert "<strong>100</strong> of 1000" in text
        assert "needs about <strong>4</strong> more" in text  # two apps, a request each
        assert "Every app with changed cost goes by the next scheduled send" in text

    def test_apps_beyond_the_share_are_named_with_when_they_go(self) -> None:
        self.schedule(Freshness.SCHEDULED)
        self.calls_used(1000 - 2)  # one request's worth left before the next send time
        text = self.forecast()
        assert "1 app will be late" in text
        # The two never sent: by app id, com.acme.game first; the other at the send time after.
        schedule = send_schedule_for(network=self.network)
        first = next_slot(schedule, timezone.now())
        assert first is not None
        second = next_slot(schedule, first)
        assert second is not None
        assert f"<code>{self.cast.ios_app.app_id}</code>" in text
        assert f"{second:%Y-%m-%d %H:%M} UTC" in text
        assert f"<code>{self.cast.android_app.app_id}</code>" not in text

    def test_it_checks_membership(self) -> None:
        self.login(self.outsider)
        assert self.client.get(self.url("dashboard:forecast")).status_code == 404
