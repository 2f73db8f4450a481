"""Changes ad ops make in the browser: a pasted body, a fixed cell, an edited or deleted cost row.

Every change goes through the same door as a file (`cost_upload_create`), so it is checked by the
same rules and leaves an upload in the history:

- Fixing a cell, removing rows, or keeping the groups without errors writes a corrected copy of
  the file (nothing else changed) and checks it as the upload's next version ("Grid edit"), which
  supersedes it. The file as uploaded stays untouched.
- Editing a cost row uploads its whole (app, date, media source) group with that row changed,
  and accepts it: the group is replaced as a whole (as AppsFlyer replaces it), and the next send
  plan sees the group's new content and sends it.
"""

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError

from incost_portal.costs.fields import FIELD_ORDER, INCOST_FIELDS, INPUT_FIELDS
from incost_portal.costs.models import CostIssue, CostRow, CostUpload
from incost_portal.costs.parsing import RowChunk
from incost_portal.costs.parsing.conventions import Conventions
from incost_portal.costs.selectors import upload_fields, upload_rows
from incost_portal.costs.services import cost_upload_create
from incost_portal.networks.models import App, Network

# Fields whose JSON form is a number; a quoted one was reported (pv102/ic241/ic242) and stays quoted.
_JSON_NUMBERS = {"spend", "clicks", "impressions", "hour"}
_QUOTED_CODES = ("pv102", "ic241", "ic242")
# A corrected file up to this size is built in memory, past it on disk.
_SPOOL_BYTES = 8 * 1024 * 1024
_FIX_NAME = re.compile(r"^(?P<stem>.*?)(?: \(fix (?P<n>\d+)\))?$")

# Fields of a stored row that an edit may change; date, app and media source name its group.
ROW_EDIT_FIELDS: tuple[str, ...] = tuple(
    name for name in INCOST_FIELDS if name not in ("date", "app_id", "media_source")
)


class EditRefused(ValidationError):
    """The change cannot be made in the page (the message says what to do instead)."""


def cost_upload_paste(
    *, network: Network, user: Any, body: str, source_time_zone: str = "", app: App | None = None
) -> CostUpload:
    """A pasted JSON body, kept and checked like an uploaded .json file."""
    return cost_upload_create(
        network=network,
        user=user,
        file=io.BytesIO(body.encode()),
        name="pasted.json",
        file_format=CostUpload.Format.JSON,
        source_time_zone=source_time_zone,
        app=app,
    )


def _fixed_name(upload: CostUpload, extension: str) -> str:
    stem = upload.original_name.rsplit(".", 1)[0] if "." in upload.original_name else upload.original_name
    match = _FIX_NAME.match(stem or "costs")
    assert match is not None
    number = int(match["n"] or 0) + 1
    return f"{match['stem']} (fix {number}).{extension}"


def cost_upload_cell_fix(*, upload: CostUpload, user: Any, row: int, field: str, value: str) -> CostUpload:
    """Check a copy of the upload's file with one cell changed, as a new version ("Grid edit").

    Refused (EditRefused) for an accepted upload, a field that is not an InCost field, a row
    that is not in the file, and files with unreadable rows or more issues than are stored:
    those are fixed in the file itself.
    """
    if field not in FIELD_ORDER:
        raise EditRefused(f"{field!r} is not an InCost field.")
    value = value.strip()

    def edit(number: int, values: dict[str, str]) -> dict[str, str] | None:
        return {**values, field: value} if number == row else values

    fixed = _rewritten(upload, user=user, edit=edit, touched={row}, field=field, cell=(row, field))
    if fixed is None:
        raise EditRefused(f"Row {row} is not in this file.")
    return fixed


