"""Writes to the sandbox's state: partners, apps, clicks, calls, jobs and the spend ledger."""

import base64
import datetime as dt
import json
import secrets
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from incost_portal.sandbox import selectors
from incost_portal.sandbox.codes import APPLIED, PROCESSING_ERROR, VALIDATION_ERROR
from incost_portal.sandbox.config import SandboxConfig
from incost_portal.sandbox.store import opened, store_init, write
from incost_portal.sandbox.validation import rows_validate

TOKEN_MIN_LENGTH = 700

CALL_PRUNE_EVERY = 1000
JOB_BODIES_KEPT = 1000

# Which count each call falls under: upload and job status share one, as the spec says.
INCOST_BUCKET = "incost"
APP_LIST_BUCKET = "app_list"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_new(*, partner_name: str) -> str:
    """A JWT-shaped token of 700+ characters, like AppsFlyer's V2.0 API tokens (not a real JWT)."""
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {
        "iss": "incost-sandbox",
        "sub": partner_name,
        "iat": int(time.time()),
        "jti": secrets.token_hex(16),
        "scope": secrets.token_urlsafe(360),
    }
    token = ".".join(
        [
            _b64(json.dumps(header).encode()),
            _b64(json.dumps(payload).encode()),
            _b64(secrets.token_bytes(64)),
        ]
    )
    assert len(token) >= TOKEN_MIN_LENGTH
    return token


@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    token: str


def partner_create(
    conn: sqlite3.Connection, *, name: str, media_sources: Iterable[str], app_ids: Iterable[str] = ()
) -> Partner:
    """Register an ad-network account with its media sources and, optionally, apps enabled for it."""
    name = name.strip()
    if not name:
        raise ValueError("A partner needs a name.")
    token = token_new(partner_name=name)
    with write(conn):
        if selectors.partner_by_name(conn, name=name) is not None:
            raise ValueError(f"A partner named {name!r} exists already.")
        cursor = conn.execute(
            "INSERT INTO partner (name, token, created_at) VALUES (?, ?, ?)", [name, token, time.time()]
        )
        partner = Partner(id=int(cursor.lastrowid or 0), name=name, token=token)
        _media_sources_add(conn, partner_id=partner.id, names=media_sources)
    for app_id in app_ids:
        app_enable(conn, partner_name=name, app_id=app_id)
    return partner


def _media_sources_add(conn: sqlite3.Connection, *, partner_id: int, names: Iterable[str]) -> None:
    for source in names:
        if source.strip():
            conn.execute(
                "INSERT OR IGNORE INTO media_source (partner_id, name) VALUES (?, ?)",
                [partner_id, source.strip()],
            )


def partner_ensure(*, db_path: Path | str, name: str, media_sources: Iterable[str]) -> str:
    """The partner's token, creating the partner (and the file) when missing; safe to run again."""
    store_init(db_path)
    with opened(db_path) as conn:
        partner = selectors.partner_by_name(conn, name=name)
        if partner is None:
            return partner_create(conn, name=name, media_sources=media_sources).token
        with write(conn):
            _media_sources_add(conn, partner_id=partner["id"], names=media_sources)
        return str(partner["token"])


def app_enable(
    conn: sqlite3.Connection,
    *,
    partner_name: str,
    app_id: str,
    name: str = "",
    platform: str = "",
    time_zone: str = "UTC",
    currency: str = "USD",
    enabled: bool = True,
) -> None:
    """Create or update an app and enable (or disable) it for a partner, as an advertiser would."""
    if not platform:
        platform = "ios" if app_id.startswith("id") and app_id[2:].isdigit() else "android"
    with write(conn):
        partner = selectors.partner_by_name(conn, name=partner_name)
        if partner is None:
            raise ValueError(f"No partner named {partner_name!r}.")
        conn.execute(
            "INSERT INTO app (app_id, name, platform, time_zone, currency) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (app_id) DO UPDATE SET name = excluded.name, platform = excluded.platform, "
            "time_zone = excluded.time_zone, currency = excluded.currency",
            [app_id, name or app_id, platform, time_zone, currency],
        )
        conn.execute(
            "INSERT INTO partner_app (partner_id, app_id, enabled) VALUES (?, ?, ?) "
            "ON CONFLICT (partner_id, app_id) DO UPDATE SET enabled = excluded.enabled",
            [partner["id"], app_id, int(enabled)],
        )


