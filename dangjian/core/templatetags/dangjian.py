"""Template helpers for the Chinese UI: badges for severities and statuses, day counts."""
import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

SEVERITY_CLASS = {"BLOCK": "danger", "WARN": "warning", "INFO": "info"}
SEVERITY_LABEL = {"BLOCK": "阻断", "WARN": "警告", "INFO": "提示"}
STATUS_CLASS = {
    "full": "success", "probationary": "primary", "candidate": "info", "activist": "info",
    "applicant": "secondary", "suspended": "warning", "transferred_out": "light",
    "removed": "dark", "deceased": "dark",
}
STATE_CLASS = {"open": "danger", "resolved": "success", "waived": "secondary"}


@register.simple_tag
def severity_badge(severity):
    cls = SEVERITY_CLASS.get(severity, "secondary")
    text = "text-dark" if cls in ("warning", "info", "light") else ""
    return format_html('<span class="badge text-bg-{} {}">{}</span>', cls, text,
                       SEVERITY_LABEL.get(severity, severity))


@register.simple_tag
def status_badge(person):
    cls = STATUS_CLASS.get(person.status, "secondary")
    return format_html('<span class="badge text-bg-{}">{}</span>', cls, person.get_status_display())


@register.simple_tag
def finding_state_badge(finding):
    return format_html('<span class="badge text-bg-{}">{}</span>', STATE_CLASS.get(finding.state, "secondary"),
                       finding.get_state_display())


@register.filter
def days_until(day):
    """Whole days from today to `day` (negative when past)."""
    if not isinstance(day, dt.date):
        return ""
    return (day - timezone.localdate()).days


@register.filter
def absval(n):
    try:
        return abs(int(n))
    except (TypeError, ValueError):
        return n


@register.filter
def yesno_zh(value):
    return "是" if value else "否"
