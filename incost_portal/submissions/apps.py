from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "incost_portal.submissions"
    label = "submissions"

    def ready(self) -> None:
        # Import the job modules once per process: RQ forks a work horse for every job, and a
        # horse that had to import them again would spend most of its time doing so.
        from incost_portal.incost import jobs as incost_jobs  # noqa: F401
        from incost_portal.submissions import jobs  # noqa: F401
