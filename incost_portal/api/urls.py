from django.urls import path

from incost_portal.api import views

app_name = "api_keys"
urlpatterns = [
    path("", views.api_keys, name="list"),
    path("<str:prefix>/revoke/", views.api_key_revoke_view, name="revoke"),
]
