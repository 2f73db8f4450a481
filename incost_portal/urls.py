from django.contrib import admin
from django.urls import include, path, re_path

from incost_portal.api.rest import API_ROOT, api_path_unknown, api_urls
from incost_portal.dashboard import views as dashboard_views
from incost_portal.networks import views as network_views
from incost_portal.runtime import views as runtime_views

admin.site.site_header = "InCost Portal: platform admin"

network_patterns = [
    path("", include("incost_portal.dashboard.urls")),
    path("", include("incost_portal.networks.urls")),
    path("costs/", include("incost_portal.costs.urls")),
    path("jobs/", include("incost_portal.submissions.urls")),
    path("", include("incost_portal.onboarding.urls")),
    path("settings/api-keys/", include("incost_portal.api.urls")),
    path("settings/sources/", include("incost_portal.sources.urls")),
]

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("accounts/", include("incost_portal.accounts.urls")),
    path("invitations/<str:secret>/", network_views.invitation_accept, name="invitation_accept"),
    path("n/<uuid:network_code>/", include(network_patterns)),
    path(API_ROOT, api_urls()),
    re_path(r"^api/v1/(?P<rest>.*)$", api_path_unknown),
    path("incost/", include("incost_portal.api.incost_compat.urls")),
    path("admin/", admin.site.urls),
    path("admin/rq/", include("django_rq.urls")),
    path("healthz", runtime_views.healthz, name="healthz"),
    path("favicon.ico", runtime_views.favicon, name="favicon"),
]
