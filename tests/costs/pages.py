"""What the cost page tests share: the fixed cast, and uploads made and stored as ad ops would."""

import io
from typing import Any

from incost_portal.costs.models import CostUpload
from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from tests.builders import row as file_row
from tests.builders import today
from tests.cast import BaseTestCase

IOS = "id123456789"


def row(**changes: Any) -> dict[str, Any]:
    """A row of the cast's iOS app three days back, as a file would hold it (spend as text)."""
    return file_row(**{"date": today(3), "geo": "US", "spend": "12.5", **changes})


def rows(count: int, **changes: Any) -> list[dict[str, Any]]:
    return [row(campaign_id=f"c{n}", **changes) for n in range(count)]


class CostPagesTestCase(BaseTestCase):
    def make_upload(self, data: bytes, name: str = "costs.csv") -> CostUpload:
        return cost_upload_create(network=self.network, user=self.ops, file=io.BytesIO(data), name=name)

    def stored(self, data: bytes) -> CostUpload:
        upload = self.make_upload(data)
        assert upload.status == CostUpload.Status.VALID, list(upload.issues.values_list("code", "message"))
        cost_upload_accept(upload=upload, user=self.ops)
        return upload

    def cell(self, html: str, number: int, field: str) -> str:
        """The HTML of one grid cell (row number, field)."""
        start = html.index(f'<tr data-row="{number}"')
        end = html.index("</tr>", start)
        row_html = html[start:end]
        cell_start = row_html.index(f'data-field="{field}"')
        return row_html[cell_start : row_html.index("</td>", cell_start)]
