"""Reads of uploads: the network's upload history, and an upload's own rows for its preview (the
stored file is read again, streaming).

The portal keeps the file as uploaded and the issues found in it, not its rows (a million-row
file would be a million rows in the database before anyone looked at them). A page of the grid
is read from the file chunk by chunk, skipping what comes before it and stopping right after:
memory is one chunk plus one page, and the database is asked the same few questions whatever the
file's size.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Max, QuerySet, When

from incost_portal.costs.fields import FIELD_ORDER, REQUIRED
from incost_portal.costs.issues import CODES, text_shown
from incost_portal.costs.models import CostIssue, CostUpload
from incost_portal.costs.parsed_copy import parsed_chunks, parsed_first_position, profile_of
from incost_portal.costs.parsing import RowChunk, cost_file_read
from incost_portal.networks.models import Network

GRID_PAGE_ROWS = 100


@dataclass
class UploadProfile:
    """What a file holds, in numbers: shown above its grid."""

    rows: int = 0
    apps: list[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""
    dates: int = 0
    spend: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class IssueGroup:
    code: str
    severity: str
    meaning: str
    count: int


@dataclass
class GridCell:
    field: str
    value: str
    issues: list[CostIssue] = field(default_factory=list)

    @property
    def severity(self) -> str:
        if any(issue.severity == CostIssue.Severity.ERROR for issue in self.issues):
            return "error"
        return "warning" if self.issues else ""


@dataclass
class GridRow:
    number: int
    cells: list[GridCell]
    # Issues of the row that belong to no shown cell (a duplicate, an unknown column, unreadable).
    row_issues: list[CostIssue] = field(default_factory=list)
    readable: bool = True

    @property
    def has_issues(self) -> bool:
        return bool(self.row_issues) or any(cell.issues for cell in self.cells)


@dataclass
class Grid:
    fields: list[str]
    rows: list[GridRow]
    page: Page[Any]
    problems_only: bool


def cost_upload_list(*, network: Network) -> QuerySet[CostUpload]:
    """The network's uploads with who made and accepted them and their app (an upload's pages)."""
    return CostUpload.objects.filter(network=network).select_related(
        "created_by", "accepted_by", "app", "network"
    )


def cost_upload_filtered(
    *, network: Network, status: str = "", source: str = "", versions: str = ""
) -> QuerySet[CostUpload]:
    """The upload history, newest first: each upload's latest version (a fix's corrected copy
    stands for the file it fixed), every version with `versions="all"`."""
    uploads = CostUpload.objects.filter(network=network).select_related("created_by", "app", "superseded_by")
    if status:
        uploads = uploads.filter(status=status)
    if versions != "all":
        uploads = uploads.filter(superseded_by__isnull=True)
    if source:
        uploads = uploads.filter(source=source)
    return uploads.order_by("-created_at", "-pk")


def _open(upload: CostUpload) -> Iterator[RowChunk]:
    """The file's chunks, from its parsed copy when it has one (else parsed again); the file is
    closed when the caller stops reading."""
    if upload.parsed_file:
        yield from parsed_chunks(upload)
        return
    with upload.file.open("rb") as stream:
        cost_file = cost_file_read(stream, file_format=upload.file_format, name=upload.original_name)
        yield from cost_file.chunks


def upload_issue_groups(*, upload: CostUpload) -> list[IssueGroup]:
    """Issues by code with how many there are (all of them, not only the stored ones), errors first."""
    groups = [
        IssueGroup(code=code, severity=str(CODES[code][0]), meaning=CODES[code][1], count=count)
        for code, count in upload.issue_counts.items()
        if code in CODES
    ]
    return sorted(groups, key=lambda group: (group.severity != "error", -group.count, group.code))


@dataclass
class WarningValues:
    """One warning code's issues grouped by what they say (a campaign name, a code), with rows."""

    code: str
    messages: list[tuple[str, int]]  # message, rows (of the stored issues)
    stored: int  # issues of this code stored (the first ISSUES_KEPT_PER_CODE of them)


def upload_warning_values(*, upload: CostUpload, most: int = 20) -> list[WarningValues]:
    """Each warning code's distinct messages with their row counts, most rows first: a warning
    raised on 50,000 rows for 3 campaign names reads as 3 lines, not 50,000."""
    grouped: dict[str, WarningValues] = {}
    rows = (
        CostIssue.objects.filter(upload=upload, severity=CostIssue.Severity.WARNING)
        .values("code", "message")
        .annotate(n=Count("id"))
        .order_by("code", "-n", "message")
    )
    for found in rows:
        group = grouped.setdefault(found["code"], WarningValues(found["code"], [], 0))
        group.stored += found["n"]
        if len(group.messages) < most:
            group.messages.append((found["message"], found["n"]))
    return list(grouped.values())


def upload_file_issues(*, upload: CostUpload) -> QuerySet[CostIssue]:
    """Issues of the whole file or of an app (no row): shown above the grid."""
    return CostIssue.objects.filter(upload=upload, row__isnull=True).order_by("id")


def upload_profile(*, upload: CostUpload) -> UploadProfile:
    """Rows, apps, dates and spend per currency of the file, as summed when it was checked (an
    upload checked before the profile was kept is summed again, the same way). Values that do not
    parse are left out of the sums."""
    kept = upload.profile
    if kept is None:
        kept = profile_of(_open(upload))
    return UploadProfile(
        rows=kept["rows"],
        apps=kept["apps"],
        date_from=kept["date_from"],
        date_to=kept["date_to"],
        dates=kept["dates"],
        spend={currency: Decimal(total) for currency, total in kept["spend"].items()},
    )


