import pytest

from incost_portal.costs.selectors import network_rules
from incost_portal.costs.validation import NetworkRules
from tests.cast import Cast, make_cast


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture
def rules(cast: Cast) -> NetworkRules:
    return network_rules(network=cast.network)


@pytest.fixture(autouse=True)
def media_root(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded files go to a temporary folder, not the project's var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))  # type: ignore[attr-defined]
