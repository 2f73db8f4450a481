"""Tenant isolation over every URL of the portal, enumerated from the URLconf (a new page cannot be
forgotten): an outsider gets 404 on everything of a network; a reviewer gets 403 on anything that
changes state; nobody reaches another network's objects through their own network's URLs."""

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from incost_portal.costs.models import CostRow
from incost_portal.networks.models import Invitation, Membership
from incost_portal.sources.models import SourceRun
from incost_portal.sources.services.config import source_create
from incost_portal.submissions.models import State
from tests.builders import submission
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def network_routes() -> Iterator[tuple[str, tuple[str, ...]]]:
    """(route, parameter names) of every URL under /n/<network_code>/."""

    def walk(patterns: list, prefix: str, params: list[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            names = params + list(pattern.pattern.converters)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route, names)
            elif isinstance(pattern, URLPattern) and "network_code" in names:
                yield route, tuple(names)

    yield from walk(get_resolver().url_patterns, "/", [])


ROUTES = sorted(set(network_routes()))
OBJECT_ROUTES = [(route, names) for route, names in ROUTES if len(names) > 1]


def foreign_objects(cast: Cast) -> dict[str, str]:
    """For each object parameter, an object of the *other* network (or none at all)."""
    other = cast.other_network
    day = timezone.now().date()
    job = submission(cast.other_app, State.QUEUED, payload=b"[]", payload_bytes=2)
    invitation = Invitation.objects.create(
        network=other, email="x@example.org", secret_digest=uuid.uuid4().hex, expires_at=timezone.now()
    )
    row = CostRow.objects.create(
        network=other, app=cast.other_app, date=day, media_source="other_src", campaign_id="c1",
        campaign_name="c1", currency="USD", spend=Decimal(1), updated_at=timezone.now(),
    )  # fmt: skip
    cost_source = source_create(
        network=other, user=None, values={"name": "s", "kind": "s3", "bucket": "b"}, secret_key="k"
    )
    run = SourceRun.objects.create(source=cost_source, network=other)
    return {
        "cost_source_code": str(cost_source.code),
        "run_code": str(run.code),
        "row_id": str(row.pk),
        "membership_code": str(Membership.objects.get(user=cast.outsider).code),
        "invitation_code": str(invitation.code),
        "source_code": str(other.media_sources.create(name="other_src").code),
        "app_code": str(cast.other_app.code),
        "submission_code": str(job.code),
    }


def url_for(route: str, names: tuple[str, ...], network_code: str, objects: dict[str, str]) -> str:
    url = route
    for name in names:
        missing = "987654321" if name.endswith("_id") else str(uuid.uuid4())  # an <int:…_id> or a <uuid:…>
        value = network_code if name == "network_code" else objects.get(name, missing)
        start = url.index("<")
        url = url[:start] + value + url[url.index(">", start) + 1 :]
    return url


def test_the_urlconf_has_network_routes() -> None:
    assert len(ROUTES) > 20


@pytest.mark.parametrize(("route", "names"), ROUTES, ids=[route for route, _ in ROUTES])
def test_an_outsider_gets_404_for_every_method(
    client, cast: Cast, route: str, names: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    objects = foreign_objects(cast)
    url = url_for(route, names, str(cast.network.code), objects)
    client.force_login(cast.outsider)
    for method in ("get", "post", "put", "delete"):
        response = getattr(client, method)(url)
        assert response.status_code in (404, 405), (method, url, response.status_code)
    assert client.get(url).status_code in (404, 405)


@pytest.mark.parametrize(("route", "names"), ROUTES, ids=[route for route, _ in ROUTES])
def test_a_reviewer_cannot_change_anything(client, cast: Cast, route: str, names: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    url = url_for(route, names, str(cast.network.code), {})
    client.force_login(cast.reviewer)
    for method in ("post", "put", "delete"):
        response = getattr(client, method)(url)
        assert response.status_code in (403, 405), (method, url, response.status_code)


@pytest.mark.parametrize(("route", "names"), OBJECT_ROUTES, ids=[route for route, _ in OBJECT_ROUTES])
def test_no_one_reaches_another_networks_objects(
    client, cast: Cast, route: str, names: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    objects = foreign_objects(cast)
    url = url_for(route, names, str(cast.network.code), objects)
    client.force_login(cast.admin)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (404, 405), (method, url, response.status_code)
