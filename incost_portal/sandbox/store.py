"""The sandbox's own state: one SQLite file, independent of the portal's database.

Every request opens its own connection (the server runs a thread per request); WAL and
`BEGIN IMMEDIATE` let several threads, and a `seed_demo` run beside the server, share the file.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# AppsFlyer's test apps (the spec, "Testing InCost integration"): enabled for every partner.
TEST_APPS = [
    {
        "app_id": "id888123456",
        "name": "AppsFlyer iOS test app",
        "platform": "ios",
        "time_zone": "UTC",
        "currency": "USD",
    },
    {
        "app_id": "com.cost.app",
        "name": "AppsFlyer Android test app",
        "platform": "android",
        "time_zone": "UTC",
        "currency": "USD",
    },
]
TEST_APP_IDS = frozenset(app["app_id"] for app in TEST_APPS)

SCHEMA = """
CREATE TABLE IF NOT EXISTS partner (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    calls INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS media_source (
    partner_id INTEGER NOT NULL REFERENCES partner(id),
    name TEXT NOT NULL,
    PRIMARY KEY (partner_id, name)
);
CREATE TABLE IF NOT EXISTS app (
    app_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS partner_app (
    partner_id INTEGER NOT NULL REFERENCES partner(id),
    app_id TEXT NOT NULL REFERENCES app(app_id),
    enabled INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (partner_id, app_id)
);
-- The test apps are enabled for every partner; other apps when the advertiser enabled them.
CREATE VIEW IF NOT EXISTS enabled_app AS
    SELECT partner.id AS partner_id, app.* FROM partner JOIN app
    WHERE app.app_id IN ('id888123456', 'com.cost.app') OR EXISTS (
        SELECT 1 FROM partner_app pa
        WHERE pa.partner_id = partner.id AND pa.app_id = app.app_id AND pa.enabled = 1
    );
CREATE TABLE IF NOT EXISTS click (
    app_id TEXT NOT NULL,
    media_source TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    adset_id TEXT NOT NULL DEFAULT '',
    ad_id TEXT NOT NULL DEFAULT '',
    count INTEGER NOT NULL,
    PRIMARY KEY (app_id, media_source, campaign_id, adset_id, ad_id)
);
CREATE TABLE IF NOT EXISTS job (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL UNIQUE,
    partner_id INTEGER NOT NULL REFERENCES partner(id),
    app_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    finish_at REAL NOT NULL,
    outcome TEXT NOT NULL,
    error_code TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    date_from TEXT NOT NULL DEFAULT '',
    date_to TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL DEFAULT '',
    matched_records_percentage TEXT NOT NULL DEFAULT '',
    settled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS job_due ON job (settled, finish_at);
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partner(id),
    app_id TEXT NOT NULL,
    date TEXT NOT NULL,
    media_source TEXT NOT NULL,
    job_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    spend TEXT NOT NULL,
    row_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_group ON ledger (app_id, date, media_source);
CREATE TABLE IF NOT EXISTS call (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id INTEGER,
    bucket TEXT NOT NULL,
    at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    counted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS call_window ON call (partner_id, bucket, counted, at);
CREATE TABLE IF NOT EXISTS setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def connect(db_path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode: writers open their own `BEGIN IMMEDIATE`."""
    conn = sqlite3.connect(str(db_path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once so that read-then-write steps cannot interleave."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def store_init(db_path: Path | str) -> None:
    """Create the file and its tables if missing, and make sure the test apps are there."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    conn = connect(db_path)
    try:
        conn.executescript(SCHEMA)
        # Files made before partners counted their calls.
        if "calls" not in {row["name"] for row in conn.execute("PRAGMA table_info(partner)")}:
            conn.execute("ALTER TABLE partner ADD COLUMN calls INTEGER NOT NULL DEFAULT 0")
        with write(conn):
            for app in TEST_APPS:
                conn.execute(
                    "INSERT OR IGNORE INTO app (app_id, name, platform, time_zone, currency) "
                    "VALUES (:app_id, :name, :platform, :time_zone, :currency)",
                    app,
                )
    finally:
        conn.close()


@contextmanager
def opened(db_path: Path | str) -> Iterator[sqlite3.Connection]:
    conn = connect(db_path)
    try:
        yield conn
    finally:
        conn.close()
