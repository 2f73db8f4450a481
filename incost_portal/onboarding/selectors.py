"""The onboarding checklist: the InCost spec's test procedure, each step with live evidence."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q
from django.template.defaultfilters import pluralize

from incost_portal.costs.models import CostGroupTotal, CostRow
from incost_portal.networks.models import ApiToken, App, Network
from incost_portal.networks.selectors import api_token_active
from incost_portal.onboarding.models import ConnectionTest
from incost_portal.submissions.models import IN_FLIGHT, Event, State, Submission
from incost_portal.submissions.selectors import submission_list_version

PASS, FAIL, WAITING, TODO = "pass", "fail", "waiting", "todo"
CAMPAIGN_SHARE_NEEDED = Decimal(90)


@dataclass
class Step:
    key: str
    title: str
    status: str
    evidence: str

    @property
    def passed(self) -> bool:
        return self.status == PASS


@dataclass
class Onboarding:
    steps: list[Step]
    test_submission: Submission | None

    @property
    def all_passed(self) -> bool:
        return all(step.passed for step in self.steps)

    @property
    def waiting(self) -> bool:
        return any(step.status == WAITING for step in self.steps)


def connection_test_last(*, network: Network, token: ApiToken) -> ConnectionTest | None:
    """The latest test of this very token (a replaced token starts untested)."""
    return ConnectionTest.objects.filter(network=network, token_fingerprint=token.fingerprint).first()


def _token_steps(network: Network) -> list[Step]:
    token = api_token_active(network=network)
    if token is None:
        return [
            Step("token", "AppsFlyer API token stored", TODO, "No token yet: an admin adds it in Settings."),
            Step("token_valid", "The token works", TODO, "Test the connection once the token is stored."),
        ]
    stored = Step(
        "token",
        "AppsFlyer API token stored",
        PASS,
        f"Token …{token.last_four}, fingerprint {token.short_fingerprint}.",
    )
    test = connection_test_last(network=network, token=token)
    if test is None:
        valid = Step("token_valid", "The token works", TODO, "Not tested yet: press Test connection.")
    else:
        when = f"{test.tested_at:%Y-%m-%d %H:%M} UTC"
        valid = Step(
            "token_valid", "The token works", PASS if test.ok else FAIL, f"{test.message} (tested {when})"
        )
    return [stored, valid]


def _apps_step(network: Network) -> Step:
    apps = App.objects.filter(network=network).aggregate(
        synced_count=Count("id", filter=Q(last_synced_at__isnull=False)),
        listed_count=Count("id", filter=Q(enabled=True, last_synced_at__isnull=False)),
        test_count=Count("id", filter=Q(enabled=True, is_test_app=True)),
    )
    if not apps["synced_count"]:
        return Step("apps", "Apps listed by AppsFlyer", TODO, "Sync the app list (the app permission list).")
    return Step(
        "apps",
        "Apps listed by AppsFlyer",
        PASS if apps["listed_count"] else FAIL,
        f"{apps['listed_count']} app(s) listed, {apps['test_count']} of them AppsFlyer test apps.",
    )


def _test_send_steps(network: Network) -> tuple[list[Step], Submission | None]:
    submission = (
        Submission.objects.filter(network=network, app__is_test_app=True)
        .select_related("app")
        .defer("payload")
        .order_by("-created_at")
        .first()
    )
    titles = {
        "sent": "Test data for a test app prepared and submitted",
        "job_id": "Job id recorded",
        "status": "Status checked at least 2 minutes after the upload",
        "no_errors": "No errors",
        "matched": "Matched-records percentage",
    }
    if submission is None:
        return [
            Step(key, title, TODO, "Send test cost for a test app.") for key, title in titles.items()
        ], None
    app = submission.app.app_id
    sent = Step(
        "sent",
        titles["sent"],
        PASS,
        f"{submission.row_count} row{pluralize(submission.row_count)} for {app}, "
        f"{submission.date_from:%Y-%m-%d}.",
    )
    if not submission.job_id and submission.state in IN_FLIGHT:
        job = Step(
            "job_id", titles["job_id"], WAITING, f"{submission.get_state_display()}: waiting for AppsFlyer."
        )
    elif submission.job_id:
        job = Step("job_id", titles["job_id"], PASS, f"Job id {submission.job_id}.")
    else:
        job = Step("job_id", titles["job_id"], FAIL, f"{submission.error_code}: {submission.error_message}")
    # The spec's "wait 2 minutes" is INCOST_POLL_DELAY_SECONDS (120 unless shortened for a dry run).
    status_wait = timedelta(seconds=settings.INCOST_POLL_DELAY_SECONDS)
    late_check = (
        submission.events.filter(kind=Event.STATUS, at__gte=submission.submitted_at + status_wait).first()
        if submission.submitted_at
        else None
    )
    if late_check:
        waited = late_check.at - submission.submitted_at
        status = Step(
            "status",
            titles["status"],
            PASS,
            f"Read {int(waited.total_seconds())} s after the upload: {late_check.message}.",
        )
    elif submission.state in IN_FLIGHT:
        status = Step(
            "status", titles["status"], WAITING, "The first status read comes 2 minutes after the upload."
        )
    else:
        status = Step(
            "status", titles["status"], FAIL, "The job ended before a status read 2 minutes after it."
        )
    if submission.state == State.APPLIED:
        errors = Step("no_errors", titles["no_errors"], PASS, "Applied: AppsFlyer found no errors.")
    elif submission.state == State.FAILED:
        errors = Step(
            "no_errors", titles["no_errors"], FAIL, f"{submission.error_code}: {submission.error_message}"
        )
    else:
        errors = Step("no_errors", titles["no_errors"], WAITING, f"{submission.get_state_display()}.")
    if submission.matched_records_percentage is not None:
        matched = Step(
            "matched",
            titles["matched"],
            PASS,
            f"{submission.matched_records_percentage}% of the records matched attribution data. "
            "Below 100% is expected for a test without attribution clicks for these campaigns.",
        )
    else:
        matched = Step(
            "matched",
            titles["matched"],
            WAITING if submission.state in IN_FLIGHT else FAIL,
            "Shown once Applied.",
        )
    return [sent, job, status, errors, matched], submission


def _hierarchy_step(network: Network) -> Step:
    counts = CostRow.objects.filter(network=network).aggregate(
        rows=Count("id"),
        campaign=Count("id", filter=~Q(campaign_id="")),
        adset=Count("id", filter=~Q(adset_id="")),
        ad=Count("id", filter=~Q(ad_id="")),
    )
    title = "Cost rows carry campaign ids (more than 90%)"
    if not counts["rows"]:
        return Step("hierarchy", title, TODO, "No cost rows yet.")
    share = {key: Decimal(counts[key] * 100) / counts["rows"] for key in ("campaign", "adset", "ad")}
    evidence = (
        f"campaign id on {share['campaign']:.1f}%, adset id on {share['adset']:.1f}%, "
        f"ad id on {share['ad']:.1f}% of {counts['rows']:,} row{pluralize(counts['rows'])}."
    )
    return Step("hierarchy", title, PASS if share["campaign"] > CAMPAIGN_SHARE_NEEDED else FAIL, evidence)


def onboarding_for(*, network: Network) -> Onboarding:
    """Every step of the spec's "Testing InCost integration", with its state and evidence."""
    send_steps, submission = _test_send_steps(network)
    steps = [*_token_steps(network), _apps_step(network), *send_steps, _hierarchy_step(network)]
    return Onboarding(steps=steps, test_submission=submission)


def onboarding_version(*, network: Network) -> str:
    """Changes whenever a step's evidence can change (a few index probes): the version of the
    polled checklist. Cost rows are replaced together with their group totals, whose ids move."""
    parts = (
        submission_list_version(network=network),
        ConnectionTest.objects.filter(network=network).aggregate(id=Max("id"))["id"],
        ApiToken.objects.filter(network=network).aggregate(id=Max("id"), at=Max("revoked_at")),
        App.objects.filter(network=network).aggregate(
            at=Max("last_synced_at"), n=Count("id", filter=Q(enabled=True))
        ),
        CostGroupTotal.objects.filter(network=network).aggregate(newest=Max("id"), n=Count("id")),
    )
    return repr(parts)
