from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "incost_portal.networks"
    label = "networks"

    def ready(self) -> None:
        from incost_portal.networks import models, page_cache

        # The network's name, apps, media sources, token, schedule and members are on its pages.
        page_cache.track(
            models.Network,
            models.App,
            models.MediaSource,
            models.ApiToken,
            models.SendSchedule,
            models.Membership,
        )
