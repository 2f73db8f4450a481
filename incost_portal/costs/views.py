"""The ad-ops cost pages: Upload, the upload's Preview (fix, accept, send), Uploads history, Costs."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from incost_portal.costs import editing
from incost_portal.costs.charts import spend_chart
from incost_portal.costs.exports import cost_csv_rows, upload_annotated_rows
from incost_portal.costs.forms import CellFixForm, CostFilterForm, CostRowForm, UploadFilterForm, UploadForm
from incost_portal.costs.models import CostUpload
from incost_portal.costs.samples import CONTENT_TYPES, sample_file
from incost_portal.costs.selectors import (
    cost_day_totals,
    cost_row_list,
    cost_rows_filtered,
    cost_rows_listed,
    cost_totals_of,
    cost_upload_filtered,
    cost_upload_list,
    upload_file_issues,
    upload_grid,
    upload_issue_groups,
    upload_profile,
    upload_warning_values,
)
from incost_portal.costs.services import CostUploadBlocked, cost_upload_accept, cost_upload_create
from incost_portal.csv_streams import attachment, csv_response
from incost_portal.incost import accepted_codes
from incost_portal.networks.access import Access, Tenancy, network_view, tenant_object
from incost_portal.networks.selectors import app_list, media_source_list

PAGE_SIZE = 100


def _cost_filter(request: HttpRequest, tenancy: Tenancy) -> CostFilterForm:
    sources = media_source_list(network=tenancy.network).values_list("name", flat=True)
    return CostFilterForm(request.GET or None, apps=app_list(network=tenancy.network), media_sources=sources)


@network_view(Access.READ)
def cost_list(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    """The network's current cost: filters, totals, spend per day by media source, the rows."""
    form = _cost_filter(request, tenancy)
    filters = form.filters()
    rows = cost_rows_listed(network=tenancy.network, **filters)
    days = cost_day_totals(network=tenancy.network, **filters)  # totals, chart and row count
    totals = cost_totals_of(days=days)
    date_to = filters["date_to"] or timezone.now().date()
    currency = request.GET.get("currency") or totals.main_currency
    points = [(day, source, total) for day, source, money, total, _ in days if money == currency]
    chart = spend_chart(points=points, date_from=filters["date_from"], date_to=date_to, currency=currency)
    # The rows without their apps: the filter's apps (by pk) name them, no join nor 100 App objects.
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = totals.rows  # known already: no COUNT(*) over the rows again
    page = paginator.get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "totals": totals, "chart": chart, "filters": filters}
    return render(request, "costs/list.html", context)


@network_view(Access.READ)
def cost_export(request: HttpRequest, *, tenancy: Tenancy) -> StreamingHttpResponse:
    rows = cost_rows_filtered(network=tenancy.network, **_cost_filter(request, tenancy).filters())
    return csv_response(cost_csv_rows(rows=rows), f"incost-cost-{tenancy.network.slug}.csv")


