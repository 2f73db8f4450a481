from typing import Any

from django.http import HttpRequest

from incost_portal.networks.selectors import membership_list


def tenancy(request: HttpRequest) -> dict[str, Any]:
    """The current network (when the view resolved one) and the user's networks for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(request, "tenancy", None)
    if current is not None and current.memberships:
        return {"tenancy": current, "my_memberships": current.memberships}
    # Lazy: evaluated only by templates that show the switcher.
    return {"tenancy": current, "my_memberships": lambda: membership_list(user=user)}
