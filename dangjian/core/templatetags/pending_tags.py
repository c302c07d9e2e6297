"""`{% pending_checks_banner org %}`: the 后台检查进行中 banner for an org's subtree (core.pending), on the pages that
show an org's findings (the findings card). Nothing — and no query — without an org."""
from django import template

register = template.Library()


@register.inclusion_tag("core/_pending_checks.html", takes_context=True)
def pending_checks_banner(context, org=None):
    from dangjian.core.pending import NOTHING, pending_checks

    request = context.get("request")
    if not org or not hasattr(org, "path") or request is None:
        return {"pending": NOTHING, "pending_org": None}
    return {"pending": pending_checks(request.user, [org]), "pending_org": org}
