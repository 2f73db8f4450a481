from django.urls import path

from incost_portal.networks import views

app_name = "networks"
urlpatterns = [
    path("settings/", views.settings_overview, name="settings"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<uuid:membership_code>/role/", views.member_role, name="member_role"),
    path("settings/members/<uuid:membership_code>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<uuid:invitation_code>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/media-sources/", views.media_sources, name="media_sources"),
    path(
        "settings/media-sources/<uuid:source_code>/remove/",
        views.media_source_remove,
        name="media_source_remove",
    ),
    path("settings/schedule/", views.schedule, name="schedule"),
    path("settings/audit/", views.audit, name="audit"),
    path("apps/<uuid:app_code>/send-cost/", views.app_send_cost, name="app_send_cost"),
]
