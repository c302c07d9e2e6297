"""Data-quality rules about people (DATA-01…04): missing or contradictory records that the actions
refuse but imports and old registers may carry. Each is one filtered query over `ctx.people()`."""
from __future__ import annotations

from django.db.models import F

from dangjian.core.engine import Hit, rule
from dangjian.orgs.choices import OrgType

from .choices import MEMBER_STATUSES, Status
from .models import Person

# The records these rules read: organisations, posts, units and people. Recording a meeting or a talk
# cannot change their findings, so the incremental run after it skips them (`engine.affected_rules`).
READS = ("orgs.org", "orgs.post", "orgs.unit", "people.person")

DATA_CITATION = "平台数据质量规则（非条例条款）"
# What a rule needs of a person; `external_id` lets `dangjian check` name the subject by its DJX id.
FIELDS = ("id", "name", "org_id", "status", "external_id", "probationary_date", "full_member_date")
# A member belongs to a 党支部 (or directly to a 机关党委/党总支), never to these.
NOT_A_HOME = (OrgType.WORK_COMMITTEE, OrgType.LEADING_GROUP, OrgType.GROUP)


@rule("DATA-01", reads=READS, title="正式党员缺少转正日期", citation=f"{DATA_CITATION}；党龄从转正之日算起",
      severity="WARN", subject="person")
def full_member_without_date(ctx):
    """党籍状态为正式党员但没有转正日期（党龄、BR-11 等无法计算）。"""
    for p in ctx.people().filter(status=Status.FULL, full_member_date__isnull=True).order_by().only(*FIELDS):
        yield Hit(p, f"{p.name}是正式党员，但缺少转正日期：请补录转正日期")


@rule("DATA-02", reads=READS, title="预备党员缺少入党日期", citation=DATA_CITATION, severity="WARN", subject="person")
def probationary_without_date(ctx):
    """党籍状态为预备党员但没有入党日期（支部大会通过之日），无法计算预备期。"""
    for p in ctx.people().filter(status=Status.PROBATIONARY, probationary_date__isnull=True).order_by().only(*FIELDS):
        yield Hit(p, f"{p.name}是预备党员，但缺少入党日期：请补录支部大会通过其为预备党员的日期")


def _root_org_id():
    from dangjian.orgs.models import Org

    return Org.objects.filter(depth=1, dissolved__isnull=True).order_by("path").values_list("pk", flat=True).first()


@rule("DATA-03", reads=READS, title="党员不在任何党支部", citation=DATA_CITATION, severity="WARN", subject="person")
def member_without_branch(ctx):
    """预备党员、正式党员没有所在党组织，或所在组织是机关工委、党组或党小组（党小组成员的所在党组织应是其党支部）。
    没有所在党组织的人员，预警挂在最上级组织（机关工委）下。"""
    members = ctx.people().filter(status__in=MEMBER_STATUSES)
    for p in (members.filter(org__type__in=NOT_A_HOME).select_related("org").order_by()
            .only(*FIELDS, "org__type", "org__name")):
        yield Hit(p, f"{p.name}的所在党组织是{p.org.get_type_display()}“{p.org.name}”，不是党支部："
                     f"请将其组织关系转入党支部（或机关党委、党总支直属）")
    root = _root_org_id()
    if root is not None and ctx.in_scope(root):
        for p in Person.objects.filter(status__in=MEMBER_STATUSES, org__isnull=True).order_by().only(*FIELDS):
            yield Hit(p, f"{p.name}是{Status(p.status).label}，但没有所在党组织：请接转其组织关系", org_id=root)


@rule("DATA-04", reads=READS, title="转正日期早于入党日期", citation=DATA_CITATION, severity="WARN", subject="person")
def full_before_probationary(ctx):
    """转正日期早于入党日期（录入时会被拒绝，导入的历史数据可能带有）。"""
    qs = ctx.people().filter(full_member_date__lt=F("probationary_date")).order_by().only(*FIELDS)
    for p in qs:
        yield Hit(p, f"{p.name}的转正日期（{p.full_member_date:%Y-%m-%d}）早于入党日期"
                     f"（{p.probationary_date:%Y-%m-%d}）：请核对档案更正日期")
