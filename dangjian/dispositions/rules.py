"""不合格党员组织处置 rules (rules.md §10 DISP-01…04).

Every rule reads the dispositions (or the 不合格 grades) of the scope in one query — never one per
person — and names the person as the subject. An incremental run (`ctx.org_ids`) reads only the
people whose own branch is in scope.

DISP-03 is the one rule that concludes something from the *absence* of a disposition. A DJX file
cannot express dispositions (djx.md has no such section), so DISP-03 is `live_only`: `dangjian
check FILE` skips it instead of claiming that no disposition was opened. REL-01's six-month
absences are not warned about a second time here (减负): the suggested measure (DISP-03: 除名 or
限期改正) is shown where the disposition is opened (see `choices.TRIGGERS`).
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import add_months
from dangjian.orglife.choices import Grade
from dangjian.orglife.models import AppraisalGrade
from dangjian.orglife.rules import _scoped, _subject_person
from dangjian.orgs.rules import Collector
from dangjian.people.choices import MEMBER_STATUSES

from .choices import Ground, Measure, Outcome, State
from .models import Disposition

# What the rules read (`Rule.reads`); DISP-03 also the 民主评议 grades (and their meeting's date).
READS = ("orgs.org", "orgs.post", "people.person", Disposition)

CZBF = "《中国共产党不合格党员组织处置办法》"
DISP01 = f"{CZBF}第三、四条：组织处置方式分为限期改正、劝其退党、除名；受到党纪处分的，不因同一问题再作组织处置"
DISP02 = f"{CZBF}：限期改正时间一般为6个月，最长不超过1年；受到劝其退党或除名处置的，5年内不得重新入党"
DISP03 = (f"{CZBF}第六条起：理想信念不坚定、组织观念不强、不按规定参加组织生活、不按时足额交纳党费等情形，"
          f"予以限期改正；限期改正期满仍无转变的，劝其退党；无正当理由连续6个月不参加组织生活、劝而不退等，予以除名")
DISP04 = (f"{CZBF}：支委会（不设支委会的由党员大会）研究提出启动意见，报基层党委事前备案，调查核实，支部大会讨论表决，"
          f"报基层党委审批；支部大会表决参照发展党员支部大会的到会和赞成人数要求")

CORRECTION_MONTHS_KEY = "disposition_correction_months"
CORRECTION_MAX_MONTHS = 12
REENTRY_YEARS = 5

engine.setting(CORRECTION_MONTHS_KEY, 6, "限期改正的期限（月）：一般6个月，最长不超过12个月（DISP-02）",
               rules=("DISP-02",))
engine.setting("disposition_open_within_days", 90,
               "民主评议被评为不合格后，应在多少天内启动组织处置（自评议会议日期起算，无会议的自当年12月31日起算）",
               rules=("DISP-03",))

# Decided by the branch (the vote passed, or later).
DECIDED = (State.VOTED, State.EFFECTIVE, State.CLOSED)
PERSON_FIELDS = ("person_id", "person__name", "person__org_id", "person__external_id")


def _dispositions(ctx):
    def compute():
        qs = _scoped(ctx, Disposition.objects.exclude(state=State.CANCELLED), "person__org_id")
        return list(qs.order_by("opened", "id").values(
            *PERSON_FIELDS, "id", "measure", "state", "outcome", "opened", "sanctioned_for_same_issue",
            "committee_date", "filed_date", "investigated_date", "vote_date", "vote_eligible", "vote_present",
            "vote_yes", "approved_date", "correction_start", "correction_deadline"))

    return ctx.memo("dispositions.rows", compute)


def _person(r: dict):
    return _subject_person(r["person_id"], r["person__name"], r["person__org_id"], r["person__external_id"])


def _what(r: dict) -> str:
    return f"{r['opened']:%Y-%m-%d}启动的{Measure(r['measure']).label}"


@rule("DISP-01", reads=READS, title="受到党纪处分的，不因同一问题再作组织处置", citation=DISP01, severity="BLOCK",
      subject="person")
def double_jeopardy(ctx):
    """登记为“已因同一问题受到党纪处分”的组织处置（办理时即拒绝，导入或历史数据可能有）：阻断，对象为该党员。"""
    out = Collector()
    for r in _dispositions(ctx):
        if r["sanctioned_for_same_issue"]:
            out.add(_person(r), f"{r['person__name']}{_what(r)}所涉问题已受到党纪处分：不应因同一问题再作组织处置",
                    "BLOCK")
    return out.hits()


@rule("DISP-02", reads=READS, title="限期改正一般6个月，最长不超过1年；期满应登记改正结果", citation=DISP02, severity="WARN",
      subject="person", settings=(CORRECTION_MONTHS_KEY,))
def correction_period(ctx):
    """已生效的限期改正，判断日已过改正期限（期限当日不算逾期）仍未登记结果：预警，期满仍无转变的可劝其退党；
    改正期限超过起始日期后12个月（同日为界，导入数据可能有）：阻断。"""
    out = Collector()
    for r in _dispositions(ctx):
        deadline = r["correction_deadline"]
        if r["measure"] != Measure.CORRECTION or deadline is None:
            continue
        start = r["correction_start"] or r["approved_date"] or r["opened"]
        latest = add_months(start, CORRECTION_MAX_MONTHS)
        if deadline > latest:
            out.add(_person(r), f"{r['person__name']}的限期改正期限为{start:%Y-%m-%d}至{deadline:%Y-%m-%d}，超过1年"
                                f"（最迟{latest:%Y-%m-%d}）：限期改正最长不超过1年", "BLOCK")
        if r["state"] == State.EFFECTIVE and not r["outcome"] and deadline < ctx.as_of:
            days = (ctx.as_of - deadline).days
            out.add(_person(r), f"{r['person__name']}的限期改正已于{deadline:%Y-%m-%d}期满（已过{days}天），尚未登记改正结果："
                                f"改正的予以结束；期满仍无转变的，可按程序劝其退党", "WARN")
    return out.hits()


@rule("DISP-03", reads=READS + ("orglife.appraisal", AppraisalGrade, "orglife.meeting"),
      title="民主评议被评为不合格的党员，应按规定作组织处置", citation=DISP03, severity="WARN",
      subject="person", period="year", settings=("disposition_open_within_days", "orglife_window_months"),
      live_only=True)
def unqualified_without_disposition(ctx):
    """民主评议被评为不合格、现仍为党员的，自评议之日（评议会议日期；无会议的为当年12月31日）起超过 N 天
    （参数，默认90天；第90天当日不预警）仍没有启动组织处置（该等次关联的处置，或评议当年及以后启动的任何处置，
    含已撤销的）：预警，对象为该党员，建议限期改正。评议日在回溯窗口之前的不判断。
    DJX 文件不能表达组织处置，`dangjian check` 不执行本规则。"""
    within = int(ctx.setting("disposition_open_within_days"))
    lower = add_months(ctx.as_of, -int(ctx.setting("orglife_window_months")))
    has = Disposition.objects.filter(person_id=OuterRef("person_id")).filter(
        Q(appraisal_grade_id=OuterRef("pk")) | Q(opened__year__gte=OuterRef("appraisal__year")))
    qs = _scoped(ctx, AppraisalGrade.objects.filter(grade=Grade.UNQUALIFIED, person__status__in=MEMBER_STATUSES,
                                                    appraisal__year__gte=lower.year,
                                                    appraisal__year__lte=ctx.as_of.year), "person__org_id")
    rows = (qs.annotate(handled=Exists(has)).filter(handled=False).order_by()
            .values(*PERSON_FIELDS, "appraisal__year", "appraisal__meeting__date"))
    for r in rows:
        year = r["appraisal__year"]
        day = r["appraisal__meeting__date"] or dt.date(year, 12, 31)
        if day < lower or (ctx.as_of - day).days <= within:
            continue
        yield Hit(_person(r), f"{r['person__name']}在{year}年民主评议中被评为不合格（{day:%Y-%m-%d}），{within}天内未启动组织处置："
                              f"不合格党员应立足教育转化、按规定作组织处置，一般予以限期改正"
                              f"（处置情形：{Ground.APPRAISAL_UNQUALIFIED.label}）", period=str(year))


@rule("DISP-04", reads=READS, title="组织处置应按程序办理：支委会提出启动意见、报基层党委备案、调查核实、支部大会表决、基层党委审批",
      citation=DISP04, severity="WARN", subject="person")
def procedure_defects(ctx):
    """已作出决定（支部大会表决通过、已生效或已结束）的组织处置：缺少支委会研究提出启动意见日期、事前备案日期、
    调查核实日期或支部大会表决日期，已生效却没有基层党委批准日期，或各步骤日期先后颠倒：预警；
    表决到会有表决权党员未超过应到的半数（2×实到 ≤ 应到），或赞成票未超过应到的半数（2×赞成 ≤ 应到）却作出处置：阻断。
    办理时这些都被拒绝，导入或历史数据可能有。"""
    out = Collector()
    steps = (("committee_date", "支委会研究提出启动意见"), ("filed_date", "报基层党委事前备案"),
             ("investigated_date", "调查核实"), ("vote_date", "支部大会讨论表决"))
    for r in _dispositions(ctx):
        if r["state"] not in DECIDED or r["outcome"] in (Outcome.VOTE_FAILED, Outcome.NOT_APPROVED):
            continue
        subject, what = _person(r), f"{r['person__name']}{_what(r)}"
        missing = [label for field, label in steps if r[field] is None]
        if r["state"] in (State.EFFECTIVE, State.CLOSED) and r["approved_date"] is None:
            missing.append("报基层党委审批")
        if missing:
            out.add(subject, f"{what}缺少程序：{'、'.join(missing)}", "WARN")
        dated = [(label, r[field]) for field, label in steps + (("approved_date", "基层党委审批"),)
                 if r[field] is not None]
        for (a, da), (b, db) in zip(dated, dated[1:]):
            if db < da:
                out.add(subject, f"{what}的“{b}”（{db:%Y-%m-%d}）早于“{a}”（{da:%Y-%m-%d}）：程序不能颠倒", "WARN")
        eligible, present, yes = r["vote_eligible"], r["vote_present"], r["vote_yes"]
        if r["vote_date"] is not None and eligible:
            if present is not None and 2 * present <= eligible:
                out.add(subject, f"{what}：支部大会到会有表决权党员{present}人，未超过应到{eligible}人的半数，表决无效",
                        "BLOCK")
            elif yes is not None and 2 * yes <= eligible:
                out.add(subject, f"{what}：支部大会赞成{yes}票，未超过应到会有表决权党员{eligible}人的半数，却作出了处置决定",
                        "BLOCK")
    return out.hits()
