from collections.abc import Iterator

import pytest

from tests.sandbox.running import Sandbox, sandbox_running


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with sandbox_running(tmp_path_factory.mktemp("sandbox")) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_process: Sandbox) -> Iterator[Sandbox]:
    """The session's sandbox, with its settings and faults put back after each test."""
    sandbox_process.reset()
    yield sandbox_process
    sandbox_process.reset()
