"""Changes ad ops make in the browser: a pasted body, a fixed cell, an edited or deleted cost row.

Every change goes through the same door as a file (`cost_upload_create`), so it is checked by the
same rules and leaves an upload in the history:

- Fixing a cell of an upload writes a corrected copy of the file (the cell changed, nothing else)
  and checks it as a new upload with source "Grid edit". The file as uploaded stays untouched.
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
from typing import IO, Any

from django.core.exceptions import ValidationError

from incost_portal.costs.fields import FIELD_ORDER, INCOST_FIELDS, INPUT_FIELDS
from incost_portal.costs.models import CostIssue, CostRow, CostUpload
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
    """Check a copy of the upload's file with one cell changed, as a new upload ("Grid edit").

    Refused (EditRefused) for an accepted upload, a field that is not an InCost field, a row
    that is not in the file, and files with unreadable rows or more issues than are stored:
    those are fixed in the file itself.
    """
    if upload.status == CostUpload.Status.ACCEPTED:
        raise EditRefused("This upload is accepted; change its rows on the Costs page.")
    if upload.file_pruned_at is not None:
        raise EditRefused("This upload's file was removed when its retention period ended: upload it again.")
    if field not in FIELD_ORDER:
        raise EditRefused(f"{field!r} is not an InCost field.")
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
    value = value.strip()
    fields = upload_fields(upload=upload)
    if field not in fields:
        fields = sorted([*fields, field], key=FIELD_ORDER.__getitem__)
    json_format = upload.file_format == CostUpload.Format.JSON
    quoted = _quoted_cells(upload) if json_format else set()
    found = False
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as out:
        rows = _edited_rows(upload, row=row, field=field, value=value)
        if json_format:
            found = _json_write(out, rows, quoted=quoted, edited=(row, field))
        else:
            found = _csv_write(out, rows, fields=fields)
        if not found:
            raise EditRefused(f"Row {row} is not in this file.")
        out.seek(0)
        extension = "json" if json_format else "csv"
        fixed = cost_upload_create(
            network=upload.network,
            user=user,
            file=out,  # type: ignore[arg-type]
            name=_fixed_name(upload, extension),
            source=CostUpload.Source.GRID,
            file_format=extension,
            source_time_zone=upload.source_time_zone,
            app=upload.app,
            decimal_separator=upload.decimal_separator,
            date_format=upload.date_format,
        )
    # The fixed version stands for this one from now on: it is no longer an upload "to fix".
    CostUpload.objects.filter(pk=upload.pk).update(superseded_by=fixed)
    return fixed


def _quoted_cells(upload: CostUpload) -> set[tuple[int, str]]:
    issues = CostIssue.objects.filter(
        upload=upload, code__in=_QUOTED_CODES, message__contains="quoted string"
    ).values_list("row", "field")
    return {(row, field) for row, field in issues if row is not None}


def _edited_rows(
    upload: CostUpload, *, row: int, field: str, value: str
) -> Iterator[tuple[int, dict[str, str], bool]]:
    for number, values in upload_rows(upload=upload):
        if number == row:
            yield number, {**values, field: value}, True
        else:
            yield number, values, False


def _csv_write(
    out: IO[bytes], rows: Iterator[tuple[int, dict[str, str], bool]], *, fields: list[str]
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
        writer.writerow([values.get(name, "") for name in fields])
        line += 1
        found = found or edited
    text.flush()
    text.detach()
    return found


def _json_write(
    out: IO[bytes],
    rows: Iterator[tuple[int, dict[str, str], bool]],
    *,
    quoted: set[tuple[int, str]],
    edited: tuple[int, str],
) -> bool:
    found = False
    out.write(b"[")
    for index, (number, values, is_edited) in enumerate(rows):
        found = found or is_edited
        parts = []
        for name in INPUT_FIELDS:
            text = values.get(name, "")
            if name not in values or (text == "" and name not in ("date", "app_id", "media_source")):
                continue
            keep_quoted = (number, name) in quoted and (number, name) != edited
            parts.append(json.dumps(name) + ":" + _json_literal(name, text, keep_quoted=keep_quoted))
        body = "{" + ",".join(parts) + "}"
        out.write((b",\n" if index else b"\n") + body.encode())
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
