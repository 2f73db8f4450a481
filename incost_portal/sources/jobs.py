"""RQ jobs of sources: each takes an id and calls one service (no setting or secret travels)."""

from incost_portal.sources.services.runs import source_run_execute, sources_run_due


def source_run_job(run_id: int) -> str:
    return source_run_execute(run_id=run_id)


def sources_run_due_job() -> int:
    return sources_run_due()
