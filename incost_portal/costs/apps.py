from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "incost_portal.costs"
    label = "costs"

    def ready(self) -> None:
        from incost_portal.costs.models import CostUpload
        from incost_portal.networks import page_cache

        # Uploads (the dashboard counts those with errors); cost rows change through the row
        # store, which calls page_cache.network_changed itself.
        page_cache.track(CostUpload)