# The grid shows what identifies a group and what it costs first (spend is what is checked most),
# then the rest in InCost's order: a wide file scrolls its details, not its spend, out of sight.
_GRID_FIRST = ("date", "app_id", "media_source", "spend", "currency")


def _grid_order(name: str) -> tuple[int, int]:
    if name in _GRID_FIRST:
        return (_GRID_FIRST.index(name), 0)
    return (len(_GRID_FIRST), FIELD_ORDER.get(name, 99))


def upload_grid(*, upload: CostUpload, page_number: Any, problems_only: bool, code: str = "") -> Grid:
    """One page of the file's rows with their issues on their cells.

    All rows: the page is a stretch of positions in the file. Only rows with problems: the page
    is a stretch of the row numbers that have stored issues (one query), then those rows are
    picked out of the file: rows with an error first (what blocks), then rows with warnings only;
    `code` keeps the rows with that code. An upload whose file retention removed has none.
    """
    if upload.file_pruned_at is not None:
        empty = Paginator([], GRID_PAGE_ROWS).get_page(1)
        return Grid(fields=[], rows=[], page=empty, problems_only=problems_only)
    if problems_only:
        issues = CostIssue.objects.filter(upload=upload, row__isnull=False)
        if code:
            issues = issues.filter(code=code)
        blocking = Max(Case(When(severity=CostIssue.Severity.ERROR, then=1), default=0))
        numbers = (
            issues.values("row")
            .annotate(blocking=blocking)
            .order_by("-blocking", "row")
            .values_list("row", flat=True)
        )
        page = Paginator(numbers, GRID_PAGE_ROWS).get_page(page_number)
        wanted = list(page.object_list)
        chunks = _rows_numbered(upload, set(wanted))
    else:
        page = Paginator(range(upload.row_count), GRID_PAGE_ROWS).get_page(page_number)
        positions: range = page.object_list  # type: ignore[assignment]
        chunks = _rows_at(upload, positions.start, positions.stop) if len(positions) else []
        wanted = []
    values: dict[int, dict[str, str]] = {}
    names: set[str] = set()
    for chunk in chunks:
        names.update(chunk.columns)
        for index, number in enumerate(chunk.rows):
            values[number] = {name: column[index] for name, column in chunk.columns.items()}
    # Rows with problems keep their order (errors first); all rows go in file order.
    numbers_shown = wanted if problems_only else sorted(values)
    issues: dict[int, list[CostIssue]] = defaultdict(list)
    if numbers_shown:
        for issue in CostIssue.objects.filter(upload=upload, row__in=numbers_shown).order_by("row", "id"):
            issues[issue.row].append(issue)  # type: ignore[index]
    fields = sorted(names | (REQUIRED if names else set()), key=_grid_order)
    rows = [_grid_row(number, values.get(number), fields, issues[number]) for number in numbers_shown]
    return Grid(fields=fields, rows=rows, page=page, problems_only=problems_only)


def _grid_row(
    number: int, values: dict[str, str] | None, fields: list[str], issues: list[CostIssue]
) -> GridRow:
    if values is None:
        return GridRow(number=number, cells=[], row_issues=issues, readable=False)
    cells = {name: GridCell(field=name, value=text_shown(values.get(name, ""))) for name in fields}
    row_issues = []
    for issue in issues:
        if issue.field in cells:
            cells[issue.field].issues.append(issue)
        else:
            row_issues.append(issue)
    return GridRow(number=number, cells=list(cells.values()), row_issues=row_issues)


def _rows_at(upload: CostUpload, start: int, stop: int) -> Iterator[RowChunk]:
    """The readable rows at positions [start, stop) of the file, as chunks cut to that stretch;
    from the parsed copy, reading starts at the block that holds `start`."""
    if upload.parsed_file:
        seen = parsed_first_position(upload, from_position=start)
        chunks = parsed_chunks(upload, from_position=start)
    else:
        seen, chunks = 0, _open(upload)
    for chunk in chunks:
        count = len(chunk)
        if seen + count > start and count:
            low, high = max(start - seen, 0), min(stop - seen, count)
            yield _cut(chunk, range(low, high))
        seen += count
        if seen >= stop:
            return


def _rows_numbered(upload: CostUpload, numbers: set[int]) -> Iterator[RowChunk]:
    if not numbers:
        return
    last = max(numbers)
    chunks = parsed_chunks(upload, from_number=min(numbers)) if upload.parsed_file else _open(upload)
    for chunk in chunks:
        keep = [index for index, number in enumerate(chunk.rows) if number in numbers]
        if keep:
            yield _cut(chunk, keep)
        if chunk.rows and chunk.rows[-1] >= last:
            return


def _cut(chunk: RowChunk, indexes: Iterable[int]) -> RowChunk:
    indexes = list(indexes)
    return RowChunk(
        rows=[chunk.rows[i] for i in indexes],
        columns={name: [column[i] for i in indexes] for name, column in chunk.columns.items()},
    )


def upload_rows(*, upload: CostUpload) -> Iterator[tuple[int | None, dict[str, str]]]:
    """Every readable row of the file as (row number, values), in file order."""
    for chunk in _open(upload):
        for index, number in enumerate(chunk.rows):
            yield number, {name: column[index] for name, column in chunk.columns.items()}


def upload_fields(*, upload: CostUpload) -> list[str]:
    """The fields the file's rows carry, in InCost order (a JSON file's keys can vary by row)."""
    names: set[str] = set(upload.profile["fields"]) if upload.profile else set()
    for chunk in [] if upload.profile else _open(upload):
        names.update(chunk.columns)
        if upload.file_format != CostUpload.Format.JSON:
            break  # a header names them all
    return sorted(names, key=lambda name: FIELD_ORDER.get(name, 99))