@network_view(Access.WRITE)
def cost_row_edit(request: HttpRequest, row_id: int, *, tenancy: Tenancy) -> HttpResponse:
    row = tenant_object(tenancy, cost_row_list(network=tenancy.network), pk=row_id)
    form = CostRowForm(request.POST or None, initial=editing.row_initial(row))
    if request.method == "POST" and form.is_valid():
        try:
            editing.cost_row_edit(network=tenancy.network, row=row, user=request.user, changes=form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Row saved. Its group will be sent with the next plan (or Send now).")
            return redirect("costs:list", tenancy.network.code)
    return render(request, "costs/row_edit.html", {"form": form, "row": row})


@require_POST
@network_view(Access.WRITE)
def cost_row_delete(request: HttpRequest, row_id: int, *, tenancy: Tenancy) -> HttpResponse:
    row = tenant_object(tenancy, cost_row_list(network=tenancy.network), pk=row_id)
    try:
        editing.cost_row_delete(network=tenancy.network, row=row, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Row deleted. Its group will be sent again without it.")
    return redirect("costs:list", tenancy.network.code)


@network_view(Access.WRITE)
def upload(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    """Upload a file or paste JSON; it is kept and checked at once, then previewed."""
    form = UploadForm(request.POST or None, request.FILES or None, apps=app_list(network=tenancy.network))
    if request.method == "POST" and form.is_valid():
        data, network = form.cleaned_data, tenancy.network
        options = {"source_time_zone": data["source_time_zone"], "app": form.chosen_app}
        try:
            if data["file"]:
                conventions = {key: data[key] for key in ("decimal_separator", "date_format")}
                new = cost_upload_create(
                    network=network, user=request.user, file=data["file"], **options, **conventions
                )
            else:
                new = editing.cost_upload_paste(
                    network=network, user=request.user, body=data["body"], **options
                )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("costs:upload_detail", tenancy.network.code, new.code)
    return render(request, "costs/upload.html", {"form": form, "accepted": accepted_codes})


@network_view(Access.READ)
def upload_sample(request: HttpRequest, file_format: str, *, tenancy: Tenancy) -> HttpResponse:
    if file_format not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(sample_file(network=tenancy.network, file_format=file_format))
    response["Content-Type"] = CONTENT_TYPES[file_format]
    response["Content-Disposition"] = attachment(f"incost-template.{file_format}")
    return response


@network_view(Access.READ)
def upload_list(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = UploadFilterForm(request.GET or None)
    uploads = cost_upload_filtered(network=tenancy.network, **form.filters())
    page = Paginator(uploads, 50).get_page(request.GET.get("page"))
    return render(request, "costs/uploads.html", {"form": form, "page": page})


def _preview(request: HttpRequest, upload: CostUpload, *, problems: str | None = None) -> dict[str, Any]:
    shown = problems or request.GET.get("rows") or ("problems" if upload.issue_counts else "all")
    return {
        "upload": upload,
        "profile": upload_profile(upload=upload),
        "issue_groups": upload_issue_groups(upload=upload),
        "file_issues": upload_file_issues(upload=upload),
        "grid": upload_grid(
            upload=upload,
            page_number=request.GET.get("page"),
            problems_only=shown == "problems",
            code=request.GET.get("code", "")[:10],
        ),
        "warning_values": upload_warning_values(upload=upload),
        "rows_shown": shown,
        # Rows can be chosen and removed while the upload is not accepted (and its file is kept).
        "editable": getattr(request, "tenancy", None) is not None
        and request.tenancy.can_write  # type: ignore[attr-defined]
        and upload.status != CostUpload.Status.ACCEPTED
        and upload.file_pruned_at is None,
    }


def _file_removed(request: HttpRequest, upload: CostUpload) -> HttpResponse:
    return render(request, "costs/file_removed.html", {"upload": upload}, status=410)


def _upload(tenancy: Tenancy, upload_code: Any) -> CostUpload:
    return tenant_object(tenancy, cost_upload_list(network=tenancy.network), code=upload_code)


@network_view(Access.READ)
def upload_detail(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    """The upload's preview: counts, issues by code, the rows with their issues on their cells."""
    context = _preview(request, _upload(tenancy, upload_code))
    template = "costs/_preview.html" if request.htmx else "costs/upload_detail.html"
    return render(request, template, context)


@require_POST
@network_view(Access.WRITE)
def upload_fix(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    """Fix one cell: a corrected copy of the file is checked as a new upload, shown in place."""
    upload, form = _upload(tenancy, upload_code), CellFixForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That change could not be read; try again.")
        return redirect("costs:upload_detail", tenancy.network.code, upload.code)
    cell = form.cleaned_data
    try:
        fixed = editing.cost_upload_cell_fix(upload=upload, user=request.user, **cell)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("costs:upload_detail", tenancy.network.code, upload.code)
    messages.success(
        request,
        f"Row {cell['row']} {cell['field']} changed and the file checked again as {fixed.original_name!r}; "
        "the file as uploaded stays in the history.",
    )
    url = reverse("costs:upload_detail", args=[tenancy.network.code, fixed.code])
    if not request.htmx:
        return redirect(url)
    response = render(request, "costs/_preview.html", _preview(request, fixed, problems="problems"))
    response["HX-Push-Url"] = url
    return response


def _chosen_rows(request: HttpRequest) -> set[int]:
    return {int(number) for number in request.POST.getlist("rows") if number.isdigit()}


def _next_version(
    request: HttpRequest, tenancy: Tenancy, upload: CostUpload, make: Callable[[], tuple[CostUpload, str]]
) -> HttpResponse:
    """Run an edit that makes the upload's next version and go there; if it is refused, say why
    and stay on this one."""
    try:
        made, said = make()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("costs:upload_detail", tenancy.network.code, upload.code)
    if said:
        messages.success(request, said)
    return redirect("costs:upload_detail", tenancy.network.code, made.code)


@require_POST
@network_view(Access.WRITE)
def upload_rows_remove(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    """Remove the chosen rows: the rest is checked again as the upload's next version."""
    upload, rows = _upload(tenancy, upload_code), _chosen_rows(request)

    def make() -> tuple[CostUpload, str]:
        fixed = editing.cost_upload_rows_remove(upload=upload, user=request.user, rows=rows)
        return fixed, f"{len(rows):,} row{pluralize(len(rows))} removed; the rest checked again."

    return _next_version(request, tenancy, upload, make)


@require_POST
@network_view(Access.WRITE)
def upload_column_set(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    """Set a column on the chosen rows, or on every row holding a value (find and replace)."""
    upload, post = _upload(tenancy, upload_code), request.POST
    field, find = post.get("field", ""), post.get("find", "")

    def make() -> tuple[CostUpload, str]:
        fixed = editing.cost_upload_column_set(
            upload=upload,
            user=request.user,
            field=field,
            value=post.get("value", ""),
            rows=_chosen_rows(request) or None,
            find=find if find != "" else None,
        )
        return fixed, f"{field} set; the file checked again as {fixed.original_name!r}."

    return _next_version(request, tenancy, upload, make)


@require_POST
@network_view(Access.WRITE)
def upload_accept_valid(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    """Accept the groups without an error: they go into a new version, accepted when it is clean."""
    upload = _upload(tenancy, upload_code)

    def make() -> tuple[CostUpload, str]:
        valid = editing.cost_upload_valid_groups(upload=upload, user=request.user)
        try:
            result = cost_upload_accept(upload=valid, user=request.user)
        except CostUploadBlocked as error:
            # The version exists and supersedes this one: show it, with what still blocks it.
            said = "The groups without errors are in this version, but it cannot be accepted yet: "
            messages.warning(request, said + " ".join(error.messages))
            return valid, ""
        return valid, (
            f"Accepted the groups without errors: {result.rows:,} row{pluralize(result.rows)} stored, "
            f"{result.groups:,} group{pluralize(result.groups)} replaced. The groups with errors were "
            "left out; the file as uploaded stays in the history."
        )

    return _next_version(request, tenancy, upload, make)


@require_POST
@network_view(Access.WRITE)
def upload_accept(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    upload = _upload(tenancy, upload_code)
    try:
        result = cost_upload_accept(upload=upload, user=request.user)
    except CostUploadBlocked as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Accepted: {result.rows:,} row{pluralize(result.rows)} stored, "
            f"{result.groups:,} group{pluralize(result.groups)} replaced.",
        )
    return redirect("costs:upload_detail", tenancy.network.code, upload.code)


@network_view(Access.READ)
def upload_annotated(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    upload = _upload(tenancy, upload_code)
    if upload.file_pruned_at is not None:
        return _file_removed(request, upload)
    stem = (upload.original_name or "costs").rsplit(".", 1)[0]
    return csv_response(upload_annotated_rows(upload=upload), f"{stem}-issues.csv")


@network_view(Access.READ)
def upload_original(request: HttpRequest, upload_code: str, *, tenancy: Tenancy) -> HttpResponse:
    upload = _upload(tenancy, upload_code)
    if upload.file_pruned_at is not None:
        return _file_removed(request, upload)
    name = upload.original_name or f"costs.{upload.file_format}"
    # As bytes, never as what its name says: an uploaded .html or .js is not served as a page or
    # script from the portal's origin (SecurityMiddleware adds X-Content-Type-Options: nosniff).
    response = FileResponse(upload.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = attachment(name)
    return response