def cost_upload_rows_remove(*, upload: CostUpload, user: Any, rows: set[int]) -> CostUpload:
    """Check a copy of the upload's file without these rows, as a new version: a duplicate, a day
    too old, a row of an unknown media source are dropped rather than "fixed" with made-up data.
    In a CSV the removed rows become blank lines, so the other rows keep their numbers."""
    if not rows:
        raise EditRefused("Choose the rows to remove.")

    def edit(number: int, values: dict[str, str]) -> dict[str, str] | None:
        return None if number in rows else values

    fixed = _rewritten(upload, user=user, edit=edit, touched=rows)
    if fixed is None:
        raise EditRefused("None of those rows is in this file.")
    return fixed


def cost_upload_column_set(
    *,
    upload: CostUpload,
    user: Any,
    field: str,
    value: str,
    rows: set[int] | None = None,
    find: str | None = None,
) -> CostUpload:
    """Set one column in bulk, as the upload's next version: on the chosen `rows`, or on every row
    whose value is `find` (find and replace); both: the chosen rows that match."""
    if field not in FIELD_ORDER:
        raise EditRefused(f"{field!r} is not an InCost field.")
    if not rows and find is None:
        raise EditRefused("Choose rows, or give the value to replace.")
    value = value.strip()
    matched: set[int] = set()

    def edit(number: int, values: dict[str, str]) -> dict[str, str] | None:
        if (not rows or number in rows) and (find is None or values.get(field, "") == find):
            matched.add(number)
            return {**values, field: value}
        return values

    # `touched` fills as the rows go by: each row's edit runs before it is asked about.
    fixed = _rewritten(upload, user=user, edit=edit, touched=matched, field=field)
    if fixed is None:
        raise EditRefused(
            f"No row has {find!r} in {field}." if find is not None else "None of those rows is here."
        )
    return fixed


def cost_upload_valid_groups(*, upload: CostUpload, user: Any) -> CostUpload:
    """A new version holding only the (app, date, media source) groups without an error: every row
    of a group with an error goes (a group is sent whole or not at all), the rest is checked again.
    Refused where the errors are not all on rows (a whole file's or app's), or not all stored."""
    rows = set(upload_error_groups(upload=upload).rows)
    if not rows:
        raise EditRefused("No group of this file has an error on its rows.")
    return cost_upload_rows_remove(upload=upload, user=user, rows=rows)


@dataclass(frozen=True)
class ErrorGroups:
    """The (app id, date, media source) groups of an upload with an error on a row, and every row
    of them (a group is accepted whole or not at all)."""

    groups: frozenset[tuple[str, str, str]]
    rows: frozenset[int]


def upload_error_groups(*, upload: CostUpload) -> ErrorGroups:
    """The groups `cost_upload_valid_groups` leaves out. EditRefused where the errors are not all on
    rows (a whole file's or app's) or the rows are hourly (summed into days across groups)."""
    errors = CostIssue.objects.filter(upload=upload, severity=CostIssue.Severity.ERROR)
    if errors.filter(row__isnull=True).exists():
        raise EditRefused(
            "Some errors are about the whole file or an app, not a row: fix those in the file first."
        )
    if "hour" in upload_fields(upload=upload):
        raise EditRefused("Hourly rows are summed into days: fix the file and upload it again.")
    error_rows = set(errors.values_list("row", flat=True))
    conventions = Conventions(upload.decimal_separator, upload.date_format)
    convert = upload.file_format != CostUpload.Format.JSON
    bad_groups = set()
    for number, values in upload_rows(upload=upload):
        if number in error_rows:
            bad_groups.add(_group_key(values, conventions if convert else None))
    rows = {
        number
        for number, values in upload_rows(upload=upload)
        if _group_key(values, conventions if convert else None) in bad_groups
    }
    return ErrorGroups(groups=frozenset(bad_groups), rows=frozenset(rows))


def _group_key(values: Mapping[str, str], conventions: Conventions | None) -> tuple[str, str, str]:
    date = values.get("date", "")
    if conventions is not None:
        chunk = conventions.apply(RowChunk(rows=[0], columns={"date": [date]}))
        date = chunk.columns["date"][0]
    return (values.get("app_id", "").strip(), date.strip(), values.get("media_source", "").strip())


