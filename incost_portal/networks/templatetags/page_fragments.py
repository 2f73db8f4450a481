"""`{% cached_fragment "name" vary… [per="minute"] %}…{% endcached_fragment %}`: a part of a page
rendered once per network data version (see networks.page_cache) and served from the cache after.

The fragment is rendered with a stand-in for the CSRF token, which every viewer's response
replaces with its own, so forms inside it work for everyone who is served it. What the fragment
shows must follow from the network's data, the viewer's access, the time bucket and `vary`: the
view hands it lazy objects, so that a cached fragment costs no query at all.
"""

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from incost_portal.networks import page_cache

register = template.Library()


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist: NodeList, name: str, vary: list[FilterExpression], per: str) -> None:
        self.nodelist, self.name, self.vary, self.per = nodelist, name, vary, per

    def render(self, context: Context) -> SafeString:
        tenancy, token = context.get("tenancy"), context.get("csrf_token")
        if tenancy is None or not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker
            return self.nodelist.render(context)  # nothing to key it by, or no token to put back
        key = page_cache.fragment_key(
            self.name,
            network=tenancy.network,
            access=tenancy.access,
            vary=[value.resolve(context) for value in self.vary],
            per=self.per,
        )
        html = page_cache.fragment_get(key)
        if html is None:
            with context.push(csrf_token=page_cache.CSRF_PLACEHOLDER):
                html = str(self.nodelist.render(context))
            page_cache.fragment_set(key, html)
        # Inside another fragment `token` is the stand-in itself: the outer one puts the real one in.
        return mark_safe(html.replace(page_cache.CSRF_PLACEHOLDER, str(token)))  # noqa: S308 - escaped when rendered


@register.tag
def cached_fragment(parser: Parser, token: Token) -> CachedFragmentNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('cached_fragment needs a name: {% cached_fragment "jobs" %}')
    name = bits[1].strip("\"'")
    per = page_cache.PER_DAY
    vary = []
    for bit in bits[2:]:
        if bit.startswith("per="):
            per = bit.removeprefix("per=").strip("\"'")
            if per not in (page_cache.PER_DAY, page_cache.PER_MINUTE):
                raise template.TemplateSyntaxError(f"cached_fragment: per must be day or minute, not {per!r}")
        else:
            vary.append(parser.compile_filter(bit))
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(nodelist, name, vary, per)
