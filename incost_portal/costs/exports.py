"""CSV downloads of cost: an upload annotated with its issues, and the current cost rows.

The rows only; `incost_portal.csv_streams` streams them and makes every cell safe for a spreadsheet.
"""

from collections.abc import Iterator

from django.db.models import QuerySet

from incost_portal.costs.fields import INCOST_FIELDS
from incost_portal.costs.issues import text_shown
from incost_portal.costs.models import CostIssue, CostRow, CostUpload
from incost_portal.costs.selectors import upload_fields, upload_rows


def _issue_text(issue: CostIssue) -> str:
    where = f"{issue.field}: " if issue.field else ""
    return f"{issue.code} {where}{issue.message}"


def upload_annotated_rows(*, upload: CostUpload) -> Iterator[list[object]]:
    """The file's rows as read, with `row` first and `issues` last (codes and messages).

    The file and the issues are both read in row order and merged, so memory stays one chunk."""
    fields = upload_fields(upload=upload)
    yield ["row", *fields, "issues"]
    issues = CostIssue.objects.filter(upload=upload).order_by("row", "id").iterator(chunk_size=2000)
    pending = next(issues, None)
    file_wide: list[str] = []
    while pending is not None and pending.row is None:
        file_wide.append(_issue_text(pending))
        pending = next(issues, None)
    for number, values in upload_rows(upload=upload):
        found: list[str] = []
        while pending is not None and pending.row is not None and pending.row <= number:
            if pending.row < number:  # a row that could not be read: its own line
                yield [pending.row, *([""] * len(fields)), _issue_text(pending)]
            else:
                found.append(_issue_text(pending))
            pending = next(issues, None)
        yield [number, *(text_shown(values.get(name, "")) for name in fields), "; ".join(found)]
    while pending is not None:
        yield [pending.row, *([""] * len(fields)), _issue_text(pending)]
        pending = next(issues, None)
    if file_wide:
        yield ["file", *([""] * len(fields)), "; ".join(file_wide)]


COST_EXPORT_FIELDS = tuple(INCOST_FIELDS)


def cost_csv_rows(*, rows: QuerySet[CostRow]) -> Iterator[list[object]]:
    """Current cost rows in InCost columns (the file can be uploaded again as it is)."""
    yield [*COST_EXPORT_FIELDS, "updated_utc"]
    for row in rows.iterator(chunk_size=2000):
        values: list[object] = []
        for name in COST_EXPORT_FIELDS:
            if name == "app_id":
                values.append(row.app.app_id)
            elif name == "spend":
                values.append(row.spend_text)
            elif name == "date":
                values.append(row.date.isoformat())
            else:
                value = getattr(row, name)
                values.append("" if value is None else value)
        values.append(row.updated_at.strftime("%Y-%m-%d %H:%M:%S"))
        yield values
