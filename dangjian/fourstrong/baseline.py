"""The 标准化规范化 baseline (rules.md SQ-02): a branch cannot be rated while the engine has open BLOCK or WARN findings
of the gated rule families (organisational life, elections and terms, recruitment — the `fourstrong_gated_rules`
setting) on the branch or its 党小组. A waived or resolved finding, an INFO and a finding of another family do not
stand in the way. Read again at every step: submission, review, naming and each re-check."""
from __future__ import annotations

import re

from django.db.models import Q

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState, Severity
from dangjian.orgs.models import Org

BLOCKING_SEVERITIES = (Severity.BLOCK, Severity.WARN)


# The tokens of `fourstrong_gated_rules`: a token ending in "-" is a family (编号前缀, "ORGLIFE-"); a bare family
# name ("BR") is read as that family ("BR-"); any other token is one rule ("REL-01", not REL-03).
SPLIT = re.compile(r"[\s,，、;；]+")


def _tokens(raw) -> list[str]:
    return [t.strip().upper() for t in SPLIT.split(str(raw or "")) if t.strip()]


def _parse(tokens) -> tuple[list[str], list[str]]:
    prefixes, exact = [], []
    for t in tokens:
        if t.endswith("-"):
            prefixes.append(t)
        elif "-" in t:
            exact.append(t)
        else:
            prefixes.append(t + "-")
    return prefixes, exact


def gated(settings: dict | None = None) -> tuple[list[str], list[str]]:
    """(prefixes, exact rule ids) the setting gates."""
    return _parse(_tokens((settings or engine.effective_settings()).get("fourstrong_gated_rules")))


def gated_prefixes(settings: dict | None = None) -> list[str]:
    """What the setting gates, as shown to people: the families ("ORGLIFE-") and single rules ("REL-01")."""
    prefixes, exact = gated(settings)
    return prefixes + exact


def is_gated(rule_id: str, settings: dict | None = None) -> bool:
    prefixes, exact = gated(settings)
    return rule_id in exact or any(rule_id.startswith(p) for p in prefixes)


def check_gated_rules(value) -> str:
    """The setting's value as stored, each token checked against the registered rules (规则参数页保存时调用);
    ActionError in Chinese naming the unknown ones."""
    from dangjian.core.errors import ActionError

    tokens = list(dict.fromkeys(_tokens(value)))
    if not tokens:
        raise ActionError("请至少填写一个规则族（如 ORGLIFE-）或规则编号（如 REL-01），用顿号分隔。", field="value")
    ids = [r.id for r in engine.registry]
    unknown = []
    for t in tokens:
        prefixes, exact = _parse([t])
        if exact and exact[0] not in ids or prefixes and not any(i.startswith(prefixes[0]) for i in ids):
            unknown.append(t)
    if unknown:
        raise ActionError(f"没有这些规则或规则族：{'、'.join(unknown)}。规则族写编号前缀并以“-”结尾（如 ORGLIFE-），"
                          "单条规则写完整编号（如 REL-01），多项用顿号分隔。", field="value")
    return "、".join(tokens)


def blocking_q(gates) -> Q:
    """`gates`: what `gated()` returns (or a list of prefixes)."""
    prefixes, exact = gates if isinstance(gates, tuple) else (list(gates), [])
    if not prefixes and not exact:
        return Q(pk__in=[])
    fam = Q(rule_id__in=exact) if exact else Q()
    for p in prefixes:
        fam |= Q(rule_id__startswith=p)
    return fam & Q(state=FindingState.OPEN, severity__in=list(BLOCKING_SEVERITIES))


def blocking_findings(org, settings: dict | None = None) -> list[Finding]:
    """The open BLOCK/WARN findings of the gated families on `org` and the orgs below it, most severe first."""
    return list(Finding.objects.filter(blocking_q(gated(settings)), org__path__startswith=org.path)
                .select_related("org", "person").order_by("severity", "rule_id", "pk"))


def blocked_org_ids(orgs, settings: dict | None = None) -> set[int]:
    """Which of `orgs` have a blocking finding on themselves or below: one query for them all (the findings' paths
    under the orgs' common ancestor), matched to the orgs by path prefix — for the index, register and queues."""
    orgs = list(orgs)
    if not orgs:
        return set()
    by_path = {o.path: o.pk for o in orgs}
    common = min(by_path, key=len)
    while common and not all(p.startswith(common) for p in by_path):
        common = common[:-Org.steplen]
    qs = Finding.objects.filter(blocking_q(gated(settings)))
    if common:
        qs = qs.filter(org__path__startswith=common)
    found = set()
    for path in qs.values_list("org__path", flat=True).distinct():
        for end in range(Org.steplen, len(path) + 1, Org.steplen):
            if (pk := by_path.get(path[:end])) is not None:
                found.add(pk)
    return found


def describe(findings) -> list[dict]:
    """What is kept with a re-check: rule, severity, message."""
    return [{"id": f.pk, "rule": f.rule_id, "severity": f.severity, "org": f.org.name, "message": f.message}
            for f in findings]


def rule_title(rule_id: str) -> str:
    r = engine.registry.get(rule_id)
    return r.title if r else ""
