"""The InCost-compatible endpoint's jobs are recovered when their queue entry was lost, and removed
once their retention period ended."""

import datetime

import pytest
from django.utils import timezone

from incost_portal.api.incost_compat.services import (
    incost_jobs_prune,
    incost_jobs_recover,
    incost_upload_receive,
)
from incost_portal.api.models import IncostJob
from incost_portal.api.services import api_key_create
from tests.builders import json_bytes, row, today
from tests.cast import Cast
from tests.wiring import incost_queue_empty, queued_jobs_run

pytestmark = pytest.mark.django_db(transaction=True)


def received(cast: Cast, *, spend: float = 1) -> IncostJob:
    key = api_key_create(network=cast.network, name="etl", user=None).key
    job = incost_upload_receive(key=key, app=cast.ios_app, body=json_bytes([row(date=today(1), spend=spend)]))
    assert isinstance(job, IncostJob) and job.state == IncostJob.State.RECEIVED
    return job


def test_a_body_whose_queue_entry_was_lost_is_stored_by_the_next_recovery(cast: Cast) -> None:
    job = received(cast)
    incost_queue_empty()  # Redis lost the job; its marker still stands
    assert incost_jobs_recover() == 0  # not late yet: a worker may be on it
    IncostJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    assert incost_jobs_recover() == 1
    queued_jobs_run()
    job.refresh_from_db()
    assert job.state == IncostJob.State.ACCEPTED and job.upload is not None


def test_ended_jobs_go_after_their_retention_period_and_waiting_ones_stay(cast: Cast) -> None:
    old_ended, recent_ended, old_waiting = received(cast), received(cast, spend=2), received(cast, spend=3)
    IncostJob.objects.filter(pk__in=[old_ended.pk, recent_ended.pk]).update(state=IncostJob.State.ACCEPTED)
    long_ago = timezone.now() - datetime.timedelta(days=91)
    IncostJob.objects.filter(pk__in=[old_ended.pk, old_waiting.pk]).update(created_at=long_ago)
    assert incost_jobs_prune() == 1
    assert set(IncostJob.objects.values_list("pk", flat=True)) == {recent_ended.pk, old_waiting.pk}
    incost_queue_empty()
