"""The settings page's storage line: payload, file and row figures per network, for admins."""

import io

from django.urls import reverse

from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from incost_portal.submissions.models import State, Submission
from incost_portal.submissions.payloads import payload_pack
from tests.builders import csv_bytes, row
from tests.cast import BaseTestCase


class StorageTestCase(BaseTestCase):
    def test_it_works(self) -> None:
        data = csv_bytes([row(date="2026-12-01"), row(date="2026-12-01", campaign_id="c2")])
        upload = cost_upload_create(network=self.network, user=self.ops, file=io.BytesIO(data), name="c.csv")
        cost_upload_accept(upload=upload, user=self.ops)
        body = b"[" + b'{"spend": 1},' * 500 + b"{}]"
        stored, codec = payload_pack(body)
        Submission.objects.create(
            network=self.network, app=self.cast.ios_app, state=State.APPLIED, payload=stored,
            payload_codec=codec, payload_stored_bytes=len(stored), payload_sha256="x",
            payload_bytes=len(body), row_count=500,
            currency="USD", date_from="2026-12-01", date_to="2026-12-01", spend_total=500,
        )  # fmt: skip
        self.login(self.admin)
        settings_page = self.client.get(self.url("networks:settings"))
        self.assertContains(settings_page, reverse("dashboard:storage", args=[self.network.code]))
        line = self.client.get(self.url("dashboard:storage"), headers={"HX-Request": "true"})
        self.assertContains(line, f"{len(stored)}\xa0bytes</strong> in the database for 1 request")
        self.assertContains(line, "cost rows: <strong>2</strong>")
        self.assertContains(line, "(1 kept)")

    def test_it_is_for_admins(self) -> None:
        self.login(self.ops)
        assert self.client.get(self.url("dashboard:storage")).status_code == 403
        self.assertNotContains(self.client.get(self.url("networks:settings")), "settings/storage/")
        self.login(self.outsider)
        assert self.client.get(self.url("dashboard:storage")).status_code == 404
