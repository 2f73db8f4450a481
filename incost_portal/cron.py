"""What RQ cron runs, and when (all times UTC): `python manage.py rqcron incost_portal.cron`.

Each entry enqueues a small job that looks up its work in the database, so several cron
processes or a restarted one never double anything: the database decides what is due.
"""

import django

django.setup()

from django.conf import settings  # noqa: E402
from rq import cron  # noqa: E402

from incost_portal.alerts.jobs import alerts_digest_job, alerts_evaluate_job  # noqa: E402
from incost_portal.api.incost_compat.jobs import incost_jobs_recover_job  # noqa: E402
from incost_portal.incost.jobs import app_list_sync_all  # noqa: E402
from incost_portal.runtime.jobs import sessions_clear, storage_prune  # noqa: E402
from incost_portal.sources.jobs import sources_run_due_job  # noqa: E402
from incost_portal.submissions.jobs import (  # noqa: E402
    freshness_run_job,
    schedules_run_job,
    submissions_dispatch_job,
)

cron.register(sessions_clear, "default", cron="17 3 * * *", name="sessions_clear")
cron.register(storage_prune, "default", cron="41 * * * *", name="storage_prune")
cron.register(
    submissions_dispatch_job,
    "incost",
    interval=settings.DISPATCH_INTERVAL_SECONDS,
    name="submissions_dispatch",
)
cron.register(schedules_run_job, "incost", cron="* * * * *", name="schedules_run")
# Between send times, networks on "as fresh as the budget allows" send within their share.
cron.register(
    freshness_run_job, "incost", interval=settings.FRESHNESS_TICK_MINUTES * 60, name="freshness_run"
)
cron.register(app_list_sync_all, "incost", cron="7 */6 * * *", name="app_list_sync_all")
cron.register(
    incost_jobs_recover_job,
    "incost",
    interval=settings.DISPATCH_INTERVAL_SECONDS,
    name="incost_jobs_recover",
)
cron.register(
    alerts_evaluate_job,
    "default",
    interval=settings.ALERTS_EVALUATE_INTERVAL_SECONDS,
    name="alerts_evaluate",
)
cron.register(
    alerts_digest_job, "default", cron=f"0 {settings.ALERT_DIGEST_HOUR_UTC} * * *", name="alerts_digest"
)
cron.register(sources_run_due_job, "default", cron="* * * * *", name="sources_run_due")
