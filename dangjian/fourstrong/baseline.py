"""The 标准化规范化 baseline (rules.md SQ-02): a branch cannot be rated while the engine has open BLOCK or WARN findings
of the gated rule families (organisational life, elections and terms, recruitment — the `fourstrong_gated_rules`
setting) on the branch or its 党小组. A waived or resolved finding, an INFO and a finding of another family do not
stand in the way. Read again at every step: submission, review, naming and each re-check."""
from __future__ import annotations

import re

from django.db.models import Q

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState, Severity

BLOCKING_SEVERITIES = (Severity.BLOCK, Severity.WARN)


def gated_prefixes(settings: dict | None = None) -> list[str]:
    raw = (settings or engine.effective_settings()).get("fourstrong_gated_rules") or ""
    out = []
    for p in re.split(r"[\s,，、;；]+", str(raw)):
        p = p.strip().upper()
        if p:
            out.append(p if p.endswith("-") else p + "-")
    return out


def blocking_q(prefixes: list[str]) -> Q:
    if not prefixes:
        return Q(pk__in=[])
    fam = Q()
    for p in prefixes:
        fam |= Q(rule_id__startswith=p)
    return fam & Q(state=FindingState.OPEN, severity__in=list(BLOCKING_SEVERITIES))


def blocking_findings(org, settings: dict | None = None) -> list[Finding]:
    """The open BLOCK/WARN findings of the gated families on `org` and the orgs below it, most severe first."""
    prefixes = gated_prefixes(settings)
    return list(Finding.objects.filter(blocking_q(prefixes), org__path__startswith=org.path)
                .select_related("org", "person").order_by("severity", "rule_id", "pk"))


def blocked_org_ids(orgs, settings: dict | None = None) -> set[int]:
    """Which of `orgs` have a blocking finding (one query for them all, for the register and review queues)."""
    orgs = list(orgs)
    if not orgs:
        return set()
    prefixes = gated_prefixes(settings)
    q = Q()
    for o in orgs:
        q |= Q(org__path__startswith=o.path)
    paths = set(Finding.objects.filter(blocking_q(prefixes)).filter(q).values_list("org__path", flat=True).distinct())
    return {o.pk for o in orgs if any(p.startswith(o.path) for p in paths)}


def describe(findings) -> list[dict]:
    """What is kept with a re-check: rule, severity, message."""
    return [{"id": f.pk, "rule": f.rule_id, "severity": f.severity, "org": f.org.name, "message": f.message}
            for f in findings]


def rule_title(rule_id: str) -> str:
    r = engine.registry.get(rule_id)
    return r.title if r else ""
