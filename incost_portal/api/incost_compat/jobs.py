"""RQ jobs of the InCost-compatible endpoint: each takes ids and calls one service."""

from incost_portal.api.incost_compat.services import incost_jobs_ingest, incost_jobs_recover, incost_send_plan


def incost_jobs_ingest_job(app_pk: int) -> int:
    return incost_jobs_ingest(app_pk=app_pk)


def incost_send_plan_job(network_id: int, app_pk: int) -> str:
    return incost_send_plan(network_id=network_id, app_pk=app_pk)


def incost_jobs_recover_job() -> int:
    return incost_jobs_recover()
