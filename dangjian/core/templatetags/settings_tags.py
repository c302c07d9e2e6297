"""A finding shows the setting it was judged with: "判定参数：lecture_per=quarter（党课按季度）".

The values are those the engine stored on the finding when it last judged it
(`Finding.settings_used`). A finding stored before the engine kept them, and a rule shown without a
finding (the plan page), shows the jurisdiction's current effective settings, read at most once per
request (a list page showing 25 findings asks the database once, not 25 times)."""
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


def finding_judged_with(context, finding) -> str:
    """The values stored on the finding; a key it lacks (an older finding) reads the current value."""
    rule = finding.rule
    if rule is None or not rule.settings:
        return ""
    stored = finding.settings_used or {}
    if all(k in stored for k in rule.settings):
        return judged_with_text(rule, stored)
    return judged_with_text(rule, {**_effective(context), **stored})


@register.simple_tag(takes_context=True)
def judged_with(context, subject) -> str:
    """`{% judged_with finding %}` (or `… as var`): the values the finding was judged with;
    `{% judged_with rule %}`: the current values. Empty for a rule without [P] settings."""
    if subject is None:
        return ""
    if hasattr(subject, "settings_used"):
        return finding_judged_with(context, subject)
    return judged_with_text(subject, _effective(context))


@register.simple_tag(takes_context=True)
def rules_judged_with(context, rows) -> list:
    """For a page of table rows (findings): [(rule, text, count)] of each distinct rule and the
    values its findings on the page were judged with, for rules that declare settings."""
    counts: dict[tuple, int] = {}
    rules = {}
    for row in rows:
        finding = getattr(row, "record", row)
        rule = getattr(finding, "rule", None)
        if rule is None or not rule.settings:
            continue
        text = finding_judged_with(context, finding)
        rules[rule.id] = rule
        counts[(rule.id, text)] = counts.get((rule.id, text), 0) + 1
    out = [(rules[rid], text, n) for (rid, text), n in counts.items()]
    return sorted(out, key=lambda p: (engine._rule_sort_key(p[0].id), p[1]))
