"""App list sync: the network's apps follow AppsFlyer's app permission list (here the sandbox's)."""

from typing import Any

import django_rq
import pytest
from django.conf import settings
from django.test import override_settings
from rq import SimpleWorker

from incost_portal.incost.answers import InCostError
from incost_portal.incost.jobs import app_list_sync_all, app_list_sync_enqueue
from incost_portal.incost.services import app_list_sync
from incost_portal.networks.models import App, Network
from incost_portal.networks.services import api_token_set
from tests.cast import BaseTestCase
from tests.sandbox.running import Sandbox


class AppListSyncTestCase(BaseTestCase):
    sandbox: Sandbox
    private_redis_url: str

    @pytest.fixture(autouse=True)
    def _sandbox(self, sandbox: Sandbox, private_redis_url: str) -> None:
        self.private_redis_url = private_redis_url
        self.sandbox = sandbox
        self.partner, token = sandbox.partner(media_sources=("acme_int",))
        Network.objects.filter(pk=self.network.pk).update(api_base_url=sandbox.api_url)
        self.network.refresh_from_db()
        api_token_set(network=self.network, plaintext=token, user=self.admin)
        self.enable(
            "id123456789", name="Acme Puzzle 2", platform="ios", time_zone="Europe/Berlin", currency="EUR"
        )
        self.enable("com.acme.racer", name="Acme Racer", platform="android", time_zone="Asia/Tokyo")

    def enable(self, app_id: str, *, enabled: bool = True, **fields: str) -> None:
        self.sandbox.post(
            "/sandbox/apps", {"partner": self.partner, "app_id": app_id, "enabled": enabled, **fields}
        )

    def app(self, app_id: str) -> App:
        return App.objects.get(network=self.network, app_id=app_id)

    def test_it_creates_updates_and_disables(self) -> None:
        result = app_list_sync(network=self.network)
        # Listed: the two test apps, id123456789 (known, changed) and com.acme.racer (new).
        assert (result.listed, result.created, result.updated, result.disabled) == (4, 3, 1, 1)
        puzzle = self.app("id123456789")
        assert (puzzle.name, puzzle.platform, puzzle.time_zone, puzzle.currency) == (
            "Acme Puzzle 2",
            "ios",
            "Europe/Berlin",
            "EUR",
        )
        assert puzzle.enabled and puzzle.last_synced_at is not None
        racer = self.app("com.acme.racer")
        assert (racer.platform, racer.time_zone, racer.currency, racer.is_test_app) == (
            "android",
            "Asia/Tokyo",
            "USD",
            False,
        )
        assert self.app("id888123456").is_test_app
        # No longer listed: kept, but disabled.
        assert not self.app("com.acme.game").enabled
        # Nothing of another network is touched.
        assert App.objects.get(app_id="com.other.app").enabled

    def test_a_second_sync_changes_only_what_changed(self) -> None:
        app_list_sync(network=self.network)
        self.enable("com.acme.racer", enabled=False)
        result = app_list_sync(network=self.network)
        assert (result.listed, result.created, result.updated, result.disabled) == (3, 0, 0, 1)
        assert not self.app("com.acme.racer").enabled
        self.enable("com.acme.racer")
        app_list_sync(network=self.network)
        assert self.app("com.acme.racer").enabled

    def test_it_pages_through_the_list(self) -> None:
        result = app_list_sync(network=self.network, page_size=3)
        assert result.listed == 4
        calls = self.sandbox.get("/sandbox/calls", partner=self.partner)["calls"]
        assert [call["bucket"] for call in calls] == ["app_list", "app_list"]

    def test_a_failed_page_changes_nothing(self) -> None:
        self.sandbox.configure(server_error_share=1.0)
        with pytest.raises(InCostError) as caught:
            app_list_sync(network=self.network)
        assert caught.value.retryable
        assert self.app("com.acme.game").enabled
        assert not App.objects.filter(app_id="com.acme.racer").exists()

    def test_without_a_token_it_says_so(self) -> None:
        with pytest.raises(InCostError) as caught:
            app_list_sync(network=self.cast.other_network)
        assert (caught.value.code, caught.value.retryable) == ("no_token", False)

    def own_queues(self) -> Any:
        """The RQ queues on a Redis of this module's own: no other test's worker takes the job."""
        queues = {
            name: {**queue, "URL": self.private_redis_url} for name, queue in settings.RQ_QUEUES.items()
        }
        return override_settings(RQ_QUEUES=queues, REDIS_URL=self.private_redis_url)

    def test_sync_now_queues_a_job_that_a_worker_runs(self) -> None:
        with self.own_queues():
            queue = django_rq.get_queue("incost")
            with self.captureOnCommitCallbacks(execute=True):
                app_list_sync_enqueue(network=self.network)
            assert [job.func_name for job in queue.jobs] == ["incost_portal.incost.jobs.app_list_sync_job"]
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert self.app("com.acme.racer").enabled
        assert not self.app("com.acme.game").enabled

    def test_the_cron_job_queues_every_network_with_a_token(self) -> None:
        with self.own_queues():
            queue = django_rq.get_queue("incost")
            with self.captureOnCommitCallbacks(execute=True):
                assert app_list_sync_all() == 1
            assert [job.args for job in queue.jobs] == [(self.network.pk,)]