def click_add(
    conn: sqlite3.Connection,
    *,
    app_id: str,
    media_source: str,
    campaign_id: str,
    adset_id: str = "",
    ad_id: str = "",
    count: int = 1,
) -> None:
    """Record attribution clicks, which the matched-records score of later jobs is computed from."""
    with write(conn):
        conn.execute(
            "INSERT INTO click (app_id, media_source, campaign_id, adset_id, ad_id, count) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, media_source, campaign_id, adset_id, ad_id) "
            "DO UPDATE SET count = count + excluded.count",
            [app_id, media_source, campaign_id, adset_id, ad_id, count],
        )


@dataclass(frozen=True)
class CallAdmission:
    number: int  # the partner's own count of calls, 1, 2, ...: fault decisions follow it
    allowed: bool


def call_admit(
    conn: sqlite3.Connection, *, partner_id: int, bucket: str, method: str, path: str, config: SandboxConfig
) -> CallAdmission:
    """Log a call and decide if the token's rate limits let it in (a refused call is not counted).

    The windows slide: no span of `minute_seconds` ever holds more than the per-minute limit, so a
    client that passes here passes AppsFlyer under either reading (fixed or sliding windows).
    """
    if bucket == INCOST_BUCKET:
        limits = (
            (config.minute_seconds, config.incost_per_minute),
            (config.day_seconds, config.incost_per_day),
        )
    else:
        limits = (
            (config.minute_seconds, config.app_list_per_minute),
            (config.day_seconds, config.app_list_per_day),
        )
    with write(conn):
        now = config.now()
        allowed = True
        for seconds, limit in limits:
            used = conn.execute(
                "SELECT COUNT(*) FROM call WHERE partner_id = ? AND bucket = ? AND counted = 1 AND at >= ?",
                [partner_id, bucket, now - seconds],
            ).fetchone()[0]
            allowed = allowed and used < limit
        cursor = conn.execute(
            "INSERT INTO call (partner_id, bucket, at, method, path, counted) VALUES (?, ?, ?, ?, ?, ?)",
            [partner_id, bucket, now, method, path, int(allowed)],
        )
        if int(cursor.lastrowid or 0) % CALL_PRUNE_EVERY == 0:
            # Calls older than two days count for nothing: keep the log from growing without end.
            conn.execute("DELETE FROM call WHERE at < ?", [now - 2 * config.day_seconds])
        # Per partner, so that a test's own partner meets the same faults whatever ran before.
        conn.execute("UPDATE partner SET calls = calls + 1 WHERE id = ?", [partner_id])
        number = conn.execute("SELECT calls FROM partner WHERE id = ?", [partner_id]).fetchone()[0]
    return CallAdmission(number=int(number), allowed=allowed)


