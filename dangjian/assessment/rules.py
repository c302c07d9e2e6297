"""考责 rules. ASSESS-01: the yearly 述职评议 of the secretaries below an organiser — each has reported
and been graded 好/较好/一般/差 by the upper level. PG-02: a 党组 reports comprehensively once a year to
the organisation that approved it.

ASSESS-01 is judged for the organisers that hold 述职评议 on the platform, from the year of their first
述职评议会 (as EDU-01 judges study only where study is recorded): a platform that does not keep 述职评议 is
not warned for every secretary. Both rules judge the years that ended within the org-life window. DJX has
no appraisal records: both are judged in the live system only."""
from __future__ import annotations

import datetime as dt

from django.db.models import Min, Q

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import add_months
from dangjian.orglife.rules import _subject_person, window

CITE_ASSESS = ("《党委（党组）书记抓基层党建工作述职评议考核办法（试行）》：每年开展，逐级进行，书记现场述职，"
               "上级点评，与会人员民主评议测评；综合评价分“好、较好、一般、差”四个等次")
CITE_PG = "《中国共产党党组工作条例》：党组每年至少向批准其设立的党组织作1次全面报告"

engine.setting("assess_grace_months", 0, "述职评议可在年度结束后几个月内完成评定（ASSESS-01；0 为当年12月31日前）",
               rules=("ASSESS-01",))


def _judged_years(ctx, grace: int = 0) -> list[int]:
    """Years whose due day (31 December + `grace` months, to the month's end) lies in the judged window."""
    w = window(ctx)
    out = []
    for y in range(ctx.as_of.year - 12, ctx.as_of.year + 1):
        due = add_months(dt.date(y, 12, 1), grace + 1) - dt.timedelta(days=1)
        if w["cutoff"] < due <= ctx.as_of:
            out.append(y)
    return out


@rule("ASSESS-01", reads=("assessment.report", "assessment.reviewmeeting", "orgs.org", "orgs.post", "people.person"),
      title="书记抓基层党建工作每年述职评议，综合评价分好、较好、一般、差四个等次", citation=CITE_ASSESS,
      severity="WARN", subject="person", period="year", settings=("assess_grace_months", "orglife_window_months"),
      live_only=True)
def secretary_reports(ctx):
    """组织述职评议的上级党组织（自其第一次在平台召开述职评议会的年度起），其直属下级党组织在年末（参数可延后0–3个月）
    在任的书记，没有该年度经评定等次的述职报告：预警，对象为书记，期间为年度。没有述职和已述职未评定分别说明。"""
    from dangjian.orgs.models import Org, Post

    from .choices import ReportKind
    from .models import Report, ReviewMeeting

    grace = int(ctx.setting("assess_grace_months") or 0)
    years = _judged_years(ctx, grace)
    first = dict(ReviewMeeting.objects.values_list("organiser_id").annotate(y=Min("year")).order_by())
    if not years or not first:
        return
    organisers = {o.pk: o for o in Org.objects.filter(pk__in=list(first))}
    by_path = {o.path: o for o in organisers.values()}
    cond = Q()
    for o in organisers.values():
        cond |= Q(path__startswith=o.path, depth=o.depth + 1)
    children = Org.objects.filter(cond).exclude(type="group")
    if ctx.org_ids is not None:
        children = children.filter(pk__in=ctx.org_ids)
    children = list(children)
    if not children:
        return
    posts: dict[int, list] = {}
    for p in (Post.objects.filter(org__in=children, role__in=("secretary", "first_responsible"))
              .select_related("person").order_by("start")):
        posts.setdefault(p.org_id, []).append(p)
    reports = {(r.org_id, r.person_id, r.year): r for r in Report.objects.filter(
        kind=ReportKind.SECRETARY_DUTY, org__in=children, year__in=years)}
    for org in children:
        parent = by_path[org.path[:-Org.steplen]]         # its own organiser: the level directly above
        for y in years:
            if first[parent.pk] > y:
                continue
            year_end = dt.date(y, 12, 31)
            if (org.dissolved and org.dissolved <= year_end) or (org.founded and org.founded > year_end):
                continue
            for p in posts.get(org.pk, ()):
                if not p.is_current(year_end):
                    continue
                r = reports.get((org.pk, p.person_id, y))
                if r is not None and r.grade:
                    continue
                what = "述职报告已报送，上级尚未评定等次" if r else f"没有{y}年度抓基层党建工作述职报告"
                per = p.person
                yield Hit(_subject_person(per.pk, per.name, per.org_id, per.external_id),
                          f"{per.name}（{org.name}{p.get_role_display()}）：{what}（{parent.name}组织述职评议）",
                          period=str(y), org_id=org.pk)


@rule("PG-02", reads=("assessment.report", "orgs.org"), title="党组每年至少向批准其设立的党组织作1次全面报告",
      citation=CITE_PG, severity="WARN", subject="org", period="year", settings=("orglife_window_months",),
      live_only=True)
def leading_group_report(ctx):
    """党组（党委）在年度结束时没有该年度的全面工作报告：预警，对象为党组，期间为年度。年内成立或撤销的不判断。"""
    from dangjian.orgs.models import Org

    from .choices import ReportKind
    from .models import Report

    years = _judged_years(ctx)
    if not years:
        return
    groups = Org.objects.filter(type="leading_group")
    if ctx.org_ids is not None:
        groups = groups.filter(pk__in=ctx.org_ids)
    groups = list(groups)
    done = set(Report.objects.filter(kind=ReportKind.LEADING_GROUP_ANNUAL, org__in=groups, year__in=years)
               .values_list("org_id", "year"))
    for g in groups:
        for y in years:
            if (g.dissolved and g.dissolved <= dt.date(y, 12, 31)) or (g.founded and g.founded > dt.date(y, 1, 1)):
                continue
            if (g.pk, y) not in done:
                yield Hit(g, f"{g.name}没有{y}年度向批准其设立的党组织所作的全面工作报告", period=str(y), org_id=g.pk)
