"""发展党员 rules (rules.md §3b, DEV-01…26): each judges the recruitment files (`RecruitmentFile`) by
their dated steps, and its subject is the person being recruited.

A step that the live workflow refuses (`actions.py`, the same checks) can still arrive in imported or
legacy data: those are the BLOCK findings. Deadlines are judged at the as-of date. Months and years are
calendar months (`periods.add_months`: the same day, clamped to the month's end, so a year from
2024-02-29 is 2025-02-28); "within a month" includes the day a month later.

All files of the scope, their events and the people they name are read once per run (`cases`)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import add_months, add_years
from dangjian.orglife.rules import _scoped, _subject_person
from dangjian.orgs.choices import OrgType
from dangjian.orgs.models import Org
from dangjian.people.choices import Status
from dangjian.people.models import Person

from .choices import PUBLICITY_BEFORE, ArchiveDoc, Conclusion, PublicityFor, Step
from .models import RecruitmentEvent, RecruitmentFile

XZ = "《中国共产党发展党员工作细则》"
DZ = "《中国共产党章程》"
READS = ("orgs.org", "people.person", RecruitmentFile, RecruitmentEvent, RecruitmentEvent.persons.through)

engine.setting("dev_first_talk_remind_days", 25,
               "收到入党申请书后第几天起尚未谈话时提示（须在一个月内谈话）", rules=("DEV-03",))
engine.setting("dev_political_review_valid_months", 12,
               "政审结论的有效月数：支部大会讨论时政审结论已超过此月数的预警（地方做法）", rules=("DEV-10",))
engine.setting("dev_oath_within_days", 90, "批准为预备党员后多少天内应组织入党宣誓", rules=("DEV-21",))
engine.setting("dev_confirm_discussion_days", 30, "预备期满后多少天内支部大会应讨论其转正", rules=("DEV-22",))
engine.setting("publicity_working_days", 5,
               "发展党员公示的最少工作日数（确定积极分子、发展对象、接收预备党员、转正前；地方做法）；0 表示不要求公示",
               rules=("DEV-27",))

# Steps that mean the candidate has reached 接收预备党员 (stage 4) or later.
ADMISSION_STEPS = (Step.COMMITTEE_REVIEW, Step.PRE_REVIEW, Step.VOLUNTEER_FORM, Step.BRANCH_VOTE, Step.UPPER_TALK,
                   Step.APPROVAL)
# DEV-19: 党总支、村（社区）党委不能审批预备党员; nor can a branch or a group.
NOT_APPROVERS = (OrgType.GENERAL_BRANCH, OrgType.BRANCH, OrgType.GROUP)
# DEV-02: an application is received by the party organisation of the applicant's unit.
RECEIVING_TYPES = (OrgType.BRANCH, OrgType.GENERAL_BRANCH, OrgType.COMMITTEE)


@dataclass
class Ev:
    step: str
    date: dt.date
    conclusion: str = ""
    days: float | None = None
    hours: float | None = None
    eligible: int | None = None
    present: int | None = None
    yes: int | None = None
    written_yes: int | None = None
    candidates_in_vote: int | None = None
    approver_id: int | None = None
    months: int | None = None
    docs: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    reason: str = ""
    publicity_for: str = ""
    end_date: dt.date | None = None


@dataclass
class Case:
    """One recruitment file as the rules see it."""

    file_id: int
    org_id: int
    person_id: int
    events: dict[str, list[Ev]] = field(default_factory=lambda: defaultdict(list))
    closed: dt.date | None = None     # ended (confirmed, 停止培养, 取消预备党员资格): nothing is pending any more
    planned_leave: dt.date | None = None  # 预计离开工作、学习单位 (DEV-13)

    @property
    def pending(self) -> bool:
        """Whether steps are still expected (deadline rules judge only then)."""
        return self.closed is None

    def first(self, step) -> Ev | None:
        evs = self.events.get(step)
        return evs[0] if evs else None

    def last(self, step) -> Ev | None:
        evs = self.events.get(step)
        return evs[-1] if evs else None

    def has(self, *steps) -> bool:
        return any(self.events.get(s) for s in steps)

    def earliest(self, *steps) -> Ev | None:
        evs = [e for s in steps for e in self.events.get(s, ())]
        return min(evs, key=lambda e: e.date) if evs else None


@dataclass
class Facts:
    cases: list[Case]
    people: dict[int, dict]
    orgs: dict[int, dict]


EV_FIELDS = ("id", "file_id", "step", "date", "conclusion", "days", "hours", "eligible", "present", "yes",
             "written_yes", "candidates_in_vote", "approver_id", "months", "docs", "reason", "publicity_for", "end_date")


def facts(ctx) -> Facts:
    return ctx.memo("recruitment.facts", lambda: load_facts(_scoped(ctx, RecruitmentFile.objects.all()),
                                                          whole_table=ctx.org_ids is None))


def load_facts(files_qs, *, whole_table: bool = False, extra_events=(), exclude=()) -> Facts:
    """The files of `files_qs` with their (not voided) events, the people they name and the orgs they
    point at. `whole_table`: read every event (a full run) rather than by file key. `extra_events`:
    (file id, Ev) pairs added as if recorded (the workflow's "what if this step were saved");
    `exclude`: event ids left out (the record a correction replaces)."""
    files = list(files_qs.order_by().values_list("id", "org_id", "person_id", "closed", "planned_leave"))
    cases = {fid: Case(fid, org_id, pid, closed=closed, planned_leave=leave)
             for fid, org_id, pid, closed, leave in files}
    if not cases:
        return Facts([], {}, {})
    events_qs = RecruitmentEvent.objects.filter(voided_at__isnull=True).exclude(pk__in=list(exclude))
    events_qs = events_qs if whole_table else events_qs.filter(file_id__in=list(cases))
    rows = list(events_qs.order_by("date", "id").values(*EV_FIELDS))
    persons = defaultdict(list)
    through = RecruitmentEvent.persons.through.objects
    through = through if whole_table else through.filter(recruitmentevent_id__in=[r["id"] for r in rows])
    for eid, pid in through.order_by("id").values_list("recruitmentevent_id", "person_id"):
        persons[eid].append(pid)
    for r in rows:
        case = cases.get(r.pop("file_id"))
        if case is None:
            continue
        eid = r.pop("id")
        r["days"] = None if r["days"] is None else float(r["days"])
        r["hours"] = None if r["hours"] is None else float(r["hours"])
        case.events[r["step"]].append(Ev(**r, persons=persons.get(eid, [])))
    for fid, ev in extra_events:
        if fid in cases:
            evs = cases[fid].events[ev.step]
            evs.append(ev)
            evs.sort(key=lambda e: e.date)
    wanted = {c.person_id for c in cases.values()} | {p for ps in persons.values() for p in ps} | {
        p for _, ev in extra_events for p in ev.persons}
    people = {}
    for chunk in _chunked(wanted):
        for p in Person.objects.filter(pk__in=chunk).values(
                "id", "name", "org_id", "external_id", "birth_date", "status", "full_member_date",
                "probationary_date", "on_probation_sanction"):
            people[p["id"]] = p
    org_ids = {c.org_id for c in cases.values()} | {p["org_id"] for p in people.values() if p["org_id"]} | {
        e.approver_id for c in cases.values()
                                                     for s in (Step.APPROVAL, Step.CONFIRM_APPROVAL)
                                                     for e in c.events.get(s, ()) if e.approver_id}
    orgs = {o["id"]: o for o in Org.objects.filter(pk__in=list(org_ids)).values(
        "id", "name", "type", "village_or_community", "path")}
    return Facts(list(cases.values()), people, orgs)


def _chunked(ids, size=30_000):
    ids = sorted(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _hit(f: Facts, case: Case, message: str, severity: str | None = None) -> Hit | None:
    p = f.people.get(case.person_id)
    if p is None:
        return None
    return Hit(_subject_person(p["id"], p["name"], p["org_id"], p["external_id"]), f"{p['name']}：{message}",
               severity=severity, org_id=case.org_id)


SEVERITIES = ("BLOCK", "WARN", "INFO")


def _judge(ctx, check):
    """Yield the hit `check(case, facts)` returns for each file: a message, or (message, severity), or
    a list of them — one finding per person and rule, so several problems become one message, at the
    gravest severity among them (None: the rule's own)."""
    f = facts(ctx)
    for case in f.cases:
        out = check(case, f)
        if not out:
            continue
        items = [item if isinstance(item, tuple) else (item, None) for item in (out if isinstance(out, list) else [out])]
        severities = {sev for _, sev in items}
        if severities == {None}:
            severity = None
        else:     # (None stands for the rule's own severity)
            own = _own_severity(check)
            severity = min((own if sev is None else sev for sev in severities), key=SEVERITIES.index)
            severity = None if severity == own else severity
        h = _hit(f, case, "；".join(m for m, _ in items), severity)
        if h is not None:
            h.parts = items      # each problem with its own severity (the workflow refuses by BLOCK part)
            yield h


def _own_severity(check) -> str:
    """The severity of the rule whose function defines `check` (`probation.<locals>.check`)."""
    name = check.__qualname__.split(".<locals>", 1)[0]
    return next(r.severity for r in engine.registry if r.check.__module__ == __name__ and r.check.__name__ == name)


def _ymd(d: dt.date) -> str:
    return f"{d:%Y-%m-%d}"


def _is_full_member_on(p: dict | None, day: dt.date) -> bool:
    """A 正式党员 on `day`: confirmed on or before it and still a member (not 停止党籍 etc.)."""
    return bool(p and p["full_member_date"] and p["full_member_date"] <= day and p["status"] == Status.FULL)


# --- 一 入党申请 ---------------------------------------------------------------------------------
@rule("DEV-01", reads=READS, title="年满十八岁方可申请入党", citation=f"{XZ}第五条；{DZ}第一条：年满十八岁的……可以申请加入中国共产党",
      severity="BLOCK", subject="person")
def applicant_age(ctx):
    """递交入党申请书之日未满18周岁（18周岁生日当天即年满十八岁；2月29日出生的，平年以2月28日为生日）：阻断。
    出生日期不详的不判断。"""
    def check(case, f):
        app = case.first(Step.APPLICATION)
        birth = (f.people.get(case.person_id) or {}).get("birth_date")
        if app and birth and app.date < add_years(birth, 18):
            return f"{_ymd(app.date)}递交入党申请书时未满十八周岁（{_ymd(add_years(birth, 18))}年满十八岁）"
    yield from _judge(ctx, check)


@rule("DEV-02", reads=READS, title="向工作、学习所在单位党组织申请入党", citation=f"{XZ}第六条", severity="WARN",
      subject="person")
def receiving_org(ctx):
    """负责发展的组织不是党支部、党总支或基层党委（例如挂在党小组、党组或机关工委下）：预警。"""
    def check(case, f):
        org = f.orgs.get(case.org_id)
        if org and org["type"] not in RECEIVING_TYPES:
            return f"入党申请由{org['name']}（{OrgType(org['type']).label}）接收：应由所在单位的党支部（党总支、基层党委）接收培养"
    yield from _judge(ctx, check)


@rule("DEV-03", reads=READS, title="党组织收到入党申请书后，应在一个月内派人谈话", citation=f"{XZ}第七条", severity="WARN",
      subject="person", settings=("dev_first_talk_remind_days",))
def first_talk(ctx):
    """谈话日期晚于收到申请书一个月后的同一天：预警（恰好一个月不预警）；尚未谈话且已过一个月：预警；
    尚未谈话、已到第 N 天（参数，默认25天）：提示。"""
    remind = int(ctx.setting("dev_first_talk_remind_days"))

    def check(case, f):
        app = case.first(Step.APPLICATION)
        if not app:
            return None
        due = add_months(app.date, 1)
        talk = case.first(Step.FIRST_TALK)
        if talk:
            if talk.date > due:
                return f"{_ymd(app.date)}收到入党申请书，{_ymd(talk.date)}才谈话：应在一个月内（{_ymd(due)}前）派人谈话"
            return None
        if not case.pending:
            return None
        if ctx.as_of > due:
            return f"{_ymd(app.date)}收到入党申请书，超过一个月（{_ymd(due)}）仍未派人谈话"
        if (ctx.as_of - app.date).days >= remind:
            return f"{_ymd(app.date)}收到入党申请书，请在{_ymd(due)}前派人谈话", "INFO"
    yield from _judge(ctx, check)


# --- 二 入党积极分子 ------------------------------------------------------------------------------
@rule("DEV-04", reads=READS, title="确定入党积极分子应报上级党委备案", citation=f"{XZ}第八条", severity="WARN",
      subject="person")
def activist_filed(ctx):
    """已确定为入党积极分子，但没有报上级党委备案的记录（已列为发展对象的同样判断）：预警。"""
    def check(case, f):
        act = case.first(Step.ACTIVIST)
        if act and not case.has(Step.ACTIVIST_FILED):
            return f"{_ymd(act.date)}确定为入党积极分子，没有报上级党委备案的记录"
    yield from _judge(ctx, check)


@rule("DEV-05", reads=READS, title="指定一至两名正式党员作培养联系人", citation=f"{XZ}第九条", severity="WARN",
      subject="person")
def mentors(ctx):
    """入党积极分子没有指定培养联系人，或指定的人数不是1至2名，或培养联系人在指定之日不是正式党员：预警。"""
    def check(case, f):
        act = case.first(Step.ACTIVIST)
        if not act:
            return None
        m = case.last(Step.MENTORS)
        if m is None:
            return f"{_ymd(act.date)}确定为入党积极分子，没有指定培养联系人"
        if not 1 <= len(m.persons) <= 2:
            return f"指定了{len(m.persons)}名培养联系人：应为一至两名正式党员"
        bad = [f.people[p]["name"] for p in m.persons if not _is_full_member_on(f.people.get(p), m.date)]
        if bad:
            return f"培养联系人{'、'.join(bad)}在{_ymd(m.date)}不是正式党员：培养联系人应为正式党员"
    yield from _judge(ctx, check)


@rule("DEV-06", reads=READS, title="党支部每半年对入党积极分子进行一次考察", citation=f"{XZ}第十一条", severity="WARN",
      subject="person")
def half_year_review(ctx):
    """从确定为入党积极分子起，相邻两次考察（首次从确定之日起算）相隔超过6个月（同一天为界），直至列为发展对象；
    尚未列为发展对象的，判断日距上次考察超过6个月：预警。"""
    def check(case, f):
        act = case.first(Step.ACTIVIST)
        if not act:
            return None
        cand = case.first(Step.CANDIDATE)
        if cand is None and not case.pending:
            return None
        end = cand.date if cand else ctx.as_of
        marks = [act.date] + sorted(e.date for e in case.events.get(Step.ACTIVIST_REVIEW, ()) if act.date <= e.date <= end)
        marks.append(end)
        for a, b in zip(marks, marks[1:]):
            if b > add_months(a, 6):
                what = f"至{_ymd(b)}" if cand or b != ctx.as_of else "至今"
                return f"入党积极分子自{_ymd(a)}{what}超过半年没有考察记录：党支部每半年考察一次"
    yield from _judge(ctx, check)


@rule("DEV-07", reads=READS, title="入党积极分子、发展对象的组织关系变动，应及时转接培养材料", citation=f"{XZ}第十二条",
      severity="WARN", subject="person")
def moved(ctx):
    """尚未批准为预备党员、仍在进行的发展党员纪实，本人现在所在的党组织已不是负责培养的党组织（调动后纪实未随之转接）：
    预警。DJX 中纪实的 `org`（平台扩展字段）缺省即本人所在组织。"""
    def check(case, f):
        p = f.people.get(case.person_id)
        if p and p["org_id"] and p["org_id"] != case.org_id and case.pending and not case.has(Step.APPROVAL):
            now, was = f.orgs.get(p["org_id"]), f.orgs.get(case.org_id)
            return (f"现属{now['name'] if now else '其他组织'}，发展党员纪实仍在{was['name'] if was else '原党支部'}："
                    f"应及时报告原党组织并转接培养教育材料")
    yield from _judge(ctx, check)


# --- 三 发展对象 ---------------------------------------------------------------------------------
@rule("DEV-08", reads=READS, title="经过一年以上培养教育和考察方可列为发展对象", citation=f"{XZ}第十三条", severity="BLOCK",
      subject="person")
def activist_one_year(ctx):
    """列为发展对象之日早于确定为入党积极分子满一年之日（次年同一日期；2月29日起算的为次年2月28日）：阻断；
    没有确定为入党积极分子的记录就列为发展对象：阻断。"""
    def check(case, f):
        cand = case.first(Step.CANDIDATE)
        if not cand:
            return None
        act = case.first(Step.ACTIVIST)
        if act is None:
            return f"{_ymd(cand.date)}列为发展对象，但没有确定为入党积极分子的记录"
        if cand.date < add_years(act.date, 1):
            return (f"{_ymd(act.date)}确定为入党积极分子，{_ymd(cand.date)}即列为发展对象，培养考察不满一年"
                    f"（{_ymd(add_years(act.date, 1))}起方可）")
    yield from _judge(ctx, check)


@rule("DEV-09", reads=READS, title="发展对象应有两名正式党员作入党介绍人", citation=f"{XZ}第十四条；{DZ}第五条", severity="BLOCK",
      subject="person")
def sponsors(ctx):
    """已到接收预备党员阶段（支委会审查及以后），入党介绍人不是恰好两名，或介绍人在确定之日不是正式党员、
    或正在留党察看：阻断。"""
    def check(case, f):
        if not case.has(*ADMISSION_STEPS, Step.SPONSORS):
            return None
        s = case.last(Step.SPONSORS)
        if s is None:
            return "没有确定入党介绍人就进入接收预备党员程序：应有两名正式党员作入党介绍人"
        if len(s.persons) != 2:
            return f"确定了{len(s.persons)}名入党介绍人：应为两名正式党员"
        out = []
        for pid in s.persons:
            p = f.people.get(pid)
            if not _is_full_member_on(p, s.date):
                out.append(f"入党介绍人{p['name'] if p else pid}在{_ymd(s.date)}不是正式党员")
            elif p["on_probation_sanction"]:
                out.append(f"入党介绍人{p['name']}正在留党察看期间，不能作入党介绍人")
        return out
    yield from _judge(ctx, check)


@rule("DEV-10", reads=READS, title="未经政治审查或政治审查不合格的，不能发展入党", citation=f"{XZ}第十五、十六条", severity="BLOCK",
      subject="person", settings=("dev_political_review_valid_months",))
def political_review(ctx):
    """进入接收预备党员程序（支委会审查及以后）时没有合格的政审结论：阻断；支部大会讨论时政审结论已超过
    有效月数（参数，默认12个月，地方做法）：预警。"""
    valid = int(ctx.setting("dev_political_review_valid_months"))

    def check(case, f):
        start = case.earliest(*ADMISSION_STEPS)
        if start is None:
            return None
        passed = [e for e in case.events.get(Step.POLITICAL_REVIEW, ()) if e.conclusion == Conclusion.PASS
                  and e.date <= start.date]
        if not passed:
            failed = any(e.conclusion == Conclusion.FAIL for e in case.events.get(Step.POLITICAL_REVIEW, ()))
            return (f"{_ymd(start.date)}{Step(start.step).label}时" +
                    ("政治审查结论为不合格" if failed else "没有合格的政治审查结论") + "：未经政审或政审不合格的，不能发展入党")
        vote = case.first(Step.BRANCH_VOTE)
        latest = passed[-1]
        if vote and vote.date > add_months(latest.date, valid):
            return (f"政审结论形成于{_ymd(latest.date)}，{_ymd(vote.date)}支部大会讨论时已超过{valid}个月，应重新政审",
                    "WARN")
    yield from _judge(ctx, check)


@rule("DEV-11", reads=READS, title="发展对象应经过短期集中培训（一般不少于三天或二十四个学时）", citation=f"{XZ}第十七条",
      severity="BLOCK", subject="person")
def training(ctx):
    """进入接收预备党员程序时没有培训记录，或培训不足3天且不足24学时（恰好3天或24学时为合格）：阻断；
    注明特殊情况理由的，降为预警。"""
    def check(case, f):
        start = case.earliest(*ADMISSION_STEPS)
        if start is None:
            return None
        done = [e for e in case.events.get(Step.TRAINING, ()) if e.date <= start.date]
        if not done:
            return "没有参加短期集中培训就进入接收预备党员程序：未经培训的，除个别特殊情况外不能发展入党"
        days, hours = sum(e.days or 0 for e in done), sum(e.hours or 0 for e in done)
        if days < 3 and hours < 24:
            reason = next((e.reason for e in done if e.reason), "")
            msg = f"短期集中培训{days:g}天、{hours:g}学时，不足三天或二十四个学时"
            return (f"{msg}（特殊情况：{reason}）", "WARN") if reason else msg
    yield from _judge(ctx, check)


# DEV-12: the spine of the procedure in order. A missing step that another rule names is left to it
# (no 入党积极分子 before 发展对象: DEV-08; no 预审: DEV-13; no 上级谈话: DEV-17).
SPINE = (Step.APPLICATION, Step.ACTIVIST, Step.CANDIDATE, Step.COMMITTEE_REVIEW, Step.PRE_REVIEW,
         Step.VOLUNTEER_FORM, Step.BRANCH_VOTE, Step.UPPER_TALK, Step.APPROVAL, Step.CONFIRM_APPLICATION,
         Step.CONFIRM_VOTE, Step.CONFIRM_APPROVAL, Step.ARCHIVE)
NAMED_ELSEWHERE = {Step.ACTIVIST, Step.PRE_REVIEW, Step.UPPER_TALK}


def spine_problems(case: Case) -> list[str]:
    """Steps of the spine recorded without the one before, or dated before it."""
    out, prev = [], None
    last = max((i for i, s in enumerate(SPINE) if case.has(s)), default=-1)
    for i, step in enumerate(SPINE[:last + 1]):
        ev = case.first(step)
        if ev is None:
            if step not in NAMED_ELSEWHERE:
                later = next(SPINE[j] for j in range(i + 1, last + 1) if case.has(SPINE[j]))
                out.append(f"已登记“{later.label}”，但没有“{step.label}”")
            continue
        if prev is not None and ev.date < prev.date:
            out.append(f"“{step.label}”（{_ymd(ev.date)}）早于“{Step(prev.step).label}”（{_ymd(prev.date)}）")
        prev = ev
    return out


@rule("DEV-12", reads=READS, title="接收预备党员必须严格按照党章规定的程序办理", citation=f"{XZ}第十八条；{DZ}第五条",
      severity="BLOCK", subject="person")
def procedure_order(ctx):
    """发展党员的主要环节（递交申请、确定积极分子、确定发展对象、支委会审查、预审、填写志愿书、支部大会、
    上级谈话、审批、转正申请、转正表决、转正审批、归档）缺少前一环节，或日期早于前一环节：阻断
    （缺积极分子、预审、上级谈话的分别见 DEV-08、DEV-13、DEV-17）。"""
    yield from _judge(ctx, lambda case, f: [f"程序颠倒或缺漏：{m}" for m in spine_problems(case)])


# --- 四 接收预备党员 -----------------------------------------------------------------------------
@rule("DEV-13", reads=READS, title="上级党委预审合格后方可发放《入党志愿书》", citation=f"{XZ}第十九条", severity="BLOCK",
      subject="person")
def pre_review_first(ctx):
    """填写《入党志愿书》之日（或支部大会讨论之日）之前没有上级党委预审：阻断。
    发展对象预计离开工作、学习单位的日期（纪实的“预计离开本单位日期”）在支部大会讨论之日起三个月内（早于三个月后的
    同一日期）的：预警（一般不办理接收手续）；尚未讨论的发展对象，该日期早于判断日起三个月（含已经离开）的：预警。"""
    def check(case, f):
        out = []
        form = case.first(Step.VOLUNTEER_FORM) or case.first(Step.BRANCH_VOTE)
        if form:
            pre = case.first(Step.PRE_REVIEW)
            if pre is None or pre.date > form.date:
                out.append(f"{_ymd(form.date)}{Step(form.step).label}，此前没有上级党委预审："
                           "预审合格后方可发放《入党志愿书》")
        leave, vote = case.planned_leave, case.first(Step.BRANCH_VOTE)
        if leave and case.has(Step.CANDIDATE):
            if vote and vote.date <= leave < add_months(vote.date, 3):
                out.append((f"预计{_ymd(leave)}离开工作、学习单位，{_ymd(vote.date)}支部大会讨论接收时已不足三个月："
                            "一般不办理接收手续", "WARN"))
            elif vote is None and case.pending and leave < add_months(ctx.as_of, 3):
                when = "已于" if leave < ctx.as_of else "预计"
                out.append((f"{when}{_ymd(leave)}离开工作、学习单位，不足三个月：一般不办理接收手续", "WARN"))
        return out
    yield from _judge(ctx, check)


QUORUM, BATCH, FAILED = "quorum", "batch", "failed"


def _vote_problems(ev: Ev, what: str) -> list[tuple[str, str]]:
    """(kind, message) of a 支部大会's vote: no tally or no quorum (DEV-14), several candidates in one
    vote or not passed (DEV-15); the confirmation vote (DEV-23) is judged on the same terms."""
    out = []
    if ev.eligible is None or ev.present is None or ev.yes is None:
        return [(QUORUM, f"{_ymd(ev.date)}{what}没有记录应到、实到有表决权党员人数和赞成票数")]
    if 2 * ev.present <= ev.eligible:
        out.append((QUORUM, f"{_ymd(ev.date)}{what}实到有表决权党员{ev.present}人，未超过应到{ev.eligible}人的半数，会议不能表决"))
    if (ev.candidates_in_vote or 1) > 1:
        out.append((BATCH, f"{_ymd(ev.date)}{what}一次表决了{ev.candidates_in_vote}名发展对象：必须逐个讨论、逐个表决"))
    yes = ev.yes + (ev.written_yes or 0)
    if 2 * yes <= ev.eligible:
        out.append((FAILED, f"{_ymd(ev.date)}{what}赞成{yes}票（含书面意见{ev.written_yes or 0}票），未超过应到有表决权党员"
                            f"{ev.eligible}人的半数，未通过"))
    return out


def _votes(case: Case, step, what: str, kinds) -> list[str]:
    return [m for e in case.events.get(step, ()) for k, m in _vote_problems(e, what) if k in kinds]


def _approval_late(ctx, case: Case, vote_step, approval_step) -> tuple[Ev, Ev | None, dt.date, str] | None:
    """The vote, its approval, the day judged (the approval's, else the as-of date) and how to say it,
    when the approval came (or is still pending) more than three months after the vote (DEV-18, DEV-24)."""
    vote = case.first(vote_step)
    if not vote:
        return None
    appr = case.first(approval_step)
    if appr is None and not case.pending:
        return None
    day = appr.date if appr else ctx.as_of
    if day <= add_months(vote.date, 3):
        return None
    return vote, appr, day, (f"{_ymd(appr.date)}才审批" if appr else "至今未审批")


@rule("DEV-14", reads=READS, title="讨论接收预备党员的支部大会，有表决权的到会人数须超过应到人数的半数",
      citation=f"{XZ}第二十条", severity="BLOCK", subject="person")
def admission_quorum(ctx):
    """支部大会讨论接收预备党员：2×实到有表决权党员 ≤ 应到有表决权党员（恰好半数不足法定人数）：阻断。"""
    def check(case, f):
        return _votes(case, Step.BRANCH_VOTE, "支部大会讨论接收预备党员", (QUORUM,))
    yield from _judge(ctx, check)


@rule("DEV-15", reads=READS, title="赞成人数超过应到会有表决权正式党员的半数才能通过；两个以上发展对象须逐个表决",
      citation=f"{XZ}第二十一条", severity="BLOCK", subject="person")
def admission_vote(ctx):
    """支部大会讨论接收预备党员：2×（赞成票＋会前书面意见赞成）≤ 应到有表决权党员（恰好半数未通过）：阻断；
    一次表决决定两名以上发展对象：阻断。"""
    def check(case, f):
        return _votes(case, Step.BRANCH_VOTE, "支部大会讨论接收预备党员", (BATCH, FAILED))
    yield from _judge(ctx, check)


@rule("DEV-16", reads=READS, title="支部大会决议连同有关材料报上级党委审批", citation=f"{XZ}第二十二条", severity="WARN",
      subject="person")
def approved_by_upper(ctx):
    """审批接收预备党员的党组织不是负责培养的党支部的上级党组织：预警。"""
    def check(case, f):
        appr, branch = case.first(Step.APPROVAL), f.orgs.get(case.org_id)
        org = f.orgs.get(appr.approver_id) if appr and appr.approver_id else None
        if org and branch and not (branch["path"].startswith(org["path"]) and branch["path"] != org["path"]):
            return f"{_ymd(appr.date)}由{org['name']}审批，该组织不是{branch['name']}的上级党组织"
    yield from _judge(ctx, check)


@rule("DEV-17", reads=READS, title="上级党委审批前，应指派党委委员或组织员同发展对象谈话", citation=f"{XZ}第二十三条",
      severity="BLOCK", subject="person")
def upper_talk(ctx):
    """上级党委审批之日或之前没有上级党委派人谈话的记录：阻断。"""
    def check(case, f):
        appr = case.first(Step.APPROVAL)
        talk = case.first(Step.UPPER_TALK)
        if appr and (talk is None or talk.date > appr.date):
            return f"{_ymd(appr.date)}上级党委审批前没有派人同本人谈话"
    yield from _judge(ctx, check)


@rule("DEV-18", reads=READS, title="上级党委应在三个月内审批接收预备党员的决议，特殊情况不超过六个月",
      citation=f"{XZ}第二十四条", severity="WARN", subject="person")
def approval_deadline(ctx):
    """支部大会通过后超过三个月（支部大会之日三个月后的同一天仍在期限内）才审批或仍未审批：预警；
    超过六个月：阻断。"""
    def check(case, f):
        late = _approval_late(ctx, case, Step.BRANCH_VOTE, Step.APPROVAL)
        if late is None:
            return None
        vote, appr, day, state = late
        if day > add_months(vote.date, 6):
            return f"{_ymd(vote.date)}支部大会通过，{state}，超过六个月", "BLOCK"
        reason = f"（延长理由：{appr.reason}）" if appr and appr.reason else ""
        return f"{_ymd(vote.date)}支部大会通过，{state}，超过三个月{reason}：应在三个月内审批，特殊情况不超过六个月"
    yield from _judge(ctx, check)


@rule("DEV-19", reads=READS, title="党总支、村（社区）党委不能审批预备党员", citation=f"{XZ}（共产党员网答问）", severity="BLOCK",
      subject="person")
def approver_authority(ctx):
    """审批接收预备党员或转正的党组织是党总支、党支部、党小组，或村、社区党委：阻断。"""
    def check(case, f):
        out = []
        for step in (Step.APPROVAL, Step.CONFIRM_APPROVAL):
            for e in case.events.get(step, ()):
                org = f.orgs.get(e.approver_id) if e.approver_id else None
                if org and (org["type"] in NOT_APPROVERS or org["village_or_community"]):
                    kind = "村（社区）党组织" if org["village_or_community"] else OrgType(org["type"]).label
                    out.append(f"{_ymd(e.date)}由{org['name']}（{kind}）{Step(step).label}：该组织没有审批权限")
        return out
    yield from _judge(ctx, check)


# --- 五 教育考察和转正 ----------------------------------------------------------------------------
@rule("DEV-20", reads=READS, title="及时将预备党员编入党支部和党小组", citation=f"{XZ}第二十九条", severity="WARN",
      subject="person")
def assigned_to_branch(ctx):
    """已批准为预备党员（尚未转正）的，本人所在党组织不是党支部（或没有所在党组织）：预警。"""
    def check(case, f):
        if not case.has(Step.APPROVAL) or case.has(Step.CONFIRM_APPROVAL):
            return None
        p = f.people.get(case.person_id)
        org = f.orgs.get(p["org_id"]) if p and p["org_id"] else None
        if p and (org is None or org["type"] != OrgType.BRANCH):
            return "已批准为预备党员，尚未编入党支部：应及时编入党支部和党小组"
    yield from _judge(ctx, check)


@rule("DEV-21", reads=READS, title="预备党员必须面向党旗进行入党宣誓", citation=f"{XZ}第三十条；{DZ}第六条", severity="INFO",
      subject="person", settings=("dev_oath_within_days",))
def oath(ctx):
    """上级党委批准后 N 天（参数，默认90天）仍没有入党宣誓记录：提示。"""
    within = int(ctx.setting("dev_oath_within_days"))

    def check(case, f):
        appr = case.first(Step.APPROVAL)
        if appr and case.pending and not case.has(Step.OATH) and (ctx.as_of - appr.date).days > within:
            return f"{_ymd(appr.date)}批准为预备党员，{within}天内没有入党宣誓记录：应及时组织面向党旗入党宣誓"
    yield from _judge(ctx, check)


def probation_end(case: Case) -> dt.date | None:
    """DEV-22: 预备期一年，从支部大会通过之日算起，加上（一次）延长的月数."""
    vote = case.first(Step.BRANCH_VOTE)
    if vote is None:
        return None
    end = add_years(vote.date, 1)
    for e in case.events.get(Step.EXTENSION, ())[:1]:
        end = add_months(end, e.months or 0)
    return end


@rule("DEV-22", reads=READS, title="预备期一年，期满应及时讨论转正；延长预备期只能一次，不少于半年、不超过一年",
      citation=f"{XZ}第三十二条；{DZ}第七条", severity="WARN", subject="person",
      settings=("dev_confirm_discussion_days",))
def probation(ctx):
    """预备期满（支部大会通过之日起一年，延长的加上延长月数）后 N 天（参数，默认30天）仍未由支部大会讨论转正：预警；
    延长预备期不足6个月或超过12个月（6个月、12个月均可）、或延长两次以上：阻断。"""
    days = int(ctx.setting("dev_confirm_discussion_days"))

    def check(case, f):
        out = []
        ext = case.events.get(Step.EXTENSION, [])
        for e in ext:
            if e.months is None or not 6 <= e.months <= 12:
                out.append((f"{_ymd(e.date)}延长预备期{e.months or '（未填）'}个月：延长预备期不少于半年、最长不超过一年", "BLOCK"))
        if len(ext) > 1:
            out.append((f"预备期延长了{len(ext)}次：只能延长一次", "BLOCK"))
        end = probation_end(case)
        if end is not None and case.pending and case.has(Step.APPROVAL) and not case.has(Step.CONFIRM_VOTE):
            if (ctx.as_of - end).days > days:
                out.append(f"预备期于{_ymd(end)}期满，{days}天内支部大会仍未讨论其转正")
        return out
    yield from _judge(ctx, check)


@rule("DEV-23", reads=READS, title="讨论预备党员转正的支部大会，到会和赞成人数的要求与接收预备党员相同",
      citation=f"{XZ}第三十三条", severity="BLOCK", subject="person")
def confirmation_vote(ctx):
    """支部大会讨论转正：到会有表决权党员未超过应到的半数，或赞成（含书面意见）未超过应到的半数：阻断。"""
    def check(case, f):
        return _votes(case, Step.CONFIRM_VOTE, "支部大会讨论转正", (QUORUM, FAILED))
    yield from _judge(ctx, check)


@rule("DEV-24", reads=READS, title="上级党委应在三个月内审批预备党员转正决议", citation=f"{XZ}第三十四条", severity="WARN",
      subject="person")
def confirmation_deadline(ctx):
    """支部大会讨论转正后超过三个月（三个月后的同一天仍在期限内）才审批或仍未审批：预警。"""
    def check(case, f):
        late = _approval_late(ctx, case, Step.CONFIRM_VOTE, Step.CONFIRM_APPROVAL)
        if late is not None:
            vote, _, _, state = late
            return f"{_ymd(vote.date)}支部大会讨论转正，{state}，超过三个月"
    yield from _judge(ctx, check)


@rule("DEV-25", reads=READS, title="党龄从预备期满转为正式党员之日算起", citation=f"{DZ}第七条", severity="WARN",
      subject="person")
def party_standing(ctx):
    """已批准转正的，人员的转正日期与预备期满之日（支部大会通过之日起一年，延长的加上延长月数）不一致：预警
    （党龄、BR-11 等据此计算）。"""
    def check(case, f):
        if not case.has(Step.CONFIRM_APPROVAL):
            return None
        end, p = probation_end(case), f.people.get(case.person_id)
        if end and p and p["full_member_date"] and p["full_member_date"] != end:
            return f"转正日期登记为{_ymd(p['full_member_date'])}，预备期满之日为{_ymd(end)}：党龄从预备期满之日算起"
    yield from _judge(ctx, check)


@rule("DEV-26", reads=READS, title="转正后应将入党志愿书等五项材料归档", citation=f"{XZ}第三十七条", severity="WARN",
      subject="person")
def archive(ctx):
    """已批准转正的，归档材料缺少入党申请书、入党志愿书、政治审查材料、转正申请书、培养教育考察材料中的任何一项：预警。"""
    def check(case, f):
        if not case.has(Step.CONFIRM_APPROVAL):
            return None
        have = {d for e in case.events.get(Step.ARCHIVE, ()) for d in e.docs}
        missing = [d.label for d in ArchiveDoc if d.value not in have]
        if missing:
            return f"转正后归档材料缺少{'、'.join(missing)}"
    yield from _judge(ctx, check)


@rule("DEV-27", reads=READS + ("core.workcalendarday",), title="发展党员公示不少于规定的工作日（地方做法）",
      citation="发展党员公示制度（[P] 各地、各单位规定；非《发展党员工作细则》条款）", severity="WARN", subject="person",
      settings=("publicity_working_days",))
def publicity(ctx):
    """按参数要求公示的（默认5个工作日，0为不要求）：确定入党积极分子、确定发展对象、支部大会讨论接收预备党员、
    讨论转正之前，没有在该日当日或之前结束的公示，或公示的工作日（周一至周五，按工作日历扣除节假日、计入调休上班日，
    首尾两天都算）少于规定天数：预警。`dangjian check`：DJX 文件中任何一份纪实记有公示（平台扩展的 `publicity`
    环节）或在 `meta.settings` 中写明本参数时，判断文件中的每一份纪实；否则视为本参数为0。"""
    from dangjian.core.workdays import WorkCalendar

    need = int(ctx.setting("publicity_working_days") or 0)
    if need <= 0:
        return
    calendar = ctx.memo("core.work_calendar", WorkCalendar)

    def check(case, f):
        out = []
        for what, step in PUBLICITY_BEFORE.items():
            decision = case.first(step)
            if decision is None:
                continue
            shown = [e for e in case.events.get(Step.PUBLICITY, ()) if e.publicity_for == what and e.end_date
                     and e.end_date <= decision.date]
            label = PublicityFor(what).label
            if not shown:
                out.append(f"{_ymd(decision.date)}{Step(step).label}前没有“{label}”的公示")
                continue
            best = max(shown, key=lambda e: calendar.count(e.date, e.end_date))
            n = calendar.count(best.date, best.end_date)
            if n < need:
                out.append(f"“{label}”公示{_ymd(best.date)}至{_ymd(best.end_date)}，只有{n}个工作日，不足{need}个工作日")
        return out
    yield from _judge(ctx, check)
