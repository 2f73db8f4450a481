"""Portal API keys open the API for their network only, within their scope and their rate."""

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from incost_portal.api.models import ApiKey
from incost_portal.api.services import api_key_authenticate, api_key_revoke
from incost_portal.audit.models import Action, AuditEvent
from incost_portal.networks.services import app_create
from tests.api.conftest import ApiClient, Keys
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def error_of(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


def test_a_key_is_stored_only_as_a_hash_and_shown_by_its_prefix(keys: Keys, cast: Cast) -> None:
    key = ApiKey.objects.get(network=cast.network, name="write key")
    assert keys.write.key and keys.write.key.startswith("icp_") and len(keys.write.key) > 40
    assert keys.write.key.startswith(key.prefix)
    stored = " ".join(str(value) for value in ApiKey.objects.filter(pk=key.pk).values().first().values())
    assert keys.write.key not in stored and keys.write.key[len(key.prefix) :] not in stored
    created = AuditEvent.objects.get(
        network=cast.network, action=Action.API_KEY_CREATED, target="API key write key"
    )
    assert created.actor == cast.admin and created.detail == {"prefix": key.prefix, "scope": "write"}


def test_no_key_a_wrong_key_and_a_revoked_key_answer_401(keys: Keys, cast: Cast) -> None:
    answer = keys.anonymous.get("/api/v1/apps")
    assert answer.status_code == 401 and error_of(answer)["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert keys.anonymous.get("/api/v1/apps", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    wrong = ApiClient(keys.write.base, keys.write.key[:-4] + "AAAA")
    assert error_of(wrong.get("/api/v1/apps"))["message"] == "Unknown API key."

    key = ApiKey.objects.get(network=cast.network, name="write key")
    api_key_revoke(key=key, user=cast.admin)
    answer = keys.write.get("/api/v1/apps")
    assert answer.status_code == 401 and error_of(answer)["message"] == "This API key was revoked."
    refused = AuditEvent.objects.filter(network=cast.network, action=Action.API_KEY_REFUSED)
    assert [event.detail["reason"] for event in refused] == ["revoked"]
    assert AuditEvent.objects.filter(action=Action.API_KEY_REVOKED, actor=cast.admin).count() == 1


def test_a_key_lists_only_its_own_networks_apps(keys: Keys, cast: Cast) -> None:
    mine = keys.write.get("/api/v1/apps")
    assert mine.status_code == 200
    assert [app["app_id"] for app in mine.json()["items"]] == ["com.acme.game", "id123456789"]
    assert [app["app_id"] for app in keys.other.get("/api/v1/apps").json()["items"]] == ["com.other.app"]
    assert keys.read.get("/api/v1/apps").status_code == 200


def test_lists_page_by_cursor_without_losing_or_repeating_an_item(keys: Keys, cast: Cast) -> None:
    for n in range(5):
        app_create(network=cast.network, app_id=f"com.acme.extra{n}", name=f"Extra {n}")
    seen: list[str] = []
    cursor = None
    while True:
        page = keys.read.get(
            "/api/v1/apps", params={"limit": 3, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [app["app_id"] for app in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 7
    bad = keys.read.get("/api/v1/apps", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid_request"
    assert keys.read.get("/api/v1/apps", params={"limit": 0}).status_code == 422


@override_settings(API_KEY_CALLS_PER_MINUTE=3)
def test_a_key_over_its_calls_a_minute_gets_429_with_retry_after(keys: Keys, cast: Cast) -> None:
    answers = [keys.read.get("/api/v1/apps") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 61
    assert error_of(answers[-1])["code"] == "rate_limited"
    # Another key's minute is its own.
    assert keys.write.get("/api/v1/apps").status_code == 200


def test_unknown_paths_and_bad_parameters_answer_in_the_error_shape(keys: Keys) -> None:
    missing = keys.write.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    bad = keys.write.get("/api/v1/apps", params={"limit": "many"})
    assert bad.status_code == 422 and "limit" in error_of(bad)["message"]


def test_the_openapi_document_and_its_docs_page_are_served(keys: Keys) -> None:
    document = keys.anonymous.get("/api/v1/openapi.json")
    assert document.status_code == 200
    schema = document.json()
    assert schema["info"]["title"] == "InCost Portal API" and "/api/v1/apps" in schema["paths"]
    assert any(
        scheme.get("scheme") == "bearer" for scheme in schema["components"]["securitySchemes"].values()
    )
    docs = keys.anonymous.get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text


def test_the_command_prints_the_new_key_alone(cast: Cast) -> None:
    out = io.StringIO()
    call_command("api_key_create", "--network", "acme", "--name", "nightly ETL", "--read-only", stdout=out)
    secret = out.getvalue().strip()
    assert "\n" not in secret
    key = api_key_authenticate(secret)
    assert key.network == cast.network and key.scope == "read" and key.name == "nightly ETL"
    with pytest.raises(CommandError, match="No network with slug 'nope'"):
        call_command("api_key_create", "--network", "nope", "--name", "x")
