"""`make run`'s demo network pulls a demo report that the sandbox serves, through a source with a
column mapping: run as a worker runs it, its rows are accepted."""

from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.test import override_settings

from incost_portal.costs.models import CostRow
from incost_portal.networks.models import Network
from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.services.runs import source_run_request
from tests.sandbox.running import Sandbox
from tests.sources.running import jobs_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_source_pulls_the_sandbox_report(sandbox: Sandbox) -> None:
    report = requests.get(f"{sandbox.url}/sandbox/demo-report.csv?from=2026-12-01&to=2026-12-02", timeout=10)
    assert report.headers["Content-Type"].startswith("text/csv")
    assert report.text.splitlines()[0] == "Day,App,Network,Campaign ID,Campaign,Country,Currency,Cost"
    assert len(report.text.splitlines()) == 1 + 2 * 2 * 2
    assert requests.get(f"{sandbox.url}/sandbox/demo-report.csv?from=x", timeout=10).status_code == 400

    call_command("seed_demo", sandbox_url=sandbox.api_url, stdout=StringIO())
    call_command("seed_demo", sandbox_url=sandbox.api_url, stdout=StringIO())
    demo = Network.objects.get(slug="demo")
    source = Source.objects.get(network=demo)
    before = CostRow.objects.filter(network=demo).count()
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"]):
        source_run_request(source=source)
        jobs_run()
    run = SourceRun.objects.get(source=source)
    assert run.outcome == SourceRun.Outcome.SUCCEEDED, (run.error, run.issues)
    assert run.rows == 7 * 2 * 2  # the last 7 days, two apps, two campaigns
    assert CostRow.objects.filter(network=demo, campaign_id__startswith="rep").count() == run.rows
    # The report is the truth for its days: their groups now hold its rows, older days stay.
    assert not CostRow.objects.filter(network=demo, date__gte=run.date_from).exclude(
        campaign_id__startswith="rep"
    )
    assert CostRow.objects.filter(network=demo, date__lt=run.date_from).count() == before - 2 * 6 * 3 * 2
