"""Secrets: the AppsFlyer token, once saved on the token page, appears nowhere else. Not in a
page, a download or a header, not in a log line (every logger at DEBUG, the workers' logs too),
not in Redis (RQ's jobs and registries), not in an error report, not in the database but
encrypted; through a send by real workers to the sandbox, Test connection, app sync, and error
paths with DEBUG off (a wrong encryption key, a gateway that echoes the Authorization header)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.http import HttpResponseBase
from django.test import Client, override_settings

from incost_portal.networks.models import Network, Role
from incost_portal.networks.services import membership_set
from incost_portal.networks.token_vault import new_key
from incost_portal.submissions.models import State, Submission
from tests.builders import IOS, cost_rows
from tests.hardening.pages import TOP_PAGES, network_pages, own_objects
from tests.hardening.secrets_scan import (
    WINDOW,
    database_dump,
    echo_server,
    every_log_at_debug,
    pieces_found,
    redis_dump,
    text_of,
)
from tests.submissions.workers import workers_running
from tests.waiting import wait_for
from tests.wiring import Wired

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ADMINS = [("Platform", "platform@example.org")]


class RecordingClient(Client):
    """The test client, keeping the text of every answer: body (streamed too), headers, cookies."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(raise_request_exception=False, **kwargs)
        self.seen: list[tuple[str, str]] = []

    def request(self, **request: Any) -> HttpResponseBase:
        response = super().request(**request)
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
            response.streaming_content = [body]  # type: ignore[attr-defined]  # still readable after
        else:
            body = response.content
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        cookies = "\n".join(morsel.OutputString() for morsel in response.cookies.values())
        where = f"{request.get('REQUEST_METHOD')} {request.get('PATH_INFO')} -> {response.status_code}"
        self.seen.append((where, "\n".join((headers, cookies, body.decode("latin-1")))))
        return response


def wait_until_applied(network: Network, message: Callable[[], str]) -> None:
    """Until every request reached the sandbox through a worker and its status was read Applied."""

    def applied() -> bool:
        states = Submission.objects.filter(network=network).values_list("state", flat=True)
        return set(states) == {State.APPLIED}

    wait_for(applied, timeout=60, interval=0.1, message=message)


def test_the_token_is_nowhere(wired: Wired, tmp_path: Path, settings: Any, private_redis_url: str) -> None:
    settings.REDIS_URL = private_redis_url
    settings.RQ_QUEUES = {
        name: {**queue, "URL": private_redis_url} for name, queue in settings.RQ_QUEUES.items()
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ADMINS = ADMINS
    settings.DEBUG = False
    settings.INCOST_POLL_DELAY_SECONDS = 1
    # A sandbox partner of this test's own: its token (700+ random characters) is the secret.
    _, token = wired.sandbox.partner(media_sources=("acme_int", "other_int"))
    network = wired.network
    assert len(token) > 700
    admin = get_user_model().objects.create_user("root-admin", "root@example.org", "pw")
    membership_set(network=network, user=admin, role=Role.ADMIN)
    client = RecordingClient()
    client.force_login(admin)
    base = f"/n/{network.code}"
    logs = tmp_path / "logs"
    logs.mkdir()

    with every_log_at_debug() as captured:
        # The token, pasted on the token page (it replaces the one the wiring stored).
        saved = client.post(f"{base}/settings/token/", {"token": token}, follow=True)
        assert saved.status_code == 200 and "saved, encrypted" in saved.text
        tested = client.post(f"{base}/onboarding/test-connection/", {"back": "token"}, follow=True)
        assert "The token works" in tested.text
        assert client.post(f"{base}/onboarding/sync-apps/", follow=True).status_code == 200

        # A send through real workers (logging at DEBUG) to the sandbox, followed to Applied.
        wired.put_cost(cost_rows(IOS, range(1, 3)))
        # No cron: the worker's own scheduled polls must bring it there (RQ rounds their times down
        # to whole seconds; a poll run before its time used to leave the job for the dispatcher).
        with workers_running(logs, count=1, redis_url=private_redis_url, LOG_LEVEL="DEBUG") as workers:
            assert client.post(f"{base}/jobs/send/", follow=True).status_code == 200
            wait_until_applied(network, message=workers.logs)

        # Every page and every download (costs CSV, jobs CSV, annotated upload, original file,
        # onboarding report, payload), with the network's own objects.
        for url in network_pages(network, own_objects(network)) + TOP_PAGES:
            assert client.get(url).status_code < 500, url

        # Error paths with DEBUG off. A key that cannot decrypt the stored token:
        with override_settings(TOKEN_ENCRYPTION_KEYS=[new_key()]):
            for action in ("test-connection", "sync-apps"):
                answer = client.post(f"{base}/onboarding/{action}/", follow=True)
                assert answer.status_code == 200 and "cannot be decrypted" in answer.text, action
            client.get(f"{base}/settings/token/")
        # A key that is not a key at all, while the token is pasted: a 500, reported to ADMINS.
        with override_settings(TOKEN_ENCRYPTION_KEYS=["not-a-fernet-key"]):
            failed = client.post(f"{base}/settings/token/", {"token": token})
            assert failed.status_code == 500
        assert mail.outbox, "the 500 above sends an error report"
        # A gateway that answers 500 and echoes the Authorization header, as JSON and as text.
        with echo_server() as echo:
            for prefix in ("/json/", "/text/"):
                Network.objects.filter(pk=network.pk).update(api_base_url=f"{echo}{prefix}")
                client.post(f"{base}/onboarding/test-connection/", {"back": "token"}, follow=True)
                client.post(f"{base}/onboarding/sync-apps/", follow=True)
                client.get(f"{base}/onboarding/")
        Network.objects.filter(pk=network.pk).update(api_base_url=wired.sandbox.api_url)

    places: list[tuple[str, str]] = list(client.seen)
    places += [(f"log line {n}", line) for n, line in enumerate(captured.lines)]
    places += [(f"worker log {path.name}", path.read_text(errors="replace")) for path in logs.glob("*.log")]
    places += [(f"redis {key}", text) for key, text in redis_dump(settings.REDIS_URL)]
    places += [
        (
            f"mail {n}",
            "\n".join([m.subject, m.body, *(text_of(a[0]) for a in getattr(m, "alternatives", []))]),
        )
        for n, m in enumerate(mail.outbox)
    ]
    places += [(f"table {table}", text) for table, text in database_dump()]
    places += [(f"session {s.pk}", str(s.get_decoded())) for s in Session.objects.all()]
    # The search sees everything it should: the run left pages, logs, Redis keys, mail and rows.
    assert len(client.seen) > 40 and len(captured.lines) > 100
    assert any(name.startswith("redis rq:") for name, _ in places)
    assert any("urllib3" in line for line in captured.lines)
    assert any(name.startswith("table networks_apitoken") for name, _ in places)
    leaks = [(where, piece) for where, text in places for piece in pieces_found(token, text)]
    where = sorted({place for place, _ in leaks})
    heads = {place: text[:300] for place, text in places if place in where}
    assert leaks == [], f"{len(leaks)} pieces of {WINDOW}+ characters of the token in {heads}: {leaks[:1]}"


def test_the_search_finds_any_piece_of_the_secret() -> None:
    secret = "".join(chr(65 + (n * 7) % 26) + str(n % 10) for n in range(400))
    assert pieces_found(secret, f"x{secret}y")
    for start in (0, 5, 6, 11, 397, len(secret) - WINDOW):
        assert pieces_found(secret, "..." + secret[start : start + WINDOW] + "..."), start
        assert not pieces_found(secret, "..." + secret[start : start + WINDOW - 1] + "...")
