from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "incost_portal.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # The registry of condition kinds is filled when the evaluators are imported; the job
        # module is imported once per process (RQ's work horses fork from it).
        from incost_portal.alerts import evaluators, jobs  # noqa: F401
