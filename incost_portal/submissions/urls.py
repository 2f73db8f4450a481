from django.urls import path

from incost_portal.submissions import views

app_name = "submissions"
urlpatterns = [
    path("", views.submission_list_view, name="list"),
    path("export.csv", views.submission_export, name="export"),
    path("send/", views.send_now, name="send_now"),
    path("backfill/", views.backfill, name="backfill"),
    path("<uuid:submission_code>/", views.submission_detail, name="detail"),
    path("<uuid:submission_code>/payload.json", views.submission_payload, name="payload"),
    path("<uuid:submission_code>/resend/", views.submission_resend_view, name="resend"),
]
