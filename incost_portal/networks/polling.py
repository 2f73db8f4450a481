"""Live partials that htmx polls: an unchanged one is answered 304 Not Modified, with no render.

A page that shows work on its way (the jobs list, a job, onboarding) asks for its live partial
every few seconds. The view names what the partial shows with a cheap `version` (a few index
probes, e.g. the newest `updated_at`); the ETag is that version with the viewer's access and the
query string, and Django's `condition` answers a poll whose ETag still matches without calling
the view. Full pages are always rendered: they carry flash messages and CSRF tokens.

The busiest poll (the jobs list) gives `probes` instead: SQL over the network that `network_view`
reads in the very query that resolves the viewer's membership, so an unchanged poll costs one
query beyond the session's and the user's.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from incost_portal.networks.access import TENANCY_PROBES, Tenancy
from incost_portal.networks.selectors import Probes

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def polled(
    version: Callable[..., str] | None = None,
    *,
    probes: Probes | None = None,
) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a `network_view` whose htmx partial is polled. Give one of: `version(tenancy=,
    **url_kwargs)`, a string that changes whenever what the partial shows changes; or `probes`,
    scalar SQL over the network whose values change with it, read with the membership (see
    `selectors.membership_probed`)."""
    if (version is None) == (probes is None):
        raise ImproperlyConfigured("polled() takes a version or probes, one of them.")

    def current(tenancy: Tenancy, kwargs: dict[str, Any]) -> str:
        if version is not None:
            return version(tenancy=tenancy, **kwargs)
        if not tenancy.probed:
            raise ImproperlyConfigured("A view polled by probes must be a network_view's.")
        return "\x1f".join(f"{name}={value}" for name, value in sorted(tenancy.probed.items()))

    def etag(request: HttpRequest, *, tenancy: Tenancy, **kwargs: Any) -> str | None:
        if not request.htmx:  # type: ignore[attr-defined]
            return None
        parts = (current(tenancy, kwargs), str(int(tenancy.access)), request.get_full_path())
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()

    def decorator(view: ViewFunc) -> ViewFunc:
        conditional = condition(etag_func=etag)(view)

        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = conditional(request, *args, **kwargs)
            # The partial and the page share a URL: the browser keeps them apart and asks again.
            patch_vary_headers(response, ["HX-Request"])
            patch_cache_control(response, private=True, no_cache=True)
            return response

        wrapped.__name__ = getattr(view, "__name__", "view")
        wrapped.__doc__ = view.__doc__
        setattr(wrapped, TENANCY_PROBES, probes)
        return wrapped  # type: ignore[return-value]

    return decorator
