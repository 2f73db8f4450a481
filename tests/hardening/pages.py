"""Every page of the portal, enumerated from the URLconf (a new page cannot be forgotten), with
the URL parameters filled by objects of the network under test."""

import io
import uuid
from decimal import Decimal

from django.utils import timezone

from incost_portal.costs.models import CostRow
from incost_portal.costs.services import cost_upload_create
from incost_portal.networks.models import Invitation, Membership, Network
from incost_portal.sources.models import SourceRun
from incost_portal.sources.services.config import source_create
from incost_portal.submissions.models import State
from tests.builders import submission
from tests.test_isolation import ROUTES, url_for

# Pages outside /n/<network>/ that a signed-in user or a visitor opens.
TOP_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/password/",
    "/accounts/password/done/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/done/",
    "/invitations/no-such-secret/",
    "/healthz",
    "/no-such-page/",
]


def own_objects(network: Network) -> dict[str, str]:
    """For each object parameter of the URLconf, an object of the network (which has an app, a
    media source and a member)."""
    app = network.apps.order_by("pk").first()
    day = timezone.now().date()
    # Queued: the pages that follow a job on its way show it so.
    job = submission(app, State.QUEUED, spend=Decimal(1), payload=b'[{"spend": 1}]', payload_bytes=14)
    invitation = Invitation.objects.create(
        network=network, email="x@example.org", secret_digest=uuid.uuid4().hex, expires_at=timezone.now()
    )
    row = CostRow.objects.create(
        network=network, app=app, date=day, media_source="acme_int", campaign_id="c1",
        campaign_name="c1", currency="USD", spend=Decimal(1), updated_at=timezone.now(),
    )  # fmt: skip
    header = "date,app_id,media_source,campaign_id,campaign_name,currency,spend"
    body = f"{header}\n{day},{app.app_id},acme_int,c1,c1,USD,1\n"
    upload = cost_upload_create(network=network, user=None, file=io.BytesIO(body.encode()), name="c.csv")
    cost_source = source_create(
        network=network,
        user=None,
        values={
            "name": "<b>report</b>",
            "kind": "https",
            "url_template": "https://r.example.com/c?d={date_from}",
        },
        headers={"Authorization": "Bearer page-scan-secret-0001"},
    )
    run = SourceRun.objects.create(
        source=cost_source,
        network=network,
        outcome=SourceRun.Outcome.PARTIAL,
        groups_held=1,
        held_groups=[{"object": "c.csv", "app_id": app.app_id, "date": str(day), "media_source": "<i>x</i>",
                      "codes": ["ic213"]}],
        issues=[{"object": "c.csv", "row": 2, "field": "media_source", "code": "ic213",
                 "message": "<script>alert(1)</script>", "severity": "error"}],
    )  # fmt: skip
    return {
        "cost_source_code": str(cost_source.code),
        "run_code": str(run.code),
        "row_id": str(row.pk),
        "membership_code": str(Membership.objects.filter(network=network).order_by("pk").first().code),
        "invitation_code": str(invitation.code),
        "source_code": str(network.media_sources.order_by("pk").first().code),
        "app_code": str(app.code),
        "submission_code": str(job.code),
        "upload_code": str(upload.code),
    }


def network_pages(network: Network, objects: dict[str, str]) -> list[str]:
    """The URL of every route under /n/<network>/, with the network's own objects."""
    code = str(network.code)
    return [url_for(route, names, code, objects) for route, names in ROUTES]
