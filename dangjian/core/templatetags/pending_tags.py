"""`{% pending_checks_banner org %}`: the 后台检查进行中 banner for an org's subtree (core.pending), on the pages that
show an org's findings (the findings card). Nothing — and no query — without an org. The queue read is the one
the view took before its findings (`pending.pending_checks_first`), else one taken here."""
from django import template

register = template.Library()


@register.inclusion_tag("core/_pending_checks.html", takes_context=True)
def pending_checks_banner(context, org=None):
    from dangjian.core.pending import NOTHING, pending_checks, poll_url

    request = context.get("request")
    if not org or not hasattr(org, "path") or request is None:
        return {"pending": NOTHING, "pending_org": None}
    pending = pending_checks(request.user, [org], peeked=getattr(request, "pending_peek", None))
    return {"pending": pending, "pending_org": org, "pending_poll": poll_url(org) if pending else ""}
