"""The portal's main links, as HTML built in Python: base.html shows them twice (the top bar on
wide screens, the Menu on narrow ones), and as an include with a `{% url %}` a link they cost a
fifth of every page's chrome."""

import functools
import uuid
from html import escape

from django import template
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# (URL name, label): the main sections of a network, in the order they are shown.
MAIN_LINKS = (
    ("dashboard:index", "Dashboard"),
    ("costs:list", "Costs"),
    ("submissions:list", "Jobs"),
    ("dashboard:apps", "Apps"),
    ("alerts:index", "Alerts"),
    ("onboarding:index", "Onboarding"),
    ("networks:settings", "Settings"),
)
# The URL namespaces whose pages sit under Settings.
SETTINGS_SECTIONS = frozenset({"networks", "api_keys", "sources"})
# The API's docs (django-ninja's page): for everyone, not a page of one network.
API_DOCS_URL_NAME = "api:openapi-view"
# The request's attribute holding the links once built (the second place reuses them).
_BUILT = "_portal_main_links"
# A code no network has: each link is reversed once with it, then given the network's code.
_SLOT = uuid.UUID(int=0)


@functools.lru_cache(maxsize=16)
def _paths(script_prefix: str, urlconf: object) -> tuple[str, ...]:
    """The main links' paths for the placeholder network, per script prefix and URLconf (the two
    things besides the arguments that `reverse` depends on)."""
    return (
        *(reverse(url_name, args=[_SLOT]) for url_name, _ in MAIN_LINKS),
        reverse(API_DOCS_URL_NAME),
    )


def _current(url_name: str, section: str, view: str) -> bool:
    """Whether a main link is the section the request is in (`section`: the URL namespace)."""
    if url_name == "dashboard:index":
        return section == "dashboard" and view == "index"
    if url_name == "dashboard:apps":
        return view == "apps"
    if url_name == "networks:settings":
        return section in SETTINGS_SECTIONS or view == "token" or (section == "alerts" and view == "channels")
    if url_name == "alerts:index":
        return section == "alerts" and view != "channels"  # the channels are a Settings page
    return section == url_name.split(":", 1)[0]


def main_links_html(request: HttpRequest, network_code: object) -> SafeString:
    match = getattr(request, "resolver_match", None)
    section, view = (match.namespace, match.url_name) if match is not None else ("", "")
    code, links = str(network_code), []
    paths = _paths(get_script_prefix(), get_urlconf())
    for (url_name, label), path in zip(MAIN_LINKS, paths[:-1], strict=True):
        current = ' aria-current="page"' if _current(url_name, section, view or "") else ""
        links.append(f'<a href="{escape(path.replace(str(_SLOT), code))}"{current}>{label}</a>')
    links.append(f'<a href="{escape(paths[-1])}">API</a>')
    return mark_safe("\n".join(links))  # noqa: S308 (reversed URLs escaped, fixed labels)


@register.simple_tag(takes_context=True)
def main_links(context: template.Context) -> SafeString:
    """The main links of the request's network (its `tenancy`), built once a request."""
    request = context["request"]
    built = getattr(request, _BUILT, None)
    if built is None:
        built = main_links_html(request, context["tenancy"].network.code)
        setattr(request, _BUILT, built)
    return built
