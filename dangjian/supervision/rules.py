"""督责 rules (the platform's own SUP-, djx.md): every finding is about a problem (subject rectification).
A problem open past its deadline, closed after it, closed without evidence or without the issuing level's
approval, and the same kind of problem found again in the same org within a year."""
from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import add_years
from dangjian.orglife.rules import _scoped

from .choices import Category, State

READS = ("supervision.rectification",)
CITE = "《中国共产党党内监督条例》；督查发现的问题“限时整改、逐项销号”（本平台规则）"

engine.setting("sup_escalate_days", 30, "整改逾期多少天后升为阻断级、报上一级（SUP-01）", rules=("SUP-01",))
engine.setting("sup_same_text_ratio", 85, "问题表述的相似度（0–100）达到多少视为同一问题（SUP-04，未分类的问题）",
               rules=("SUP-04",))


def similarity(a: str, b: str) -> float:
    """How much two problem statements say the same (0–100): the share of the shorter one's character
    pairs found in the other (Chinese has no spaces; the order of the clauses does not matter)."""
    def pairs(text: str) -> set[str]:
        t = re.sub(r"[\W_]+", "", text or "")
        return {t[i:i + 2] for i in range(len(t) - 1)}
    pa, pb = pairs(a), pairs(b)
    if not pa or not pb:
        return 0.0
    return 100 * len(pa & pb) / min(len(pa), len(pb))


def _rows(ctx, **filters):
    from .models import Rectification

    return _scoped(ctx, Rectification.objects.filter(**filters)).order_by("pk")


def _ymd(d: dt.date) -> str:
    return f"{d:%Y-%m-%d}"


def _hit(r, message: str, severity: str | None = None) -> Hit:
    return Hit(r, f"{r.org.name}：“{str(r)}”{message}", severity=severity, org_id=r.org_id)


@rule("SUP-01", reads=READS + ("orgs.org",), title="督查发现的问题应在整改时限内整改销号", citation=CITE, severity="WARN",
      subject="rectification", settings=("sup_escalate_days",))
def overdue(ctx):
    """尚未销号（整改中或申请销号待审核）、整改时限已过（时限当天仍在期内）：预警；逾期超过 N 天（参数，默认30）：阻断，
    报上一级督办。"""
    days = int(ctx.setting("sup_escalate_days") or 30)
    from django.db.models import Q

    # Open as of the date: not closed, or closed only after it (a file judged at an earlier date).
    for r in _rows(ctx, deadline__lt=ctx.as_of, found__lte=ctx.as_of).filter(
            Q(closed__isnull=True) | Q(closed__gt=ctx.as_of)).select_related("org"):
        late = (ctx.as_of - r.deadline).days
        if late > days:
            yield _hit(r, f"整改时限{_ymd(r.deadline)}，已逾期{late}天：报上一级党组织督办", "BLOCK")
        else:
            yield _hit(r, f"整改时限{_ymd(r.deadline)}，已逾期{late}天仍未销号")


@rule("SUP-02", reads=READS + ("orgs.org",), title="问题应按时整改（逾期完成）", citation=CITE, severity="WARN",
      subject="rectification")
def closed_late(ctx):
    """销号日期晚于整改时限（时限当天销号不算逾期）：预警。"""
    for r in _rows(ctx, closed__isnull=False, deadline__isnull=False).select_related("org"):
        if r.closed > r.deadline and r.closed <= ctx.as_of:
            yield _hit(r, f"整改时限{_ymd(r.deadline)}，{_ymd(r.closed)}才销号，逾期{(r.closed - r.deadline).days}天")


@rule("SUP-03", reads=READS + ("orgs.org",), title="销号须有整改成效并经上级审核", citation=CITE, severity="WARN",
      subject="rectification")
def closed_without_evidence(ctx):
    """已销号，但没有整改成效，或没有经审核销号的党组织同意：预警（导入的已销号事项视为已审核，只判断整改成效）。"""
    for r in _rows(ctx, closed__isnull=False, closed__lte=ctx.as_of).select_related("org"):
        problems = []
        if not r.evidence.strip():
            problems.append("没有整改成效")
        if not r.approved:
            problems.append("没有经上级审核")
        if problems:
            yield _hit(r, "销号" + "、".join(problems))


@rule("SUP-04", reads=READS + ("orgs.org",), title="同一党组织一年内再次发现同类问题", citation=CITE, severity="WARN",
      subject="rectification", settings=("sup_same_text_ratio",))
def found_again(ctx):
    """同一党组织，前一个问题发现后一年内（一年后的同一日仍在内）又发现同一类别的问题（未分类的，问题表述相似度达到参数，
    默认85：较短一条的相邻两字在另一条中出现的比例）：预警，对象为后发现的问题。"""
    ratio = int(ctx.setting("sup_same_text_ratio") or 85)
    by_org: dict[int, list] = {}
    for r in _rows(ctx, found__lte=ctx.as_of).select_related("org").order_by("org_id", "found", "pk"):
        by_org.setdefault(r.org_id, []).append(r)
    for rows in by_org.values():
        for i, later in enumerate(rows):
            for earlier in rows[:i]:
                if later.found > add_years(earlier.found, 1) or later.pk == earlier.pk:
                    continue
                # (“其他” says nothing about what the problem was: compare the texts, as for unclassified ones)
                classified = later.category and earlier.category and Category.OTHER not in (later.category,
                                                                                               earlier.category)
                same = (classified and later.category == earlier.category) or (
                    not classified and similarity(later.problem, earlier.problem) >= ratio)
                if same:
                    yield _hit(later, f"与{_ymd(earlier.found)}发现的“{str(earlier)}”属同类问题，一年内再次出现：整改不彻底")
                    break


engine.setting("sup_reply_days", 30, "收到的意见建议应在多少天内回应（SUP-05，事事有回应）", rules=("SUP-05",))


@rule("SUP-05", reads=("supervision.suggestion", "orgs.org"), title="意见建议应在规定天数内回应（事事有回应）",
      citation="党员和群众的意见建议“事事有回应、件件有落实”（本平台规则）", severity="WARN", subject="org",
      settings=("sup_reply_days",), live_only=True)
def suggestions_unanswered(ctx):
    """收到的意见建议，收到后 N 天（参数，默认30；第 N 天仍在期内）仍未回应（回复或列入问题清单）：预警，对象为应回应的
    党组织，一个组织一条，列出全部逾期未回应的意见建议；回应后自动消除。DJX 没有意见建议，只在平台内判断。"""
    from .models import Suggestion

    days = int(ctx.setting("sup_reply_days") or 30)
    late: dict[int, list] = {}
    for s in _scoped(ctx, Suggestion.objects.filter(received__lt=ctx.as_of - dt.timedelta(days=days)).filter(
            Q(replied__isnull=True) | Q(replied__gt=ctx.as_of))).select_related("org").order_by("received", "pk"):
        late.setdefault(s.org_id, []).append(s)
    for org_id, rows in late.items():
        org = rows[0].org
        text = "；".join(f"{_ymd(s.received)}收到的“{s}”已{(ctx.as_of - s.received).days}天未回应" for s in rows)
        yield Hit(org, f"{org.name}：{text}", org_id=org_id)
