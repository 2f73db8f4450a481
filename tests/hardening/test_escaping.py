"""Text from outside (cost files, AppsFlyer's answers) is shown escaped on every page that builds
its HTML in Python for speed (the Costs table, the Jobs table, a job's state, the filters)."""

import io

from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from incost_portal.submissions.models import State
from tests.builders import csv_bytes, row, submission, today
from tests.cast import BaseTestCase

HOSTILE = '<script>alert(1)</script>"x'
SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;x"


class EscapingTestCase(BaseTestCase):
    def test_outside_text_is_escaped_everywhere_it_is_shown(self) -> None:
        data = csv_bytes([row(date=today(2), campaign_name=HOSTILE[:40], adset_id="a1", adset_name=HOSTILE)])
        upload = cost_upload_create(network=self.network, user=self.ops, file=io.BytesIO(data), name="x.csv")
        cost_upload_accept(upload=upload, user=self.ops)
        failed = submission(
            self.cast.ios_app, State.FAILED, error_code="ic217", error_message=HOSTILE, job_id=HOSTILE
        )
        self.login(self.ops)
        pages = [
            self.url("costs:list"),
            self.url("costs:list") + "?campaign=" + "%3Cscript%3E",
            self.url("costs:upload_detail", upload.code) + "?rows=all",
            self.url("submissions:list"),
            self.url("submissions:detail", failed.code),
            self.url("dashboard:index"),
        ]
        for url in pages:
            html = self.client.get(url).content.decode()
            assert "<script>alert(1)" not in html, url
        self.assertContains(self.client.get(self.url("costs:list")), SHOWN[:35])
        jobs = self.client.get(self.url("submissions:list")).content.decode()
        assert "&lt;script&gt;" in jobs  # the job id and the error's title, escaped
