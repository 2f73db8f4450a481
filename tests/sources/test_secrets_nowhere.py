"""A source's secrets (a request header, an S3 secret key) appear nowhere once given: not in any
page or API answer, log line (every logger at DEBUG, SQL with its parameters), Redis key (RQ jobs
opened) or database column, through runs that succeed, fail at the report and fail at the bucket."""

from typing import Any

import pytest
from django.test import Client, override_settings

from incost_portal.api.services import api_key_create
from incost_portal.networks.models import Role
from incost_portal.networks.services import membership_set
from incost_portal.sources.models import SourceRun
from incost_portal.sources.services.config import source_create
from incost_portal.sources.services.runs import source_run_request
from tests.builders import IOS, cost_rows, csv_bytes
from tests.hardening.secrets_scan import database_dump, every_log_at_debug, pieces_found, redis_dump
from tests.sources.buckets import ACCESS_KEY_ID, s3_running
from tests.sources.conftest import FAST
from tests.sources.reports import reports_running
from tests.sources.running import jobs_run
from tests.wiring import Wired

pytestmark = pytest.mark.django_db(transaction=True)
HEADER_SECRET = "Bearer hdr-7Qm2xV9pLk4sT8wZ3nRb"
S3_SECRET = "s3key-Jd83kLq0PzXw5VbN7cTy2MfA"


def test_source_secrets_are_nowhere(wired: Wired, settings: Any) -> None:
    membership_set(network=wired.network, user=wired.user, role=Role.ADMIN)
    with (
        reports_running() as reports,
        s3_running() as s3,
        override_settings(**FAST),
        every_log_at_debug() as logs,
    ):
        s3.bucket("costs")
        s3.put("costs", "x/a.csv", csv_bytes(cost_rows(IOS, range(1, 2))))
        reports.set(
            "/ok.csv", body=csv_bytes(cost_rows(IOS, range(1, 3))), require={"Authorization": HEADER_SECRET}
        )
        reports.set("/refused.csv", status=403)
        values = {"kind": "https", "url_template": reports.url("/ok.csv")}
        https = source_create(
            network=wired.network, user=wired.user, values={"name": "ok", **values},
            headers={"Authorization": HEADER_SECRET},
        )  # fmt: skip
        refused = source_create(
            network=wired.network, user=wired.user,
            values={"name": "refused", "kind": "https", "url_template": reports.url("/refused.csv")},
            headers={"Authorization": HEADER_SECRET},
        )  # fmt: skip
        bucket_values = {"kind": "s3", "bucket": "costs", "prefix": "x/", "endpoint_url": s3.endpoint,
                         "access_key_id": ACCESS_KEY_ID}  # fmt: skip
        bucket = source_create(
            network=wired.network, user=wired.user, values={"name": "bucket", **bucket_values},
            secret_key=S3_SECRET,
        )  # fmt: skip
        missing = source_create(
            network=wired.network, user=wired.user,
            values={"name": "missing", **bucket_values, "bucket": "nope"}, secret_key=S3_SECRET,
        )  # fmt: skip
        for source in (https, refused, bucket, missing):
            source_run_request(source=source, user=wired.user, dry_run=source is https)
            source_run_request(source=source, user=wired.user)
        jobs_run()
        outcomes = set(SourceRun.objects.values_list("outcome", flat=True))
        assert {SourceRun.Outcome.SUCCEEDED, SourceRun.Outcome.FAILED} <= outcomes

        client = Client()
        client.force_login(wired.user)
        base = f"/n/{wired.network.code}/settings/sources/"
        bodies = [client.get(base).content.decode()]
        for source in (https, refused, bucket, missing):
            bodies.append(client.get(f"{base}{source.code}/").content.decode())
            bodies.append(client.get(f"{base}{source.code}/edit/").content.decode())
            for run in SourceRun.objects.filter(source=source):
                bodies.append(client.get(f"{base}{source.code}/runs/{run.code}/").content.decode())
        key = api_key_create(network=wired.network, name="scan", user=wired.user).secret
        api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        bodies.append(api.get("/api/v1/sources").content.decode())
        for source in (https, refused, bucket, missing):
            bodies.append(api.get(f"/api/v1/sources/{source.code}/runs").content.decode())

    assert any("…wZ3nRb"[-4:] in body for body in bodies)  # the last four are shown
    places: dict[str, str] = {"pages and API": "\n".join(bodies), "logs": "\n".join(logs.lines)}
    for place, text in [
        *((f"redis {key}", text) for key, text in redis_dump(settings.REDIS_URL)),
        *((f"table {table}", text) for table, text in database_dump()),
    ]:
        places[place] = places.get(place, "") + "\n" + text
    assert "sources_source" in " ".join(places)
    assert len(logs.lines) > 50  # the capture saw the runs
    for secret in (HEADER_SECRET, S3_SECRET):
        leaks = {place: pieces_found(secret, text) for place, text in places.items()}
        assert not {place: found for place, found in leaks.items() if found}, secret
