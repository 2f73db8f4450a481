"""A network wired to its own sandbox partner, and cost put in the way users put it in.

The `wired` fixture (tests/conftest.py) gives each test one, with the incost queue emptied."""

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import django_rq
from django.contrib.auth import get_user_model
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from incost_portal.costs.models import CostRow
from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from incost_portal.networks.models import App, Network, Role
from incost_portal.networks.services import (
    api_token_set,
    app_create,
    media_source_create,
    membership_set,
    network_create,
)
from tests.builders import ANDROID, IOS, csv_bytes
from tests.sandbox.running import Sandbox


@dataclass
class Wired:
    network: Network
    partner: str
    user: Any
    ios: App
    android: App
    sandbox: Sandbox

    def put_cost(self, rows: list[dict[str, Any]]) -> None:
        """Upload and accept rows as ad ops would; fails the test if the file is not accepted."""
        upload = cost_upload_create(
            network=self.network, user=self.user, file=io.BytesIO(csv_bytes(rows)), name="c.csv"
        )
        assert upload.status == upload.Status.VALID, list(
            upload.issues.values_list("row", "field", "code", "message")
        )
        cost_upload_accept(upload=upload, user=self.user)

    def ledger(self) -> dict[tuple[str, str, str], Decimal]:
        """The sandbox's applied spend per (app, date, media source)."""
        answer = self.sandbox.ledger(self.partner)
        return {(g["app_id"], g["date"], g["media_source"]): Decimal(g["spend"]) for g in answer["groups"]}

    def portal_totals(self) -> dict[tuple[str, str, str], Decimal]:
        totals: dict[tuple[str, str, str], Decimal] = {}
        for app_id, date, source, spend in CostRow.objects.filter(network=self.network).values_list(
            "app__app_id", "date", "media_source", "spend"
        ):
            key = (app_id, date.isoformat(), source)
            totals[key] = totals.get(key, Decimal(0)) + spend
        return totals

    def ledger_rows(self) -> list[dict[str, Any]]:
        return [row["row"] for row in self.sandbox.ledger(self.partner)["rows"]]


def wire(sandbox: Sandbox, slug: str = "acme") -> Wired:
    partner, token = sandbox.partner(media_sources=("acme_int", "other_int"))
    network = network_create(name=f"Acme {slug}", slug=slug, api_base_url=sandbox.api_url)
    user = get_user_model().objects.create_user(f"ops-{slug}", f"ops-{slug}@example.org", "pw")
    membership_set(network=network, user=user, role=Role.OPS)
    media_source_create(network=network, name="acme_int")
    media_source_create(network=network, name="other_int")
    # Registered in the portal but not at AppsFlyer: AppsFlyer answers ic213.
    media_source_create(network=network, name="unregistered_int")
    api_token_set(network=network, plaintext=token, user=None)
    ios = app_create(
        network=network, app_id=IOS, name="iOS test", platform=App.Platform.IOS, is_test_app=True
    )
    android = app_create(network=network, app_id=ANDROID, name="Android test", is_test_app=True)
    return Wired(network=network, partner=partner, user=user, ios=ios, android=android, sandbox=sandbox)


class QuietWorker(SimpleWorker):
    """A burst worker in this process without RQ's command channel: stopping its listener thread
    can wait out redis-py's 60-second read, which a worker that only drains the queue never needs."""

    def subscribe(self) -> None:
        self.pubsub_thread = None

    def unsubscribe(self) -> None:
        pass


def queued_jobs_run() -> None:
    """Run the queued jobs in this process as a worker would, and the jobs they queue, until none is
    left (RQ's SimpleWorker in burst mode): for tests where a worker process is not the point."""
    django_rq.get_worker("incost", "default", worker_class=QuietWorker).work(burst=True)


def incost_queue_empty() -> None:
    """Jobs left by one test must not reach the next one's workers."""
    queue = django_rq.get_queue("incost")
    queue.empty()
    registry = ScheduledJobRegistry(queue=queue)
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)
    # A worker killed by an earlier test keeps its scheduler lock until the lock times out.
    queue.connection.delete(*[f"rq:scheduler-lock:{name}" for name in ("incost", "default")])
