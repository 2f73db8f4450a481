from django.urls import path

from incost_portal.alerts import views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.alerts_page, name="index"),
    path("alerts/subscription/", views.subscription, name="subscription"),
    path("alerts/<uuid:condition_code>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("alerts/<uuid:condition_code>/mute/", views.mute, name="mute"),
    path("settings/alerts/", views.channels, name="channels"),
    path("settings/alerts/thresholds/", views.thresholds, name="thresholds"),
    path("settings/alerts/channels/<uuid:channel_code>/test/", views.channel_test, name="channel_test"),
    path("settings/alerts/channels/<uuid:channel_code>/remove/", views.channel_remove, name="channel_remove"),
]
