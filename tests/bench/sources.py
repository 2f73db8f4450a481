"""Sources figures: a 1M-row CSV report pulled over HTTP (through the outbound guard) and accepted,
against the same file through the upload page's ingest (checked for the preview, then accepted),
each in a fresh process on the same bench database, in the same run."""

import contextlib
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from incost_portal.runtime.redis_server import free_port
from tests.bench import BenchContext, Figure, benchmark
from tests.bench.cost_data import cost_csv
from tests.bench.costs import _bench_database, _probe

GOAL = 1.2


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serving(directory: Path) -> Iterator[str]:
    """The directory over HTTP on a local port (the network's reporting server)."""
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@benchmark("sources")
def source_figures(context: BenchContext) -> list[Figure]:
    rows = context.rows
    name = f"pull of {rows:,} CSV rows over HTTP, accepted"
    if not context.database_url:
        reason = "skipped: set DATABASE_URL to a PostgreSQL server (a bench database is made beside it)"
        return [Figure(name, None, "s", goal=f"<= {GOAL}x the upload page", note=reason)]
    reports = context.workdir / "reports"
    reports.mkdir(exist_ok=True)
    path = cost_csv(reports / "costs.csv", rows)
    env_extra = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32", "SOURCE_FETCH_TIMEOUT_SECONDS": "600"}
    with _bench_database(context) as env, _serving(reports) as base:
        page = _probe(context, "upload_page", str(path), env=env)
        pulled = _probe(context, "source_pull", f"{base}/costs.csv", env={**env, **env_extra})
    if pulled.get("seconds") is None:
        raise RuntimeError(f"source pull failed: {pulled}")
    ratio = pulled["seconds"] / page["seconds"]
    return [
        Figure(
            name,
            pulled["seconds"],
            "s",
            page["seconds"],
            "upload page: check, then accept",
            ratio,
            f"<= {GOAL}x",
            ratio <= GOAL,
            note=(
                f"{pulled['bytes']:,} bytes fetched through the outbound guard, {pulled['rows']:,} rows; the "
                "run checks and accepts in one pass, as a push is stored; peak memory "
                f"{pulled['peak_mb']:.0f} MB (upload page {page['peak_mb']:.0f} MB)"
            ),
        )
    ]
