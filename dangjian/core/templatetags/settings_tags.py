"""A finding shows the setting it was judged with: "判定参数：lecture_per=quarter（党课按季度）".

The values are the jurisdiction's current effective settings, read once per request (a list page
showing 25 findings asks the database once, not 25 times)."""
from __future__ import annotations

from django import template

from dangjian.core import engine
from dangjian.core.settings_forms import choice_label

register = template.Library()


def _effective(context) -> dict:
    request = context.get("request")
    cached = getattr(request, "_dangjian_effective_settings", None) if request is not None else None
    if cached is None:
        cached = engine.effective_settings()
        if request is not None:
            request._dangjian_effective_settings = cached
    return cached


def _fmt(key: str, value) -> str:
    if isinstance(value, (list, tuple)):
        shown = ",".join(str(v) for v in value)
    elif value is None:
        shown = "空"
    else:
        shown = str(value)
    label = choice_label(key, value)
    return f"{key}={shown}" + (f"（{label}）" if label else "")


def judged_with_text(rule, values: dict) -> str:
    if rule is None or not rule.settings:
        return ""
    return "判定参数：" + "，".join(_fmt(k, values.get(k)) for k in rule.settings if k in values)


@register.simple_tag(takes_context=True)
def judged_with(context, rule) -> str:
    """`{% judged_with finding.rule %}` (or `… as var`): empty for a rule without [P] settings."""
    return judged_with_text(rule, _effective(context))


@register.simple_tag(takes_context=True)
def rules_judged_with(context, rows) -> list:
    """For a page of table rows: [(rule, text)] of the distinct rules that declare settings."""
    values = _effective(context)
    seen, out = set(), []
    for row in rows:
        rule = getattr(getattr(row, "record", row), "rule", None)
        if rule is None or rule.id in seen or not rule.settings:
            continue
        seen.add(rule.id)
        out.append((rule, judged_with_text(rule, values)))
    return sorted(out, key=lambda p: engine._rule_sort_key(p[0].id))
