from django.urls import path

from incost_portal.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("onboarding/", views.onboarding, name="index"),
    path("onboarding/test-connection/", views.connection_test, name="connection_test"),
    path("onboarding/sync-apps/", views.apps_sync, name="apps_sync"),
    path("onboarding/test-send/", views.test_send, name="test_send"),
    path("onboarding/report.html", views.report, name="report"),
    # Among the settings for the admins who look there; onboarding's first step.
    path("settings/token/", views.token, name="token"),
    path("settings/token/revoke/", views.token_revoke, name="token_revoke"),
]
