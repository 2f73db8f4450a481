"""The jobs CSV export."""

import csv
import io

from incost_portal.submissions.models import State
from tests.submissions.pages import JobsTestCase


class ExportTestCase(JobsTestCase):
    def test_csv_is_safe_against_formulas(self) -> None:
        self.job(state=State.FAILED, error_code="ic213", error_message='=HYPERLINK("http://evil")')
        self.login(self.reviewer)
        response = self.client.get(self.url("submissions:export"))
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][0] == "job"
        assert rows[1][-1] == '\'=HYPERLINK("http://evil")'
