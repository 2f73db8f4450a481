from django.urls import path

from incost_portal.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("", views.onboarding, name="index"),
    path("test-connection/", views.connection_test, name="connection_test"),
    path("sync-apps/", views.apps_sync, name="apps_sync"),
    path("test-send/", views.test_send, name="test_send"),
    path("report.html", views.report, name="report"),
]
