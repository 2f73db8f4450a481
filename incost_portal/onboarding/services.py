"""Onboarding actions: test the token, sync the app list, send test cost for a test app."""

import datetime as dt
import io
import json
from typing import Any

from django.utils import timezone

from incost_portal.audit.models import Action
from incost_portal.audit.services import audit_record
from incost_portal.costs.models import CostUpload
from incost_portal.costs.services import cost_upload_accept, cost_upload_create
from incost_portal.incost.answers import InCostError
from incost_portal.incost.services import AppListSyncResult, app_list_sync, incost_client_for
from incost_portal.networks.models import App, MediaSource, Network
from incost_portal.networks.selectors import api_token_active
from incost_portal.onboarding.models import ConnectionTest
from incost_portal.submissions.models import Trigger
from incost_portal.submissions.services.planning import SendPlan, send_plan_create

# Plain words for what a failed connection test most often means.
_PLAIN = {
    "unauthorized": "AppsFlyer does not accept this token: is it the V2.0 token of the ad network account?",
    "ic414": "The partner account lacks permission: AppsFlyer must enable cost for it (ask your PDM).",
    "ic111": "The token's call budget is spent for now; try again in a minute.",
    "no_token": "No token is stored yet.",
    "timeout": "AppsFlyer did not answer in time; try again in a moment.",
    "connection": "AppsFlyer could not be reached from the portal (network or address problem).",
}


def connection_test(*, network: Network, user: Any) -> ConnectionTest:
    """Call the app list once with the stored token and record what it says."""
    token = api_token_active(network=network)
    fingerprint = token.fingerprint if token else ""
    try:
        client = incost_client_for(network=network, limiter_wait_seconds=5.0)
        try:
            page = client.app_list(limit=1, offset=0)
        finally:
            client.close()
    except InCostError as error:
        plain = _PLAIN.get(error.code) or _PLAIN.get(
            "unauthorized" if error.http_status in (401, 403) else "", ""
        )
        test = ConnectionTest.objects.create(
            network=network,
            token_fingerprint=fingerprint,
            tested_by=user if getattr(user, "is_authenticated", False) else None,
            ok=False,
            code=error.code,
            message=plain or error.message,
        )
    else:
        total = page.total_items if page.total_items is not None else len(page.apps)
        test = ConnectionTest.objects.create(
            network=network,
            token_fingerprint=fingerprint,
            tested_by=user if getattr(user, "is_authenticated", False) else None,
            ok=True,
            apps_enabled=total,
            message=f"The token works: {total} app(s) enabled cost for your network.",
        )
    audit_record(
        network=network,
        actor=user,
        action=Action.TOKEN_TESTED,
        target=f"token …{token.last_four}" if token else "no token",
        detail={"ok": test.ok, "code": test.code, "apps_enabled": test.apps_enabled},
    )
    return test


def apps_sync_now(*, network: Network, user: Any) -> AppListSyncResult:
    """Sync the app list now ("Sync now"), noting it in the audit trail."""
    result = app_list_sync(network=network)
    audit_record(
        network=network,
        actor=user,
        action=Action.APPS_SYNCED,
        target=f"{result.listed} app(s) listed",
        detail={"created": result.created, "updated": result.updated, "disabled": result.disabled},
    )
    return result


class NoTestApp(Exception):
    pass


def test_cost_send(*, network: Network, user: Any, now: dt.datetime | None = None) -> tuple[App, SendPlan]:
    """Prepare a small cost file for an AppsFlyer test app, accept it and send it (the spec's basic test)."""
    now = now or timezone.now()
    app = (
        App.objects.filter(network=network, is_test_app=True, enabled=True)
        .order_by("-platform", "app_id")
        .first()
    )
    source = (
        MediaSource.objects.filter(network=network, kind=MediaSource.Kind.MEDIA_SOURCE)
        .order_by("name")
        .first()
    )
    if app is None or source is None:
        raise NoTestApp("Sync the app list and register a media source first: the test needs both.")
    day = (now.astimezone(app.tz) - dt.timedelta(days=1)).date().isoformat()
    rows = [
        {"date": day, "app_id": app.app_id, "media_source": source.name, "campaign_id": f"incost_test_{n}",
         "campaign_name": f"incost_test_{n}", "currency": app.currency, "spend": spend}
        for n, spend in ((1, 1.25), (2, 0.75))
    ]  # fmt: skip
    upload = cost_upload_create(
        network=network,
        user=user,
        file=io.BytesIO(json.dumps(rows).encode()),
        name="onboarding-test.json",
        source=CostUpload.Source.API,
        app=app,
        now=now,
    )
    if upload.status != CostUpload.Status.VALID:
        issue = upload.issues.filter(severity="error").first()
        raise NoTestApp(
            f"The test data did not pass validation: {issue.code} {issue.message}" if issue else ""
        )
    cost_upload_accept(upload=upload, user=user, now=now)
    plan = send_plan_create(
        network=network, trigger=Trigger.MANUAL, user=user, app_ids=[app.app_id], force=True
    )
    return app, plan
