from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incost_portal.networks.access import Access, Tenancy, network_view


@network_view(Access.READ)
def cost_list(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    return render(request, "costs/list.html", {})
