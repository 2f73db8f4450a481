"""One pass over a cost file: read, validate, hand issues and checked rows to the caller."""

import datetime
import gc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings

from incost_portal.costs.issues import Issue
from incost_portal.costs.parsing import CHUNK_ROWS, RowChunk, cost_file_read
from incost_portal.costs.parsing.conventions import Conventions
from incost_portal.costs.validation.rules import NetworkRules
from incost_portal.costs.validation.validator import CheckedChunk, CostValidator

# The conventions of a file that declares none: InCost's own.
PLAIN = Conventions()


@dataclass
class CheckSummary:
    """What a pass found: rows read, rows with errors, issues by code."""

    file_format: str = ""
    rows: int = 0
    error_rows: int = 0
    errors: int = 0
    warnings: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def blocking(self) -> bool:
        return self.errors > 0

    def add(self, issue: Issue) -> None:
        self.counts[issue.code] += 1
        if issue.is_error:
            self.errors += 1
        else:
            self.warnings += 1


class IssueCollector:
    """Keeps the first `per_code` issues of each code (a million-row file can hold a million
    issues of one kind: the first ones show the problem) and counts every one."""

    def __init__(self, per_code: int = 1000) -> None:
        self.per_code = per_code
        self.kept: list[Issue] = []
        self.counts: Counter[str] = Counter()

    def __call__(self, issue: Issue) -> None:
        self.counts[issue.code] += 1
        if self.counts[issue.code] <= self.per_code:
            self.kept.append(issue)

    @property
    def truncated(self) -> bool:
        return any(count > self.per_code for count in self.counts.values())


def cost_file_check(
    stream: BinaryIO,
    *,
    rules: NetworkRules | None,
    on_issue: Callable[[Issue], None],
    on_chunk: Callable[[CheckedChunk], None] | None = None,
    on_read: Callable[[RowChunk], None] | None = None,
    conventions: Conventions = PLAIN,
    now: datetime.datetime | None = None,
    file_format: str | None = None,
    name: str = "",
    request_app: str | None = None,
    source_time_zone: str = "",
    chunk_rows: int = CHUNK_ROWS,
) -> CheckSummary:
    """Read and validate a cost file in one streaming pass.

    Each issue goes to `on_issue` as soon as its chunk is checked (file-wide checks come last);
    each checked chunk goes to `on_chunk` (to be stored), each chunk as read to `on_read` (the
    upload's parsed copy). A CSV's or XLSX's declared `conventions` (decimal comma, date order)
    are applied before the check. Never raises on the file's content.
    """
    from django.utils import timezone

    cost_file = cost_file_read(stream, file_format=file_format, name=name, chunk_rows=chunk_rows)
    validator = CostValidator(
        rules=rules,
        now=now or timezone.now(),
        request_app=request_app,
        source_time_zone=source_time_zone,
        max_group_bytes=settings.INCOST_MAX_REQUEST_BYTES,
    )
    summary = CheckSummary(file_format=cost_file.file_format)

    def emit(issue: Issue) -> None:
        summary.add(issue)
        on_issue(issue)

    for issue in [
        *cost_file.header_issues,
        *validator.header(cost_file.fields, per_row=cost_file.per_row_fields),
    ]:
        emit(issue)
    # The pass allocates millions of short-lived strings and few cycles: the cyclic collector
    # would only rescan the chunk again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        convert = cost_file.file_format != "json" and not conventions.plain
        for chunk in cost_file.chunks:
            if on_read is not None and len(chunk):
                on_read(chunk)
            checked = validator.check(conventions.apply(chunk) if convert else chunk)
            validated = set(checked.rows) if chunk.issues else ()
            summary.rows += len(checked)
            error_rows: set[int] = set()
            for issue in checked.issues:
                emit(issue)
                if issue.row is not None and issue.is_error:
                    error_rows.add(issue.row)
                    if issue.code == "ic416" and not issue.field and issue.row not in validated:
                        summary.rows += 1  # a row that could not be read at all
            summary.error_rows += len(error_rows)
            if on_chunk is not None and len(checked):
                on_chunk(checked)
    finally:
        if collecting:
            gc.enable()
    for issue in validator.finish():
        emit(issue)
    if summary.rows == 0 and not summary.counts["ic416"]:
        emit(Issue(None, "", "ic416", "The file holds no cost rows."))
    return summary
