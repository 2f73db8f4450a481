"""What every reader yields: rows column by column, with their row numbers and parse issues."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from incost_portal.costs.fields import FIELD_ORDER, canonical_header
from incost_portal.costs.issues import Issue


@dataclass
class RowChunk:
    """A stretch of rows: `columns[field][i]` is the value of the row numbered `rows[i]`.

    Values are strings as read; a field the file lacks is not in `columns`. `issues` are the
    parse problems of this stretch (rows that could not be read are left out of `rows`).
    """

    rows: Sequence[int]
    columns: dict[str, Sequence[str]]
    issues: list[Issue] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class CostFile:
    """An opened cost file: its format, the fields its header names, and its rows in chunks."""

    file_format: str
    fields: tuple[str, ...]
    chunks: Iterator[RowChunk]
    header_issues: list[Issue] = field(default_factory=list)
    # The fields (JSON) that every row must carry itself, rather than the header naming them.
    per_row_fields: bool = False


def header_read(raw: Sequence[object]) -> tuple[dict[str, int], list[Issue]]:
    """Map header cells to field positions; unknown and repeated names are ic248 on row 1."""
    positions: dict[str, int] = {}
    issues: list[Issue] = []
    for index, cell in enumerate(raw):
        text = "" if cell is None else str(cell)
        name = canonical_header(text)
        if not name:
            continue  # an unnamed column (Excel's trailing separators): nothing to read
        if name not in FIELD_ORDER:
            issues.append(Issue(1, text.strip(), "ic248", f"Unknown column {text.strip()!r}."))
        elif name in positions:
            issues.append(Issue(1, name, "ic248", f"Column {name!r} appears twice."))
        else:
            positions[name] = index
    return positions, issues


def chunk_from_rows(
    batch: list[list[str]], first_row: int, positions: dict[str, int], width: int
) -> RowChunk:
    """Turn a batch of rows (lists of cells) into a chunk; rows of the wrong width are ic416."""
    rows: Sequence[int] = range(first_row, first_row + len(batch))
    issues: list[Issue] = []
    if {len(row) for row in batch} != {width}:
        kept_rows: list[int] = []
        kept: list[list[str]] = []
        for number, row in zip(rows, batch, strict=True):
            if len(row) > width and not any(row[width:]):
                row = row[:width]  # trailing empty cells: harmless
            if not any(row):
                continue  # a blank line: counted, never reported
            if len(row) != width:
                issues.append(
                    Issue(number, "", "ic416", f"Row has {len(row)} values; the header has {width}.")
                )
                continue
            kept_rows.append(number)
            kept.append(row)
        rows, batch = kept_rows, kept
    if not batch:
        return RowChunk(rows=[], columns={}, issues=issues)
    transposed = list(zip(*batch, strict=True))
    columns: dict[str, Sequence[str]] = {name: transposed[index] for name, index in positions.items()}
    chunk = RowChunk(rows=rows, columns=columns, issues=issues)
    return blank_rows_dropped(chunk, transposed)


def blank_rows_dropped(chunk: RowChunk, transposed: Sequence[Sequence[str]]) -> RowChunk:
    """Rows whose every cell is empty (";;;;" lines Excel writes) are blank lines, not data."""
    first = transposed[0]
    if all(first):
        return chunk
    blank = {i for i, value in enumerate(first) if not value and not any(col[i] for col in transposed)}
    if not blank:
        return chunk
    keep = [i for i in range(len(first)) if i not in blank]
    chunk.rows = [chunk.rows[i] for i in keep]
    chunk.columns = {name: [col[i] for i in keep] for name, col in chunk.columns.items()}
    return chunk
