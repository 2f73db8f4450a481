from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "incost_portal.submissions"
    label = "submissions"

    def ready(self) -> None:
        from incost_portal.networks import page_cache
        from incost_portal.submissions.models import Submission

        # New submissions; their state moves call page_cache.network_changed themselves.
        page_cache.track(Submission)
        # Import the job modules once per process: RQ forks a work horse for every job, and a
        # horse that had to import them again would spend most of its time doing so.
        from incost_portal.incost import jobs as incost_jobs  # noqa: F401
        from incost_portal.submissions import jobs  # noqa: F401
