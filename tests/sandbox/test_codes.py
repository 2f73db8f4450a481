"""The sandbox keeps its own copy of InCost's codes: it must say what the portal reads."""

from incost_portal.incost import codes as portal
from incost_portal.sandbox import codes as sandbox


def test_the_sandbox_answers_with_the_portals_messages() -> None:
    assert sandbox.MESSAGES == portal.MESSAGES


def test_the_sandbox_reports_the_portals_job_statuses() -> None:
    assert (sandbox.IN_PROGRESS, sandbox.APPLIED, sandbox.VALIDATION_ERROR, sandbox.PROCESSING_ERROR) == (
        portal.IN_PROGRESS,
        portal.APPLIED,
        portal.VALIDATION_ERROR,
        portal.PROCESSING_ERROR,
    )
    assert {sandbox.APPLIED, sandbox.VALIDATION_ERROR, sandbox.PROCESSING_ERROR} <= portal.TERMINAL_STATUSES
