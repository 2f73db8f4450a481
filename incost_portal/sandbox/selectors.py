"""Reads of the sandbox's state. Every function takes an open connection (see sandbox.store)."""

import json
import sqlite3
from decimal import Decimal
from typing import Any


def partner_by_token(conn: sqlite3.Connection, *, token: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM partner WHERE token = ?", [token]).fetchone()


def partner_by_name(conn: sqlite3.Connection, *, name: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM partner WHERE name = ?", [name]).fetchone()


def partner_list(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Partners with their media sources and enabled apps; never their tokens."""
    partners = []
    for partner in conn.execute("SELECT id, name FROM partner ORDER BY name"):
        apps, _ = partner_apps(conn, partner_id=partner["id"], limit=10_000, offset=0)
        partners.append(
            {
                "name": partner["name"],
                "media_sources": sorted(media_sources_of(conn, partner_id=partner["id"])),
                "apps": [app["app_id"] for app in apps],
            }
        )
    return partners


def media_sources_of(conn: sqlite3.Connection, *, partner_id: int) -> set[str]:
    rows = conn.execute("SELECT name FROM media_source WHERE partner_id = ?", [partner_id])
    return {row["name"] for row in rows}


def app_get(conn: sqlite3.Connection, *, app_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM app WHERE app_id = ?", [app_id]).fetchone()


def app_enabled_for(conn: sqlite3.Connection, *, partner_id: int, app_id: str) -> bool:
    """The test apps are enabled for every partner; other apps when the advertiser enabled them."""
    row = conn.execute(
        "SELECT 1 FROM enabled_app WHERE partner_id = ? AND app_id = ?", [partner_id, app_id]
    ).fetchone()
    return row is not None


def partner_apps(
    conn: sqlite3.Connection, *, partner_id: int, limit: int, offset: int
) -> tuple[list[sqlite3.Row], int]:
    """One page of the partner's enabled apps, by app id, and how many there are in all."""
    total = conn.execute("SELECT COUNT(*) FROM enabled_app WHERE partner_id = ?", [partner_id]).fetchone()[0]
    rows = conn.execute(
        "SELECT * FROM enabled_app WHERE partner_id = ? ORDER BY app_id LIMIT ? OFFSET ?",
        [partner_id, limit, offset],
    ).fetchall()
    return rows, total


def job_get(conn: sqlite3.Connection, *, job_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM job WHERE job_id = ?", [job_id]).fetchone()


def job_list(conn: sqlite3.Connection, *, partner_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT job_id, app_id, created_at, finish_at, outcome, error_code, settled "
        "FROM job WHERE partner_id = ? ORDER BY seq",
        [partner_id],
    )
    return [dict(row) for row in rows]


def ledger_list(conn: sqlite3.Connection, *, partner_id: int, app_id: str = "") -> dict[str, Any]:
    """The spend applied for a partner: every row, and per (app, date, media source) the totals."""
    query = "SELECT * FROM ledger WHERE partner_id = ?"
    params: list[Any] = [partner_id]
    if app_id:
        query += " AND app_id = ?"
        params.append(app_id)
    rows = conn.execute(query + " ORDER BY app_id, date, media_source, id", params).fetchall()
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    total = Decimal(0)
    for row in rows:
        key = (row["app_id"], row["date"], row["media_source"])
        group = groups.setdefault(
            key,
            {
                "app_id": key[0],
                "date": key[1],
                "media_source": key[2],
                "currency": row["currency"],
                "spend": Decimal(0),
                "rows": 0,
                "job_ids": [],
            },
        )
        group["spend"] += Decimal(row["spend"])
        group["rows"] += 1
        if row["job_id"] not in group["job_ids"]:
            group["job_ids"].append(row["job_id"])
        total += Decimal(row["spend"])
    return {
        "groups": [{**group, "spend": str(group["spend"])} for group in groups.values()],
        "rows": [_ledger_row(row) for row in rows],
        "spend_total": str(total),
        "row_count": len(rows),
    }


def _ledger_row(row: sqlite3.Row) -> dict[str, Any]:
    fields = dict(row)
    fields["row"] = json.loads(fields.pop("row_json"))
    return fields


def calls_list(conn: sqlite3.Connection, *, partner_id: int) -> list[dict[str, Any]]:
    """Every call the partner made, in order: when, which count it fell under, and if it was let in."""
    rows = conn.execute(
        "SELECT id, bucket, at, method, path, counted FROM call WHERE partner_id = ? ORDER BY id",
        [partner_id],
    )
    return [dict(row) for row in rows]
