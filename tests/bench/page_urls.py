"""The product's URLs plus `/bench/trivial/`: a login-protected view that does nothing else."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from incost_portal.urls import urlpatterns as product_urlpatterns


@login_required
def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *product_urlpatterns]