def job_create(
    conn: sqlite3.Connection,
    *,
    partner_id: int,
    app: sqlite3.Row,
    body: bytes,
    rows: list[dict[str, Any]],
    config: SandboxConfig,
    processing_error: bool,
) -> str:
    """Accept an upload: the job's outcome is judged now and shown once its in-progress time is over."""
    now = config.now()
    problem = rows_validate(
        rows,
        app_id=app["app_id"],
        time_zone=app["time_zone"],
        history_days=config.history_days,
        now=dt.datetime.fromtimestamp(now, dt.UTC),
    )
    outcome, code, message = APPLIED, "", ""
    if problem is not None:
        outcome, code, message = VALIDATION_ERROR, problem.code, problem.message
    elif processing_error:
        outcome = PROCESSING_ERROR
    dates = sorted(str(row.get("date")) for row in rows)
    agencies = sorted({str(row["af_prt"]) for row in rows if row.get("af_prt")})
    job_id = str(uuid.uuid4())
    with write(conn):
        conn.execute(
            "INSERT INTO job (job_id, partner_id, app_id, body, created_at, finish_at, outcome, error_code, "
            "error_message, date_from, date_to, agency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                job_id,
                partner_id,
                app["app_id"],
                body.decode("utf-8"),
                now,
                now + config.in_progress_seconds,
                outcome,
                code,
                message,
                dates[0] if outcome == APPLIED else "",
                dates[-1] if outcome == APPLIED else "",
                ",".join(agencies),
            ],
        )
    return job_id


def _matched_percentage(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> str:
    """The share of cost rows whose campaign (and adset and ad, where given) has attribution clicks."""
    matched = 0
    for row in rows:
        query = "SELECT 1 FROM click WHERE app_id = ? AND media_source = ? AND campaign_id = ?"
        params = [row["app_id"], row["media_source"], row["campaign_id"]]
        for name in ("adset_id", "ad_id"):
            if row.get(name):
                query += f" AND {name} = ?"
                params.append(row[name])
        if conn.execute(query + " AND count > 0 LIMIT 1", params).fetchone():
            matched += 1
    return f"{Decimal(100 * matched) / Decimal(len(rows)):.2f}"


def jobs_settle(conn: sqlite3.Connection, *, config: SandboxConfig) -> int:
    """Finish every job whose in-progress time is over, in upload order, and apply its spend.

    Called before anything that reads a job or the ledger, so the ledger is always what AppsFlyer
    would hold by now; the job's order (not the reader's) decides which upload replaces which.
    """
    settled = 0
    # Most calls find nothing due: look before taking the write lock.
    if (
        conn.execute(
            "SELECT 1 FROM job WHERE settled = 0 AND finish_at <= ? LIMIT 1", [config.now()]
        ).fetchone()
        is None
    ):
        return 0
    with write(conn):
        due = conn.execute(
            "SELECT * FROM job WHERE settled = 0 AND finish_at <= ? ORDER BY seq", [config.now()]
        ).fetchall()
        for job in due:
            percentage = ""
            if job["outcome"] == APPLIED:
                rows = json.loads(job["body"], parse_float=Decimal)
                percentage = _matched_percentage(conn, rows)
                _ledger_apply(conn, job=job, rows=rows, mode=config.ledger_mode)
            conn.execute(
                "UPDATE job SET settled = 1, matched_records_percentage = ? WHERE seq = ?",
                [percentage, job["seq"]],
            )
            settled += 1
        # Long runs (benchmarks) would keep every body: only the latest ones stay downloadable.
        conn.execute(
            "UPDATE job SET body = '' WHERE settled = 1 AND body != '' AND seq <= "
            "(SELECT MAX(seq) FROM job) - ?",
            [JOB_BODIES_KEPT],
        )
    return settled


def _ledger_apply(
    conn: sqlite3.Connection, *, job: sqlite3.Row, rows: list[dict[str, Any]], mode: str
) -> None:
    groups = {(row["app_id"], row["date"], row["media_source"]) for row in rows}
    if mode == "replace":
        for app_id, date, source in groups:
            conn.execute(
                "DELETE FROM ledger WHERE partner_id = ? AND app_id = ? AND date = ? AND media_source = ?",
                [job["partner_id"], app_id, date, source],
            )
    for row in rows:
        conn.execute(
            "INSERT INTO ledger (partner_id, app_id, date, media_source, job_id, currency, spend, row_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                job["partner_id"],
                row["app_id"],
                row["date"],
                row["media_source"],
                job["job_id"],
                row["currency"],
                str(row["spend"]),
                json.dumps(row, default=str),
            ],
        )
