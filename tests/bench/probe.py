"""Work the benchmarks run in a fresh process, so that its peak memory is its own.

`python -m tests.bench.probe WHAT [PATH]` prints one JSON object: seconds, rows, peak_mb.
WHAT: idle | validate | ingest | import_export | upload_page | source_pull. All but the first two use
the database of DATABASE_URL (the bench database) and the network `bench`; `source_pull` takes a URL.
"""

import json
import os
import resource
import sys
import time
from typing import Any


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries a parent's
    ru_maxrss into a child it forks, which would report the bench's own peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _network() -> Any:
    from incost_portal.networks.models import Network
    from incost_portal.networks.services import app_create, media_source_create, network_create
    from tests.bench.cost_data import MEDIA_SOURCES, bench_apps

    network = Network.objects.filter(slug="bench").first()
    if network is None:
        network = network_create(name="Bench Ads", slug="bench")
        for name in MEDIA_SOURCES:
            media_source_create(network=network, name=name)
        for app in bench_apps():
            app_create(network=network, app_id=app.app_id, time_zone=app.time_zone, currency=app.currency)
    return network


def rules() -> Any:
    """The bench network's rules, without a database (for the validation figures)."""
    from incost_portal.costs.validation import AppRules, NetworkRules
    from tests.bench.cost_data import MEDIA_SOURCES, bench_apps

    return NetworkRules(
        media_sources=frozenset(MEDIA_SOURCES),
        apps={
            app.app_id: AppRules(app.app_id, app.time_zone, app.currency, pk=i)
            for i, app in enumerate(bench_apps())
        },
    )


def validate(path: str) -> dict[str, Any]:
    from incost_portal.costs.validation import IssueCollector, cost_file_check

    collector = IssueCollector()
    start = time.perf_counter()
    with open(path, "rb") as stream:
        summary = cost_file_check(stream, rules=rules(), on_issue=collector, name=path)
    return {"seconds": time.perf_counter() - start, "rows": summary.rows, "errors": summary.errors}


def ingest(path: str) -> dict[str, Any]:
    from incost_portal.costs.models import CostRow
    from incost_portal.costs.services import cost_upload_create

    network = _network()
    CostRow.objects.filter(network=network).delete()
    start = time.perf_counter()
    with open(path, "rb") as stream:
        # One pass, as a push is stored: keep the file, parse, validate, COPY, replace groups.
        upload = cost_upload_create(
            network=network, user=None, file=stream, name=os.path.basename(path), accept=True
        )
    done = time.perf_counter()
    if upload.status != upload.Status.ACCEPTED:
        return {"seconds": None, "error": f"{upload.error_count} errors: {upload.issue_counts}"}
    return {
        "seconds": done - start,
        "rows": upload.stored_row_count,
        "stored": CostRow.objects.filter(network=network).count(),
    }


def upload_page(path: str) -> dict[str, Any]:
    """The upload page's ingest: the file kept and checked for its preview, then accepted."""
    from incost_portal.costs.models import CostRow
    from incost_portal.costs.services import cost_upload_accept, cost_upload_create

    network = _network()
    CostRow.objects.filter(network=network).delete()
    start = time.perf_counter()
    with open(path, "rb") as stream:
        upload = cost_upload_create(network=network, user=None, file=stream, name=os.path.basename(path))
    result = cost_upload_accept(upload=upload)
    return {"seconds": time.perf_counter() - start, "rows": result.rows}


def source_pull(url: str) -> dict[str, Any]:
    """A source's run as a worker does it: fetch the report over HTTP through the outbound guard,
    check it and accept it (one pass, as a push is stored)."""
    from incost_portal.costs.models import CostRow
    from incost_portal.sources.models import Source, SourceRun
    from incost_portal.sources.services.config import source_create
    from incost_portal.sources.services.runs import source_run_execute

    network = _network()
    CostRow.objects.filter(network=network).delete()
    Source.objects.filter(network=network).delete()
    source = source_create(
        network=network, user=None, values={"name": "bench", "kind": "https", "url_template": url}
    )
    run = SourceRun.objects.create(source=source, network=network)
    start = time.perf_counter()
    outcome = source_run_execute(run_id=run.pk)
    seconds = time.perf_counter() - start
    run.refresh_from_db()
    if outcome != SourceRun.Outcome.SUCCEEDED:
        return {"seconds": None, "error": f"{outcome}: {run.error} {run.issue_counts}"}
    return {"seconds": seconds, "rows": run.rows, "bytes": run.fetched_bytes}


def import_export(path: str) -> dict[str, Any]:
    """django-import-export's ModelResource importing the same rows into the same table."""
    import tablib
    from django.utils import timezone
    from import_export import fields, resources, widgets

    from incost_portal.costs.models import CostRow
    from incost_portal.networks.models import App

    network = _network()
    CostRow.objects.filter(network=network).delete()
    now = timezone.now()

    class CostRowResource(resources.ModelResource):
        app = fields.Field(
            attribute="app", column_name="app_id", widget=widgets.ForeignKeyWidget(App, field="app_id")
        )

        class Meta:
            model = CostRow
            import_id_fields = (
                "network",
                "app",
                "date",
                "media_source",
                "af_prt",
                "campaign_id",
                "adset_id",
                "ad_id",
                "site_id",
                "geo",
                "channel",
                "keywords",
            )
            fields = (
                *import_id_fields,
                "campaign_name",
                "adset_name",
                "ad_name",
                "currency",
                "spend",
                "clicks",
                "impressions",
                "granularity",
                "updated_at",
            )

    with open(path, encoding="utf-8") as source:
        dataset = tablib.Dataset().load(source.read(), format="csv")
    count = len(dataset)
    for name, value in (
        ("network", network.pk),
        ("updated_at", now),
        ("granularity", "adset_id,adset_name,geo,clicks,impressions"),
    ):
        dataset.append_col([value] * count, header=name)
    for name in ("af_prt", "ad_id", "site_id", "channel", "keywords", "ad_name"):
        dataset.append_col([""] * count, header=name)
    start = time.perf_counter()
    result = CostRowResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.totals.get("new", 0) + result.totals.get("update", 0)}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incost_portal.settings")
    import django

    django.setup()
    what = sys.argv[1]
    out: dict[str, Any] = {}
    if what == "validate":
        out = validate(sys.argv[2])
    elif what == "ingest":
        out = ingest(sys.argv[2])
    elif what == "upload_page":
        out = upload_page(sys.argv[2])
    elif what == "source_pull":
        out = source_pull(sys.argv[2])
    elif what == "import_export":
        out = import_export(sys.argv[2])
    out["peak_mb"] = _peak_mb()
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