def _rewritten(
    upload: CostUpload,
    *,
    user: Any,
    edit: Any,
    touched: set[int],
    field: str = "",
    cell: tuple[int, str] = (0, ""),
) -> CostUpload | None:
    """The upload's rows through `edit` (a row's new values, or None to drop it) written as a new
    file of the same kind and checked as a new version that supersedes this one; None when no
    row in `touched` was found."""
    if upload.status == CostUpload.Status.ACCEPTED:
        raise EditRefused("This upload is accepted; change its rows on the Costs page.")
    if upload.file_pruned_at is not None:
        raise EditRefused("This upload's file was removed when its retention period ended: upload it again.")
    if upload.issues_truncated:
        raise EditRefused(
            "This file has more issues than the page keeps: fix it in the file and upload it again."
        )
    if CostIssue.objects.filter(upload=upload, code="ic416", row__isnull=False, field="").exists():
        raise EditRefused("Some rows of this file cannot be read: fix the file and upload it again.")
    if CostIssue.objects.filter(upload=upload, code="ic248").exclude(field__in=INPUT_FIELDS).exists():
        # A rewrite would drop the unknown columns without the user deciding it.
        raise EditRefused(
            "The file has columns or keys that are not InCost fields: rename or remove them in the file "
            "and upload it again."
        )
    fields = upload_fields(upload=upload)
    if field and field not in fields:
        fields = sorted([*fields, field], key=FIELD_ORDER.__getitem__)
    json_format = upload.file_format == CostUpload.Format.JSON
    quoted = _quoted_cells(upload) if json_format else set()
    rows = _edited_rows(upload, edit=edit, touched=touched)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as out:
        if json_format:
            found = _json_write(out, rows, quoted=quoted, edited=cell)
        else:
            found = _csv_write(out, rows, fields=fields)
        if not found:
            return None
        out.seek(0)
        extension = "json" if json_format else "csv"
        fixed = cost_upload_create(
            network=upload.network,
            user=user,
            file=out,  # type: ignore[arg-type]
            name=_fixed_name(upload, extension),
            # A version of an API push stays the API's (the uploads page's "Source: API").
            source=CostUpload.Source.API
            if upload.source == CostUpload.Source.API
            else CostUpload.Source.GRID,
            file_format=extension,
            source_time_zone=upload.source_time_zone,
            app=upload.app,
            decimal_separator=upload.decimal_separator,
            date_format=upload.date_format,
        )
    # The new version stands for this one from now on: it is no longer an upload "to fix".
    CostUpload.objects.filter(pk=upload.pk).update(superseded_by=fixed)
    return fixed


def _quoted_cells(upload: CostUpload) -> set[tuple[int, str]]:
    issues = CostIssue.objects.filter(
        upload=upload, code__in=_QUOTED_CODES, message__contains="quoted string"
    ).values_list("row", "field")
    return {(row, field) for row, field in issues if row is not None}


def _edited_rows(
    upload: CostUpload, *, edit: Any, touched: set[int]
) -> Iterator[tuple[int, dict[str, str] | None, bool]]:
    for number, values in upload_rows(upload=upload):
        yield number, edit(number, values), number in touched


def _csv_write(
    out: IO[bytes], rows: Iterator[tuple[int, dict[str, str] | None, bool]], *, fields: list[str]
) -> bool:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(fields)
    found = False
    line = 2
    for number, values, edited in rows:
        while line < number:  # blank lines kept: row numbers stay those of the original
            text.write("\n")
            line += 1
        found = found or edited
        if values is None:
            continue  # a removed row: a blank line in its place when the next row is written
        writer.writerow([values.get(name, "") for name in fields])
        line += 1
    text.flush()
    text.detach()
    return found


