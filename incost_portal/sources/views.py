"""Pages of sources: the list, the form, a source's run history, a run's outcome and issues."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from incost_portal.networks.access import Access, Tenancy, network_view, tenant_object
from incost_portal.sources import selectors
from incost_portal.sources.forms import SourceForm
from incost_portal.sources.models import Source, SourceRun
from incost_portal.sources.services.config import source_create, source_delete, source_update
from incost_portal.sources.services.runs import source_run_request


@network_view(Access.READ)
def source_list(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    return render(request, "sources/list.html", {"sources": selectors.source_list(network=tenancy.network)})


def _form_errors(form: SourceForm, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@network_view(Access.ADMIN)
def source_new(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = source_create(
                network=tenancy.network, user=request.user, values=form.values,
                headers=form.headers_given, secret_key=form.cleaned_data["secret_key"],
            )  # fmt: skip
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Source {source.name!r} added. Test it to see what it would take.")
            return redirect("sources:detail", tenancy.network.code, source.code)
    return render(request, "sources/form.html", {"form": form, "source": None})


@network_view(Access.ADMIN)
def source_edit(request: HttpRequest, cost_source_code: str, *, tenancy: Tenancy) -> HttpResponse:
    source = tenant_object(tenancy, Source, code=cost_source_code)
    form = SourceForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        try:
            source_update(
                source=source, user=request.user, values=form.values,
                headers=form.headers_given, secret_key=form.cleaned_data["secret_key"],
            )  # fmt: skip
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Source saved.")
            return redirect("sources:detail", tenancy.network.code, source.code)
    return render(request, "sources/form.html", {"form": form, "source": source})


@require_POST
@network_view(Access.ADMIN)
def source_remove(request: HttpRequest, cost_source_code: str, *, tenancy: Tenancy) -> HttpResponse:
    source = tenant_object(tenancy, Source, code=cost_source_code)
    source_delete(source=source, user=request.user)
    messages.success(request, f"Source {source.name!r} deleted; the uploads it made stay in the history.")
    return redirect("sources:list", tenancy.network.code)


@network_view(Access.READ)
def source_detail(request: HttpRequest, cost_source_code: str, *, tenancy: Tenancy) -> HttpResponse:
    """The source's settings in brief and its runs, newest first."""
    source = tenant_object(tenancy, Source, code=cost_source_code)
    page = Paginator(selectors.source_run_list(source=source), 50).get_page(request.GET.get("page"))
    live = any(not run.is_final for run in page.object_list)
    return render(request, "sources/detail.html", {"source": source, "page": page, "live": live})


@require_POST
@network_view(Access.WRITE)
def source_fetch(request: HttpRequest, cost_source_code: str, *, tenancy: Tenancy) -> HttpResponse:
    """Fetch now, or Test (a dry run: the preview, nothing stored)."""
    source = tenant_object(tenancy, Source, code=cost_source_code)
    dry_run = request.POST.get("dry_run") == "1"
    run = source_run_request(source=source, user=request.user, dry_run=dry_run)
    messages.info(request, "Testing the source: nothing will be stored." if dry_run else "Fetching now.")
    return redirect("sources:run", tenancy.network.code, source.code, run.code)


@network_view(Access.READ)
def run_detail(
    request: HttpRequest, cost_source_code: str, run_code: str, *, tenancy: Tenancy
) -> HttpResponse:
    source = tenant_object(tenancy, Source, code=cost_source_code)
    run = tenant_object(tenancy, SourceRun.objects.filter(source=source), code=run_code)
    uploads = run.uploads.order_by("id")
    return render(request, "sources/run.html", {"source": source, "run": run, "uploads": uploads})
