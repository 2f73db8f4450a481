from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incost_portal.costs.selectors import cost_row_list, cost_upload_list
from incost_portal.networks.access import Access, Tenancy, network_view


@network_view(Access.READ)
def cost_list(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    """The network's current cost rows, newest dates first, and its latest uploads (read only)."""
    rows = Paginator(cost_row_list(network=tenancy.network), 100).get_page(request.GET.get("page"))
    uploads = cost_upload_list(network=tenancy.network)[:10]
    return render(request, "costs/list.html", {"rows": rows, "uploads": uploads})
