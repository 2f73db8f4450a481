"""AppsFlyer's InCost paths, beneath /incost/ exactly as beneath https://hq1.appsflyer.com/api/."""

from django.urls import path, re_path

from incost_portal.api.incost_compat import views

app_name = "incost_compat"
urlpatterns = [
    path("incost-uploader/v1/data/app/<str:app_id>", views.upload, name="upload"),
    path("incost-jobstatus/v1/data/app/<str:app_id>/job/<str:job_id>", views.job_status, name="job_status"),
    path("mng/apps", views.app_list, name="app_list"),
    re_path(r"^(?P<rest>.*)$", views.unknown),
]
