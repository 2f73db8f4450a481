from django.urls import path

from incost_portal.sources import views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_new, name="new"),
    path("<uuid:cost_source_code>/", views.source_detail, name="detail"),
    path("<uuid:cost_source_code>/edit/", views.source_edit, name="edit"),
    path("<uuid:cost_source_code>/delete/", views.source_remove, name="delete"),
    path("<uuid:cost_source_code>/fetch/", views.source_fetch, name="fetch"),
    path("<uuid:cost_source_code>/runs/<uuid:run_code>/", views.run_detail, name="run"),
]
