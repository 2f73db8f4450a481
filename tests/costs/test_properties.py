"""Whatever a file holds, reading and validating it never raises: it yields issues."""

import csv
import io
import json
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incost_portal.costs.fields import INPUT_FIELDS, REQUIRED, canonical_header
from incost_portal.costs.issues import CODES, Issue
from incost_portal.costs.validation import CheckSummary
from tests.builders import check

# Derandomized: the same examples every run, so the suite passes or fails the same way each time.
FAST = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from([*INPUT_FIELDS, "app-id", "campaign", "colour", ""]) | st.text(max_size=12)
row_objects = st.dictionaries(field_names, json_values, max_size=10)


def assert_told_as_it_is(summary: CheckSummary, issues: list[Issue]) -> None:
    """Every issue is one of the known codes, the summary counts exactly the issues reported, and a
    file of which no row could be read is refused."""
    assert {issue.code for issue in issues} <= set(CODES)
    assert summary.counts == Counter(issue.code for issue in issues)
    assert summary.errors == sum(issue.is_error for issue in issues)
    assert summary.error_rows <= summary.rows
    if summary.rows == 0:
        assert summary.blocking and summary.counts["ic416"]


@FAST
@given(st.binary(max_size=2000), st.sampled_from(["csv", "json", "xlsx"]))
def test_arbitrary_bytes_never_raise(data: bytes, file_format: str) -> None:
    summary, issues = check(data, file_format=file_format)
    assert_told_as_it_is(summary, issues)


@FAST
@given(json_values)
def test_arbitrary_json_never_raises(document: object) -> None:
    _, issues = check(json.dumps(document).encode(), file_format="json")
    if not isinstance(document, list) or not document:
        assert issues


@FAST
@given(st.lists(row_objects, max_size=8))
def test_arbitrary_row_objects_never_raise(rows: list[dict[str, object]]) -> None:
    summary, issues = check(json.dumps(rows).encode(), file_format="json")
    assert_told_as_it_is(summary, issues)
    assert summary.rows == len(rows)  # every object is a row, read or refused
    # A row without every mandatory field, or with a field InCost does not know, blocks the file.
    fields = [{canonical_header(name) for name in row} for row in rows]
    if any(not names >= REQUIRED or not names <= set(INPUT_FIELDS) for names in fields):
        assert summary.blocking


@FAST
@given(
    st.lists(field_names, min_size=1, max_size=8),
    st.lists(st.lists(st.text(max_size=15), max_size=9), max_size=8),
    st.sampled_from([",", ";"]),
)
def test_arbitrary_csv_never_raises(header: list[str], rows: list[list[str]], delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    summary, issues = check(out.getvalue().encode("utf-8", "surrogatepass"), file_format="csv")
    assert_told_as_it_is(summary, issues)
    assert all(issue.row is None or issue.row >= 1 for issue in issues)
    # The header names the fields: one InCost does not know, or a mandatory one missing, blocks.
    names = {canonical_header(name) for name in header}
    if not names >= REQUIRED or not names <= set(INPUT_FIELDS):
        assert summary.blocking
