"""The Jobs pages: every request sent to AppsFlyer, its timeline, and Send now / Backfill / Resend."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from incost_portal.csv_streams import attachment, csv_response
from incost_portal.networks.access import Access, Tenancy, network_view, tenant_object
from incost_portal.networks.polling import polled
from incost_portal.networks.selectors import app_list, member_names
from incost_portal.submissions.exports import submission_csv_rows
from incost_portal.submissions.forms import BackfillForm, SubmissionFilterForm
from incost_portal.submissions.models import IN_FLIGHT, Trigger
from incost_portal.submissions.selectors import (
    submission_event_list,
    submission_group_list,
    submission_list,
    submission_list_probes,
    submission_page,
    submission_payload_list,
    submission_version,
)
from incost_portal.submissions.services.planning import send_plan_create, submission_resend

PAGE_SIZE = 50


def _filter_form(request: HttpRequest, tenancy: Tenancy) -> SubmissionFilterForm:
    network = tenancy.network
    return SubmissionFilterForm(
        request.GET or None, apps=app_list(network=network), members=member_names(network=network)
    )


@network_view(Access.READ)
@polled(probes=submission_list_probes)
def submission_list_view(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = _filter_form(request, tenancy)
    page = submission_page(
        network=tenancy.network, number=request.GET.get("page"), size=PAGE_SIZE, **form.filters()
    )
    live = any(submission.state in IN_FLIGHT for submission in page.object_list)
    context = {"form": form, "page": page, "live": live, "backfill_form": BackfillForm()}
    return render(request, "submissions/_table.html" if request.htmx else "submissions/list.html", context)


@network_view(Access.READ)
@polled(lambda *, tenancy, submission_code: submission_version(network=tenancy.network, code=submission_code))
def submission_detail(request: HttpRequest, submission_code: str, *, tenancy: Tenancy) -> HttpResponse:
    network = tenancy.network
    submission = tenant_object(tenancy, submission_list(network=network), code=submission_code)
    context = {
        "submission": submission,
        "events": submission_event_list(network=network, submission=submission),
        "groups": submission_group_list(network=network, submission=submission),
        "live": submission.state in IN_FLIGHT,
        "now": timezone.now(),
    }
    template = "submissions/_detail_live.html" if request.htmx else "submissions/detail.html"
    return render(request, template, context)


@network_view(Access.READ)
def submission_payload(request: HttpRequest, submission_code: str, *, tenancy: Tenancy) -> HttpResponse:
    submission = tenant_object(
        tenancy, submission_payload_list(network=tenancy.network), code=submission_code
    )
    body = submission.payload_body
    if body is None:
        context = {"submission": submission}
        return render(request, "submissions/payload_removed.html", context, status=410)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = attachment(f"incost-{submission.app.app_id}-{submission.code}.json")
    return response


@require_POST
@network_view(Access.WRITE)
def submission_resend_view(request: HttpRequest, submission_code: str, *, tenancy: Tenancy) -> HttpResponse:
    submission = tenant_object(
        tenancy, submission_payload_list(network=tenancy.network), code=submission_code
    )
    plan = submission_resend(network=tenancy.network, submission=submission, user=request.user)
    messages.info(request, f"Resend: {plan.summary()}")
    return redirect("submissions:list", tenancy.network.code)


@require_POST
@network_view(Access.WRITE)
def send_now(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    plan = send_plan_create(network=tenancy.network, trigger=Trigger.MANUAL, user=request.user)
    (messages.warning if plan.no_token else messages.success)(request, f"Send now: {plan.summary()}")
    return redirect("submissions:list", tenancy.network.code)


@require_POST
@network_view(Access.WRITE)
def backfill(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = BackfillForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Backfill: give a number of days from 1 to 90.")
        return redirect("submissions:list", tenancy.network.code)
    days = form.cleaned_data["days"]
    plan = send_plan_create(network=tenancy.network, trigger=Trigger.BACKFILL, user=request.user, days=days)
    messages.success(request, f"Backfill of the last {days} days: {plan.summary()}")
    return redirect("submissions:list", tenancy.network.code)


@network_view(Access.READ)
def submission_export(request: HttpRequest, *, tenancy: Tenancy) -> StreamingHttpResponse:
    submissions = submission_list(network=tenancy.network, **_filter_form(request, tenancy).filters())
    return csv_response(submission_csv_rows(submissions), f"incost-jobs-{tenancy.network.slug}.csv")
