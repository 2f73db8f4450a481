import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incost_portal.costs.models import CostRow
from incost_portal.costs.row_store import group_totals_refresh
from incost_portal.dashboard.selectors import APPLIED, GAP, PENDING, dashboard_summary
from incost_portal.submissions.models import State
from incost_portal.submissions.services.sending import submission_applied_record
from tests.builders import submission
from tests.cast import BaseTestCase


class CoverageTestCase(BaseTestCase):
    def cost(self, app, day: dt.date, campaign: str = "c1") -> None:  # type: ignore[no-untyped-def]
        CostRow.objects.create(
            network=self.network, app=app, date=day, media_source="acme_int", campaign_id=campaign,
            campaign_name=campaign, currency="USD", spend=Decimal("1.5"), updated_at=timezone.now(),
        )  # fmt: skip
        group_totals_refresh(network_id=self.network.pk)  # as the row store does on every write

    def applied(self, app, day: dt.date) -> None:  # type: ignore[no-untyped-def]
        made = submission(
            app, State.APPLIED, day=day, spend=Decimal("1.5"), payload=b"[]", payload_bytes=2,
            finished_at=timezone.now(),
        )  # fmt: skip
        submission_applied_record(made)  # as sending does once Applied

    def summary(self):  # type: ignore[no-untyped-def]
        return dashboard_summary(network=self.network)

    def test_days_are_applied_pending_or_gaps_in_the_apps_time_zone(self) -> None:
        app = self.cast.ios_app
        today = timezone.now().date()
        self.cost(app, today - dt.timedelta(days=1))
        self.applied(app, today - dt.timedelta(days=1))
        self.cost(app, today - dt.timedelta(days=2))
        row = next(r for r in self.summary().coverage if r.app == app)
        states = dict(row.days)
        assert states[today - dt.timedelta(days=1)] == APPLIED
        assert states[today - dt.timedelta(days=2)] == PENDING
        assert states[today - dt.timedelta(days=3)] == GAP
        assert len(row.days) == 91 and row.pending == 1 and row.gaps == 89
        assert row.last_applied_date == today - dt.timedelta(days=1)
        # The strip draws runs of days: 88 without cost, one to send, one Applied, today's gap.
        runs = [(run.state, run.width) for run in row.runs]
        assert runs == [(GAP, 88), (PENDING, 1), (APPLIED, 1), (GAP, 1)]
        assert row.runs[0].title.endswith("(88 days): no cost")
        assert row.day_ticks.startswith("M1,0V1M2,0V1") and row.day_ticks.count("M") == 90
        assert row.runs[2].title == f"{today - dt.timedelta(days=1):%Y-%m-%d}: Applied"

    def test_a_day_corrected_after_it_was_applied_waits_again(self) -> None:
        app, day = self.cast.ios_app, timezone.now().date() - dt.timedelta(days=1)
        self.cost(app, day)
        self.applied(app, day)
        assert dict(next(r for r in self.summary().coverage if r.app == app).days)[day] == APPLIED
        self.cost(app, day, campaign="c2")  # a second row: the group's spend is no longer the Applied one
        row = next(r for r in self.summary().coverage if r.app == app)
        assert dict(row.days)[day] == PENDING and row.pending == 1

    def test_the_page_costs_the_same_queries_whatever_the_data(self) -> None:
        self.login(self.ops)
        url = self.url("dashboard:index")
        self.client.get(url)
        with CaptureQueriesContext(connection) as small:
            self.client.get(url)
        today = timezone.now().date()
        for app in (self.cast.ios_app, self.cast.android_app):
            for back in range(1, 40):
                for campaign in ("c1", "c2", "c3"):
                    self.cost(app, today - dt.timedelta(days=back), campaign)
                self.applied(app, today - dt.timedelta(days=back))
        with CaptureQueriesContext(connection) as large:
            response = self.client.get(url)
        assert response.status_code == 200
        assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
