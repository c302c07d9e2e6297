from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_bell(context) -> str:
    """The navbar bell. The unread count arrives by htmx once the page has loaded, so rendering a
    page costs no query for it (list pages keep their query budgets); without JS the bell is a link."""
    active = " active" if context.get("nav_active") == "notify" else ""
    return format_html(
        '<a class="nav-link{}" href="{}" title="我的提醒"><i class="bi bi-bell" aria-hidden="true"></i>'
        '<span class="d-lg-none"> 我的提醒</span>'
        ' <span hx-get="{}" hx-trigger="load" hx-swap="outerHTML"></span></a>',
        active, reverse("notify:list"), reverse("notify:badge"))
