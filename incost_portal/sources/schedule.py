"""When a source is pulled: every N hours, or shortly before each scheduled send of the network."""

import datetime

from django.conf import settings

from incost_portal.networks.selectors import send_schedule_for
from incost_portal.sources.models import Source
from incost_portal.submissions.services.schedules import next_slot

# Without a send schedule (or with it off), a source is pulled as often as the default schedule.
FALLBACK_HOURS = 4


def source_next_run(source: Source, now: datetime.datetime) -> datetime.datetime | None:
    """The next time a scheduled run is due; None for a source turned off."""
    if not source.enabled:
        return None
    if source.every_hours:
        return now + datetime.timedelta(hours=source.every_hours)
    lead = datetime.timedelta(minutes=settings.SOURCE_LEAD_MINUTES)
    slot = next_slot(send_schedule_for(network=source.network), now + lead)
    if slot is None:
        return now + datetime.timedelta(hours=FALLBACK_HOURS)
    return slot - lead
