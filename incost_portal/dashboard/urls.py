from django.urls import path

from incost_portal.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("apps/", views.apps, name="apps"),
    path("settings/storage/", views.storage, name="storage"),
    path("forecast/", views.forecast, name="forecast"),
]
