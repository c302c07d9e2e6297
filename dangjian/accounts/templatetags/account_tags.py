from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def may_manage_accounts(context) -> bool:
    """For the "账户" menu entry. Uses the request's cached scope (no query on pages that already
    called `restrict()`)."""
    from dangjian.accounts.actions import may_manage_accounts as may

    user = context.get("user")
    return bool(user is not None and getattr(user, "is_authenticated", False) and may(user))
