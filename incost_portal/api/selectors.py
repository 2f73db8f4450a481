from django.db.models import QuerySet

from incost_portal.api.models import ApiKey
from incost_portal.networks.models import Network


def api_key_list(*, network: Network) -> QuerySet[ApiKey]:
    """The network's keys, newest first, with who made and revoked them."""
    return ApiKey.objects.filter(network=network).select_related("created_by", "revoked_by")
