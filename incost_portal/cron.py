"""What RQ cron runs, and when (all times UTC): `python manage.py rqcron incost_portal.cron`.

Each entry enqueues a small job that looks up its work in the database, so several cron
processes or a restarted one never double anything: the database decides what is due.
"""

import django

django.setup()

from rq import cron  # noqa: E402

from incost_portal.incost.jobs import app_list_sync_all  # noqa: E402
from incost_portal.runtime.jobs import sessions_clear  # noqa: E402

cron.register(sessions_clear, "default", cron="17 3 * * *", name="sessions_clear")
cron.register(app_list_sync_all, "incost", cron="7 */6 * * *", name="app_list_sync_all")
