"""The sources' tests: a reporting server of the network's on a local port, and waits shortened."""

from collections.abc import Iterator

import pytest
from django.test import override_settings

from tests.sources.reports import Reports, reports_running

# The local servers the tests start are on loopback: let the guard through to them only.
LOCAL = ["127.0.0.0/8"]
FAST = {
    "OUTBOUND_ALLOWED_NETWORKS": LOCAL,
    "SOURCE_RETRY_BACKOFF_SECONDS": 0,
    "SOURCE_LOCK_RETRY_SECONDS": 0,
    "SOURCE_FETCH_TIMEOUT_SECONDS": 10.0,
    "INCOST_POLL_DELAY_SECONDS": 0,
    "INCOST_POLL_INTERVAL_SECONDS": 0,
    "INCOST_LIMITER_WAIT_SECONDS": 1,
}


@pytest.fixture
def reports() -> Iterator[Reports]:
    with reports_running() as running, override_settings(**FAST):
        yield running
