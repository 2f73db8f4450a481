"""RQ jobs of the InCost-compatible endpoint: each takes ids and calls one service."""

from incost_portal.api.incost_compat.services import incost_job_ingest, incost_send_plan


def incost_job_ingest_job(job_id: int) -> str | None:
    job = incost_job_ingest(job_id=job_id)
    return str(job.state) if job else None


def incost_send_plan_job(network_id: int, app_pk: int) -> str:
    return incost_send_plan(network_id=network_id, app_pk=app_pk)
