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
