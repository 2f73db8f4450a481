"""Whatever a file holds, reading and validating it never raises: it yields issues."""

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incost_portal.costs.fields import INPUT_FIELDS
from tests.costs.rows import check

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from([*INPUT_FIELDS, "app-id", "campaign", "colour", ""]) | st.text(max_size=12)
row_objects = st.dictionaries(field_names, json_values, max_size=10)


@FAST
@given(st.binary(max_size=2000), st.sampled_from(["csv", "json", "xlsx"]))
def test_arbitrary_bytes_never_raise(data: bytes, file_format: str) -> None:
    summary, issues = check(data, file_format=file_format)
    assert summary.rows >= 0
    assert all(issue.code for issue in issues)


@FAST
@given(json_values)
def test_arbitrary_json_never_raises(document: object) -> None:
    _, issues = check(json.dumps(document).encode(), file_format="json")
    if not isinstance(document, list) or not document:
        assert issues


@FAST
@given(st.lists(row_objects, max_size=8))
def test_arbitrary_row_objects_never_raise(rows: list[dict[str, object]]) -> None:
    summary, _ = check(json.dumps(rows).encode(), file_format="json")
    assert summary.rows <= len(rows)
    assert summary.blocking or all(isinstance(obj, dict) for obj in rows)


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
    assert summary.rows >= 0
    assert all(issue.row is None or issue.row >= 1 for issue in issues)
