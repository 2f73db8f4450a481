from django.urls import path

from incost_portal.submissions import views

app_name = "submissions"
urlpatterns = [
    path("", views.submission_list, name="list"),
]
