"""Settings → API keys: admins create (the key shown once), list and revoke the network's keys."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from incost_portal.api.forms import ApiKeyForm
from incost_portal.api.models import ApiKey
from incost_portal.api.selectors import api_key_list
from incost_portal.api.services import api_key_create, api_key_revoke
from incost_portal.networks.access import Access, Tenancy, network_view, tenant_object


@network_view(Access.ADMIN)
def api_keys(request: HttpRequest, *, tenancy: Tenancy) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        # Shown once, on this answer only (only its hash is stored, and a message would carry it
        # in a cookie): the admin copies it now.
        new_key = api_key_create(network=tenancy.network, user=request.user, **form.cleaned_data)
        form = ApiKeyForm()
    context = {
        "form": form,
        "new_key": new_key,
        "keys": api_key_list(network=tenancy.network),
        "incost_base_url": request.build_absolute_uri("/incost/"),
    }
    return render(request, "api/api_keys.html", context)


@require_POST
@network_view(Access.ADMIN)
def api_key_revoke_view(request: HttpRequest, prefix: str, *, tenancy: Tenancy) -> HttpResponse:
    key = tenant_object(tenancy, ApiKey, prefix=prefix)
    api_key_revoke(key=key, user=request.user)
    messages.success(request, f"The key {key.name} ({key.prefix}…) no longer works.")
    return redirect("api_keys:list", tenancy.network.code)
