from django.urls import path

from incost_portal.costs import views

app_name = "costs"
urlpatterns = [
    path("", views.cost_list, name="list"),
    path("export.csv", views.cost_export, name="export"),
    path("rows/<int:row_id>/edit/", views.cost_row_edit, name="row_edit"),
    path("rows/<int:row_id>/delete/", views.cost_row_delete, name="row_delete"),
    path("upload/", views.upload, name="upload"),
    path("upload/template.<str:file_format>", views.upload_sample, name="upload_sample"),
    path("uploads/", views.upload_list, name="uploads"),
    path("uploads/<uuid:upload_code>/", views.upload_detail, name="upload_detail"),
    path("uploads/<uuid:upload_code>/fix/", views.upload_fix, name="upload_fix"),
    path("uploads/<uuid:upload_code>/accept/", views.upload_accept, name="upload_accept"),
    path("uploads/<uuid:upload_code>/remove-rows/", views.upload_rows_remove, name="upload_rows_remove"),
    path("uploads/<uuid:upload_code>/accept-valid/", views.upload_accept_valid, name="upload_accept_valid"),
    path("uploads/<uuid:upload_code>/set-column/", views.upload_column_set, name="upload_column_set"),
    path("uploads/<uuid:upload_code>/issues.csv", views.upload_annotated, name="upload_annotated"),
    path("uploads/<uuid:upload_code>/original", views.upload_original, name="upload_original"),
]
