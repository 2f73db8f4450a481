"""A corpus of malformed cost files, generated (nothing is checked in): every way a file can be
broken that we could think of, in each format the portal reads."""

import io
import json
import random
import zipfile
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook

FIELDS = ["date", "app_id", "media_source", "campaign_id", "campaign_name", "geo", "currency", "spend"]


@dataclass(frozen=True)
class Bad:
    label: str
    name: str
    data: bytes
    # False only where the file may be readable and hold nothing that blocks (a warning at most).
    blocks: bool = True


def _row(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "date": timezone.now().date().isoformat(), "app_id": "id123456789", "media_source": "acme_int",
        "campaign_id": "c1", "campaign_name": "spring", "geo": "US", "currency": "USD", "spend": 12.5,
    }  # fmt: skip
    values.update(changes)
    return values


def _csv(rows: list[dict[str, object]], delimiter: str = ",") -> str:
    lines = [delimiter.join(FIELDS)] + [delimiter.join(str(r.get(f, "")) for f in FIELDS) for r in rows]
    return "\n".join(lines) + "\n"


def _xlsx(rows: list[list[object]] | None = None, *, sheets: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    for values in rows if rows is not None else [FIELDS, list(_row().values())]:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _xlsx_rewritten(change: dict[str, bytes | None]) -> bytes:
    """A real workbook with some of its parts replaced (bytes) or left out (None)."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx()))
    members = {name: source.read(name) for name in source.namelist()}
    for name, data in change.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    return _zip(members)


def _xlsx_bomb(rows: int) -> bytes:
    """A real workbook whose sheet is rewritten as `rows` identical rows: it packs a thousandfold."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx()))
    members = {name: source.read(name) for name in source.namelist()}
    sheet = next(name for name in members if name.startswith("xl/worksheets/"))
    head, _, rest = members[sheet].decode().partition("<sheetData>")
    row = '<row><c t="inlineStr"><is><t>2026-03-10</t></is></c></row>'
    members[sheet] = (
        head + "<sheetData>" + row * rows + "</sheetData>" + rest.partition("</sheetData>")[2]
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def corpus() -> list[Bad]:
    good_rows = [_row(campaign_id=f"c{n}") for n in range(3)]
    good_json = json.dumps(good_rows).encode()
    good_csv = _csv(good_rows).encode()
    good_xlsx = _xlsx()
    items: list[Bad] = []
    add = items.append

    # JSON
    for share in (0.1, 0.3, 0.5, 0.7, 0.9):
        add(Bad(f"json truncated at {share:.0%}", "t.json", good_json[: int(len(good_json) * share)]))
    add(Bad("json missing its last byte", "t.json", good_json[:-1]))
    for body in (b"{}", b'"text"', b"123", b"null", b"true", b'{"date": "2024-01-01"}'):
        add(Bad(f"json not an array: {body[:12]!r}", "n.json", body))
    for body in (b"[1, 2, 3]", b"[[1, 2]]", b'["a", "b"]', b"[null]", b"[]", b"[{}]"):
        add(Bad(f"json array of non-rows: {body!r}", "a.json", body))
    add(Bad("json empty", "e.json", b""))
    add(Bad("json whitespace", "e.json", b" \n\t\n"))
    add(Bad("json BOM only", "e.json", b"\xef\xbb\xbf"))
    add(Bad("json nested 100,000 arrays", "deep.json", b"[" * 100_000 + b"]" * 100_000))
    add(Bad("json nested 100,000 objects", "deep.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000))
    add(Bad("json 100,000 arrays never closed", "deep.json", b"[" * 100_000))
    add(
        Bad(
            "json rows nested 100,000 deep",
            "deep.json",
            b"[" + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"]",
        )
    )
    add(
        Bad(
            "json duplicate keys",
            "dup.json",
            good_json.replace(b'"spend": 12.5', b'"spend": 12.5, "spend": "12,5"'),
        )
    )
    add(
        Bad(
            "json duplicate keys, the last one bad",
            "dup.json",
            json.dumps(good_rows).replace('"spend"', '"date": "x", "spend"').encode(),
        )
    )
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e400", b'"12.5"', b'{"v": 1}', b"[1]", b"true"):
        add(Bad(f"json spend {literal!r}", "s.json", good_json.replace(b"12.5", literal, 1)))
    add(Bad("json trailing comma", "c.json", good_json[:-1] + b",]"))
    add(Bad("json with a comment", "c.json", b"// costs\n" + good_json))
    add(Bad("json single quotes", "q.json", good_json.replace(b'"', b"'")))
    add(Bad("json extra data after the array", "x.json", good_json + b"[]"))
    add(
        Bad("json lines (one object a line)", "l.json", b"\n".join(json.dumps(r).encode() for r in good_rows))
    )
    add(Bad("json UTF-16 with BOM", "u.json", good_json.decode().encode("utf-16")))
    add(Bad("json UTF-16 without BOM", "u.json", good_json.decode().encode("utf-16-le")))
    add(
        Bad(
            "json Latin-1",
            "l1.json",
            json.dumps([_row(campaign_name="café")], ensure_ascii=False).encode("latin-1"),
        )
    )
    add(Bad("json 5 MB single line", "big.json", json.dumps([_row(campaign_name="x" * 5_000_000)]).encode()))
    add(Bad("json NUL escaped in a value", "nul.json", json.dumps([_row(campaign_id="c\u00001")]).encode()))
    add(Bad("json raw NUL bytes", "nul.json", good_json.replace(b"spring", b"spr\x00ng")))
    add(Bad("json NUL in a key", "nul.json", json.dumps([{**_row(), "x\u0000y": 1}]).encode()))
    add(Bad("json lone surrogate in a value", "sur.json", good_json.replace(b"spring", b"spr\\ud800ng")))
    add(Bad("json lone surrogate in a key", "sur.json", good_json.replace(b'"geo"', b'"ge\\udc80o"')))
    add(Bad("json invalid UTF-8", "bad.json", good_json.replace(b"spring", b"spr\xff\xfeng")))
    add(
        Bad(
            "json formula in names",
            "f.json",
            json.dumps([_row(campaign_name="=cmd|' /C calc'!A0")]).encode(),
            blocks=False,
        )
    )

    # CSV
    add(Bad("csv truncated mid-row", "t.csv", good_csv[: len(good_csv) - 20]))
    add(Bad("csv truncated mid-header", "t.csv", good_csv[:15]))
    add(Bad("csv header only", "h.csv", (",".join(FIELDS) + "\n").encode()))
    add(Bad("csv header only, BOM, no newline", "h.csv", b"\xef\xbb\xbf" + ",".join(FIELDS).encode()))
    add(Bad("csv empty", "e.csv", b""))
    add(Bad("csv blank lines only", "e.csv", b"\n\n\r\n\n"))
    add(Bad("csv BOM only", "e.csv", b"\xef\xbb\xbf"))
    add(Bad("csv UTF-16 LE with BOM", "u.csv", good_csv.decode().encode("utf-16")))
    add(Bad("csv UTF-16 BE with BOM", "u.csv", b"\xfe\xff" + good_csv.decode().encode("utf-16-be")))
    add(Bad("csv UTF-16 LE without BOM", "u.csv", good_csv.decode().encode("utf-16-le")))
    add(Bad("csv UTF-32", "u.csv", good_csv.decode().encode("utf-32")))
    add(Bad("csv Latin-1 values", "l1.csv", _csv([_row(campaign_name="café_été")]).encode("latin-1")))
    add(
        Bad(
            "csv Latin-1 header",
            "l1.csv",
            _csv(good_rows).replace("campaign_name", "campaign_namé").encode("latin-1"),
        )
    )
    add(Bad("csv cp1252 quotes", "w.csv", _csv([_row(campaign_name="“spring”")]).encode("cp1252")))
    add(Bad("csv pipe delimited", "p.csv", _csv(good_rows, "|").encode()))
    add(Bad("csv space delimited", "s.csv", _csv(good_rows, " ").encode()))
    add(Bad("csv mixed delimiters", "m.csv", good_csv.replace(b",", b";", 5)))
    for formula in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")'):
        add(
            Bad(
                f"csv formula {formula[:8]!r}",
                "f.csv",
                _csv([_row(campaign_name=formula, campaign_id=formula[:20])]).encode(),
                blocks=False,
            )
        )
    add(Bad("csv 5 MB single line, no newline", "line.csv", b"a" * 5_000_000))
    add(Bad("csv 5 MB single row", "line.csv", (",".join(FIELDS) + "\n" + "x," * 2_500_000).encode()))
    add(Bad("csv 5 MB quoted field", "field.csv", good_csv + b'2024-01-01,"' + b"y" * 5_000_000 + b'",c\n'))
    add(
        Bad(
            "csv 10,000 columns",
            "wide.csv",
            (",".join(f"col{n}" for n in range(10_000)) + "\n" + "1," * 9_999 + "1\n").encode(),
        )
    )
    add(Bad("csv 10,000 values on a row", "wide.csv", good_csv + b"1," * 9_999 + b"1\n"))
    add(Bad("csv NUL in the header", "nul.csv", good_csv.replace(b"geo", b"g\x00eo", 1)))
    add(Bad("csv NUL in values", "nul.csv", good_csv.replace(b"spring", b"spr\x00ng")))
    add(Bad("csv NUL bytes only", "nul.csv", b"\x00" * 4096))
    add(Bad("csv unbalanced quote in the header", "q.csv", b'"date,app_id\n' + good_csv))
    add(
        Bad(
            "csv unbalanced quote in a row",
            "q.csv",
            good_csv.replace(b"spring", b'spr"ing', 1).replace(b",c0", b',"c0', 1),
        )
    )
    add(Bad("csv quote never closed", "q.csv", good_csv + b'"' + b"z" * 1000))
    add(Bad("csv CR line endings (readable)", "cr.csv", good_csv.replace(b"\n", b"\r"), blocks=False))
    add(Bad("csv duplicated columns", "d.csv", good_csv.replace(b"geo", b"spend", 1)))
    add(Bad("csv unknown columns only", "u.csv", b"a,b,c\n1,2,3\n"))
    add(Bad("csv rows too short", "r.csv", good_csv + b"2024-01-01,id1\n"))
    add(Bad("csv thousands separators", "k.csv", _csv([_row(spend='"1,000.50"')]).encode()))
    add(
        Bad("csv impossible dates", "d.csv", _csv([_row(date="2024-13-45"), _row(date="yesterday")]).encode())
    )
    add(Bad("csv a megabyte of commas", "c.csv", b"," * 1_000_000 + b"\n"))
    add(Bad("csv json content", "j.csv", good_json))

    # XLSX
    for share in (0.1, 0.5, 0.9):
        add(Bad(f"xlsx truncated at {share:.0%}", "t.xlsx", good_xlsx[: int(len(good_xlsx) * share)]))
    add(Bad("zip that is not a workbook", "z.xlsx", _zip({"readme.txt": b"hello"})))
    add(Bad("empty zip", "z.xlsx", _zip({})))
    add(Bad("xlsx with no sheets", "n.xlsx", _xlsx_rewritten({
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
        "xl/worksheets/sheet1.xml": None,
    })))  # fmt: skip
    add(
        Bad(
            "xlsx with a broken sheet",
            "b.xlsx",
            _xlsx_rewritten({"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"}),
        )
    )
    add(Bad("xlsx with no sheet part", "b.xlsx", _xlsx_rewritten({"xl/worksheets/sheet1.xml": None})))
    add(Bad("xlsx with garbage styles", "b.xlsx", _xlsx_rewritten({"xl/styles.xml": b"\x00\x01garbage"})))
    add(Bad("xlsx empty first sheet", "e.xlsx", _xlsx([])))
    add(Bad("xlsx header only", "h.xlsx", _xlsx([FIELDS])))
    add(
        Bad(
            "xlsx formulas",
            "f.xlsx",
            _xlsx([FIELDS, [*list(_row().values())[:4], "=cmd|' /C calc'!A0", "US", "USD", "=1+1"]]),
        )
    )
    add(Bad("xlsx 10,000 columns", "w.xlsx", _xlsx([[f"col{n}" for n in range(10_000)], [1] * 10_000])))
    add(Bad("xlsx wrong types", "t.xlsx", _xlsx([FIELDS, [None, 1, 2.5, True, None, 3, 4, "abc"]])))
    add(Bad("xlsx name, csv content", "c.xlsx", good_csv))
    add(Bad("xlsx name, PK then garbage", "g.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4))

    # What an adversarial pass found (the hardening issue): a workbook that unpacks far, numbers
    # past any range, a picture named .csv, a name that tries to smuggle a filename* of its own.
    add(Bad("xlsx zip bomb (200,000 rows packed small)", "bomb.xlsx", _xlsx_bomb(200_000)))
    spend_row = {**_row(), "spend": "SPEND"}
    huge = json.dumps([spend_row]).replace('"SPEND"', "1e1000000").encode()
    add(Bad("json spend 1e1000000", "huge.json", huge))
    many = json.dumps([{**spend_row, "campaign_id": f"c{n}"} for n in range(50)])
    add(Bad("json 50 spends of 1e999999", "huge.json", many.replace('"SPEND"', "1e999999").encode()))
    add(Bad("csv spend of 100,000 digits", "huge.csv", _csv([_row(spend="9" * 100_000)]).encode()))
    add(Bad("png named .csv", "cost.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4))
    add(Bad("pdf named .csv", "cost.csv", b"%PDF-1.7\n" + bytes(range(256)) * 4))
    evil = "x\"; filename*=UTF-8''evil.html; y=\"z.json"
    add(Bad("a file name with its own filename*", evil, json.dumps([_row(geo="XX")]).encode()))

    # No telling name: the format is guessed from the first bytes.
    add(Bad("unnamed zip", "costs", _zip({"a": b"b"})))
    add(Bad("unnamed garbage", "costs", bytes(range(256)) * 8))
    add(Bad("unnamed truncated json", "costs", good_json[:40]))
    add(Bad("unknown extension, gzip", "costs.gz", b"\x1f\x8b\x08\x00" + bytes(200)))

    # Binary garbage, repeatable.
    generator = random.Random(20_240_101)
    for number in range(12):
        size = generator.choice((1, 17, 512, 4096, 65_536))
        ext = ("json", "csv", "xlsx")[number % 3]
        add(Bad(f"garbage {number} ({size} bytes)", f"g{number}.{ext}", generator.randbytes(size)))
    return items


CORPUS = corpus()