def _json_write(
    out: IO[bytes],
    rows: Iterator[tuple[int, dict[str, str] | None, bool]],
    *,
    quoted: set[tuple[int, str]],
    edited: tuple[int, str],
) -> bool:
    found = False
    out.write(b"[")
    index = 0
    for number, values, is_edited in rows:
        found = found or is_edited
        if values is None:
            continue  # a removed row
        parts = []
        for name in INPUT_FIELDS:
            text = values.get(name, "")
            if name not in values or (text == "" and name not in ("date", "app_id", "media_source")):
                continue
            keep_quoted = (number, name) in quoted and (number, name) != edited
            parts.append(json.dumps(name) + ":" + _json_literal(name, text, keep_quoted=keep_quoted))
        body = "{" + ",".join(parts) + "}"
        out.write((b",\n" if index else b"\n") + body.encode())
        index += 1
    out.write(b"\n]\n")
    return found


def _json_literal(name: str, text: str, *, keep_quoted: bool) -> str:
    """Numbers back as JSON numbers with their literal text (12.50 stays 12.50), unless quoted."""
    if name in _JSON_NUMBERS and not keep_quoted and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _group_rows(*, network: Network, row: CostRow) -> list[CostRow]:
    return list(
        CostRow.objects.filter(network=network, app=row.app, date=row.date, media_source=row.media_source)
        .select_related("app")
        .order_by("pk")
    )


def _group_upload(
    *, network: Network, user: Any, row: CostRow, rows: list[Mapping[str, object]], action: str
) -> CostUpload:
    """Upload and accept a group's rows (CSV); ValidationError with the issues if it does not pass."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(INCOST_FIELDS)
    for values in rows:
        writer.writerow(["" if values.get(name) is None else values.get(name) for name in INCOST_FIELDS])
    upload = cost_upload_create(
        network=network,
        user=user,
        file=io.BytesIO(text.getvalue().encode()),
        name=f"{action}-{row.app.app_id}-{row.date.isoformat()}-{row.media_source}.csv",
        source=CostUpload.Source.GRID,
        file_format=CostUpload.Format.CSV,
        app=row.app,
        accept=True,
    )
    if upload.status != CostUpload.Status.ACCEPTED:
        issues = upload.issues.filter(severity=CostIssue.Severity.ERROR).order_by("row", "id")[:20]
        raise ValidationError(
            [f"{issue.code}: {issue.message}" for issue in issues] or ["The change did not pass validation."]
        )
    return upload


def _as_values(row: CostRow) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(row, name) for name in INCOST_FIELDS if name != "app_id"}
    values["app_id"] = row.app.app_id
    values["date"] = row.date.isoformat()
    values["spend"] = row.spend_text
    return values


def cost_row_edit(*, network: Network, row: CostRow, user: Any, changes: Mapping[str, object]) -> CostUpload:
    """Change one stored row: its group is uploaded with the change and accepted (replaced whole).

    Only ROW_EDIT_FIELDS change; the same rules as a file apply (ValidationError with the
    codes and messages when the changed row does not pass; nothing is stored then)."""
    group = _group_rows(network=network, row=row)
    rows = []
    for member in group:
        values = _as_values(member)
        if member.pk == row.pk:
            values.update({name: changes[name] for name in ROW_EDIT_FIELDS if name in changes})
        rows.append(values)
    return _group_upload(network=network, user=user, row=row, rows=rows, action="edit")


def cost_row_delete(*, network: Network, row: CostRow, user: Any) -> CostUpload:
    """Remove one stored row: its group is uploaded without it and accepted.

    The last row of a group is refused: AppsFlyer keeps a group's last Applied cost until a request
    replaces it, and a request needs at least one row; set its spend to 0 instead."""
    group = _group_rows(network=network, row=row)
    rows = [_as_values(member) for member in group if member.pk != row.pk]
    if not rows:
        raise EditRefused(
            "This is the only row of its app, date and media source: AppsFlyer would keep the cost it "
            "has. Edit it and set its spend to 0 instead."
        )
    return _group_upload(network=network, user=user, row=row, rows=rows, action="delete")


def row_initial(row: CostRow) -> dict[str, str]:
    """A stored row's editable fields as the edit form shows them."""
    values = _as_values(row)
    return {name: "" if values.get(name) is None else str(values[name]) for name in ROW_EDIT_FIELDS}
