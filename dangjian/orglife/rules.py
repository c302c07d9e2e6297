"""Organisational-life rules (rules.md §1 BR-05…08, §1a ORGLIFE-02…07 — ORGLIFE-01 is the aggregate of
BR-05/06/07 and ORGLIFE-02, registered with `engine.aggregate`, not a second finding — §7 DLH-01, §9 REL-01,
§10 EVAL-01/02, TALK-01): 三会一课, 主题党日, 组织生活会, 民主生活会, 民主评议 and 谈心谈话.

**Which periods are judged.** A periodic duty (a quarter's 党员大会, a month's 主题党日 …) is judged
only for a period that has ended by the as-of date (its last day or later, djx.md) and that lies in
the window: it ended within the last `orglife_window_months` months (default 12), and it began on or
after the org's founding date (`founded`, when known) and on or after `orglife_records_from` (the day
a jurisdiction started recording on the platform; default none). History nobody entered is never a
finding. A period still running gives at most an INFO "due soon" finding in its last days.

Every rule works set-wise: one query lists the months in which each (org, type) held a meeting (the
month computed by the database, `periods.month_masks`: one bit mask per (org, type)), and quarters and
years test their months' bits;
attendance, talks, posts and appraisals are read once per run and shared through `ctx.memo` — never
one query per org or person. An incremental run
(`ctx.org_ids`) reads only the orgs in scope (and, for people, their own rows wherever the meeting
was held).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict

from django.db.models import CharField, Count, Exists, ExpressionWrapper, F, Max, Min, OuterRef, Q
from django.db.models.functions import ExtractYear

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import (DaysBefore, MonthIndex, add_months, bounds, human, label_of, month_index,
                                   month_masks, month_of_index, period_mask, periods_ending_between)
from dangjian.orgs.choices import COMMITTEE_ONLY_ROLES, COMMITTEE_ROLES, OrgType, PostRole
from dangjian.orgs.models import Org, Post
from dangjian.orgs.rules import Collector, member_counts, orgs_by_id
from dangjian.people.choices import MEMBER_STATUSES, Status
from dangjian.people.models import Person

from .choices import LECTURING_SECRETARY_ROLES, SECRETARY_ORG_TYPES, AttendanceStatus, Grade, MeetingState, MeetingType
from .coverage import joined_by
from .models import Appraisal, AppraisalGrade, Attendance, Meeting, Resolution, Talk, meeting_records

ZBTL = "《中国共产党支部工作条例（试行）》"
DSHGD = "《县以上党和国家机关党员领导干部民主生活会若干规定》"
DZ = "《中国共产党章程》"

engine.setting("orglife_window_months", 12,
               "组织生活按期检查的回溯月数：只检查在最近若干个月内结束的月份、季度、年度", rules=(
                   "BR-05", "BR-06", "BR-07", "ORGLIFE-02", "ORGLIFE-03", "ORGLIFE-04", "ORGLIFE-05",
                   "ORGLIFE-06", "ORGLIFE-07", "DLH-01", "REL-01", "EVAL-01", "EVAL-02", "TALK-01"))
engine.setting("orglife_records_from", None,
               "组织生活记录起始日期（YYYY-MM-DD）：年中开始使用平台的辖区填写，此前开始的期间不检查；空表示不限",
               rules=("BR-05", "BR-06", "BR-07", "ORGLIFE-02", "ORGLIFE-03", "ORGLIFE-04", "ORGLIFE-05",
                      "ORGLIFE-06", "ORGLIFE-07", "DLH-01", "REL-01", "TALK-01"))
engine.setting("orglife_due_soon_days_quarter", 15,
               "季度应开会议（党员大会、党课）在季度最后多少天内尚未召开时提示", rules=("BR-05", "ORGLIFE-02"))
engine.setting("orglife_due_soon_days_month", 7,
               "每月应开会议（支委会、党小组会、主题党日）在当月最后多少天内尚未召开时提示",
               rules=("BR-06", "BR-07", "ORGLIFE-03"))
engine.setting("lecture_per", "quarter",
               "党支部党课的频次：quarter（每季度至少1次，地方通行做法）或 year（每年至少1次）；"
               "支部工作条例只规定“按期”", rules=("ORGLIFE-02",))
engine.setting("talk_before_meeting_days", 60,
               "组织生活会、民主生活会召开前多少天内应有谈心谈话记录", rules=("TALK-01",))
engine.setting("absence_alert_months", 3,
               "连续几个月未参加组织生活时提前提示（提示级）；连续6个月为预警（党章第九条）", rules=("REL-01",))

THREE_MEETING_TYPES = (MeetingType.MEMBER_ASSEMBLY, MeetingType.COMMITTEE, MeetingType.GROUP)
LEADING_GROUP_ROLES = (PostRole.LEADING_GROUP_MEMBER, PostRole.FIRST_RESPONSIBLE)
# BR-08: 书记召集主持，可委托副书记或委员.
CHAIR_ROLES = COMMITTEE_ROLES
Q4_START = (10, 1)
REL_MONTHS = 6

# What the rules read (`Rule.reads`): after a change to other records — a talk, an appraisal, a meeting
# of another type — the incremental run skips the rules that cannot see it (`engine.affected_rules`;
# `test_rule_reads` checks the tables each rule queries and that meetings of the other types change
# none of its findings). REL-01 counts every kind of organisational life, so it reads every meeting.
TREE = (Org, Post, Person)
MEETINGS = TREE + (Meeting, Attendance, Resolution)
APPRAISALS = (Appraisal, AppraisalGrade)
TALK_MEETING_TYPES = (MeetingType.ORG_LIFE, MeetingType.DEMOCRATIC_LIFE)


# --- the window of judged periods -----------------------------------------------------------------
def _date(value) -> dt.date | None:
    """`orglife_records_from` as a date; a value that is not a YYYY-MM-DD date means no bound (the
    settings form validates it — the engine must not fail a whole run over one bad parameter)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def window(ctx) -> dict:
    """The judged window of this run: periods ending in (cutoff, as_of], records from `records_from`,
    and `lower`, the first day any judged or running period can start (the meeting query's bound)."""

    def compute():
        cutoff = add_months(ctx.as_of, -int(ctx.setting("orglife_window_months")))
        records_from = _date(ctx.setting("orglife_records_from"))
        first = cutoff + dt.timedelta(days=1)
        lower = dt.date(min(first.year, ctx.as_of.year), 1, 1)
        if records_from and records_from > lower:
            lower = records_from
        ended = {k: periods_ending_between(k, cutoff, ctx.as_of) for k in ("month", "quarter", "year")}
        return {"cutoff": cutoff, "records_from": records_from, "lower": lower, "ended": ended}

    return ctx.memo("orglife.window", compute)


def _starts_ok(ctx, start: dt.date, founded: dt.date | None) -> bool:
    rf = window(ctx)["records_from"]
    return (founded is None or founded <= start) and (rf is None or rf <= start)


def _ended(ctx, kind: str) -> list[tuple[str, dt.date, dt.date, int]]:
    """The window's ended periods of `kind` with their bounds and month bits, once per run."""
    return ctx.memo(f"orglife.ended.{kind}", lambda: [(p, *bounds(p), _period_mask(ctx, p))
                                                       for p in window(ctx)["ended"][kind]])


def judged_periods(ctx, kind: str, founded: dt.date | None) -> list[str]:
    """The ended periods of `kind` judged for an org founded on `founded` (see the module doc)."""
    return [p for p, _, _, _ in _judged(ctx, kind, founded)]


def _judged(ctx, kind: str, founded: dt.date | None) -> list[tuple[str, dt.date, dt.date, int]]:
    return _starting_from(_ended(ctx, kind), _bound(ctx, founded))


def _bound(ctx, founded: dt.date | None) -> dt.date:
    """The first day a period may start to be judged for an org founded on `founded`."""
    return max(founded or dt.date.min, window(ctx)["records_from"] or dt.date.min)


def _starting_from(ended: list, bound: dt.date) -> list:
    if not ended or bound <= ended[0][1]:
        return ended          # the common case: every period of the window is judged
    return [e for e in ended if e[1] >= bound]


def running_period(ctx, kind: str, founded: dt.date | None) -> tuple[str, int] | None:
    """The running (not yet ended) period of `kind` and the days left in it, if it is judged at all."""
    label, start, end = ctx.memo(f"orglife.running.{kind}", lambda: (lambda lb: (lb, *bounds(lb)))(
        label_of(kind, ctx.as_of)))
    if end <= ctx.as_of or not _starts_ok(ctx, start, founded):
        return None
    return label, (end - ctx.as_of).days


def in_q4(ctx) -> bool:
    return (ctx.as_of.month, ctx.as_of.day) >= Q4_START


# --- shared facts ---------------------------------------------------------------------------------
def _scoped(ctx, qs, field="org_id"):
    return qs if ctx.org_ids is None else qs.filter(**{f"{field}__in": ctx.org_ids})


def held_meetings(ctx):
    w = window(ctx)
    return Meeting.objects.filter(state=MeetingState.HELD, date__gte=w["lower"], date__lte=ctx.as_of)


def months_held(ctx) -> dict[tuple[int, str], int]:
    """(org id, meeting type) → the months in which one was held, as a bit mask from the window's
    first month (`periods.month_masks`): one aggregate query, one row per (org, type)."""

    def compute():
        w = window(ctx)
        qs = _scoped(ctx, Meeting.objects.filter(state=MeetingState.HELD))
        return month_masks(qs, date_field="date", first=w["lower"], last=ctx.as_of, group_by=("org_id", "type"))

    return ctx.memo("orglife.months_held", compute)


def _period_mask(ctx, label: str) -> int:
    masks = ctx.memo("orglife.period_masks", dict)
    m = masks.get(label)
    if m is None:
        m = masks[label] = period_mask(label, window(ctx)["lower"])
    return m


def group_member_counts(ctx) -> dict[int, int]:
    def compute():
        rows = (ctx.people().filter(status__in=MEMBER_STATUSES, group_id__isnull=False).order_by()
                .values_list("group_id").annotate(n=Count("id")))
        return dict(rows)

    return ctx.memo("orglife.group_member_counts", compute)


def orgs_with_members(ctx, org_type) -> list[Org]:
    """Orgs of a type that have members now (an empty org holds no meetings: no finding)."""

    def compute():
        counts = group_member_counts(ctx) if org_type == OrgType.GROUP else {
            k: v[0] for k, v in member_counts(ctx).items()}
        return [o for o in orgs_by_id(ctx).values() if o.type == org_type and counts.get(o.pk)]

    return ctx.memo(f"orglife.orgs_with_members.{org_type}", compute)


def post_spans(ctx) -> dict[int, list[dict]]:
    """org id → every post (with its dates) in orgs of the scope that the rules here need."""

    def compute():
        roles = set(COMMITTEE_ROLES) | set(LEADING_GROUP_ROLES) | {PostRole.GROUP_LEADER}
        out: dict[int, list[dict]] = defaultdict(list)
        # (no join to the people: the few who make a finding are read by key — `_people_info`)
        for org_id, person_id, role, start, end in _scoped(ctx, Post.objects.filter(role__in=roles)).order_by() \
                .values_list("org_id", "person_id", "role", "start", "end"):
            out[org_id].append({"person_id": person_id, "role": role, "start": start, "end": end})
        return out

    return ctx.memo("orglife.post_spans", compute)


def _holds(p: dict, start: dt.date, end: dt.date) -> bool:
    """The post was held throughout [start, end]."""
    return (p["start"] is None or p["start"] <= start) and (p["end"] is None or p["end"] >= end)


def _current(p: dict, day: dt.date) -> bool:
    return _holds(p, day, day)


def committee_throughout(ctx, org_id: int, start: dt.date, end: dt.date) -> bool:
    """BR-06: the branch had a 支部委员会 (some 组织/宣传/纪检委员 or 委员 in post) for the whole period."""
    spans = ctx.memo("orglife.committee_spans", lambda: _committee_spans(ctx))
    return any(_holds(p, start, end) for p in spans.get(org_id, ()))


def _committee_spans(ctx) -> dict[int, list[dict]]:
    out = defaultdict(list)
    for org_id, posts in post_spans(ctx).items():
        for p in posts:
            if p["role"] in COMMITTEE_ONLY_ROLES:
                out[org_id].append(p)
    return out


def _subject_meeting(row: dict) -> Meeting:
    # A light subject: the key, the org and the DJX id (for `check`) are all a finding needs.
    return Meeting(pk=row["id"], org_id=row["org_id"], type=row.get("type") or "", date=row.get("date"),
                   external_id=row.get("external_id") or "")


CHUNK = 30_000   # ids bound per statement (PostgreSQL allows 65,535 parameters, SQLite 32,766)


def _chunks(ids):
    ids = list(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _people_info(ids, **filters) -> dict[int, tuple[str, int | None, str]]:
    """person id → (name, org id, DJX id) for the people findings name, by key (in bounded chunks:
    in a first year nobody has recorded talks, that is every member)."""
    out = {}
    for chunk in _chunks(ids):
        for pid, name, org_id, ext in Person.objects.filter(pk__in=chunk, **filters).values_list(
                "id", "name", "org_id", "external_id"):
            out[pid] = (name, org_id, ext or "")
    return out


def _subject_person(pk: int, name: str, org_id: int | None, external_id: str = "") -> Person:
    return Person(pk=pk, name=name, org_id=org_id, external_id=external_id or "")


def _period_duty(ctx, *, orgs, mtype, kind, what, rule_note, due_days_key=None, q4_info=False,
                 needed=None):
    """Hits for a periodic duty: each judged period of `kind` without a held meeting of `mtype` is a
    WARN; the running period gives an INFO in its last days (`due_days_key`) or, for yearly duties,
    from 1 October (`q4_info`). `needed(org, start, end)` may exempt an org for a period."""
    months = months_held(ctx)
    ended = _ended(ctx, kind)
    records_from = _bound(ctx, None)      # (once per rule, not per org)
    # The running period, the same for every org (whether it is judged depends on the org's founding).
    label = label_of(kind, ctx.as_of)
    run_start, run_end = bounds(label)
    days = (run_end - ctx.as_of).days
    soon = run_end > ctx.as_of and (
        (days <= int(ctx.setting(due_days_key))) if due_days_key else (q4_info and in_q4(ctx)))
    if soon:
        run_bits = _period_mask(ctx, label)
        unit = {"month": "月末", "quarter": "季度末", "year": "年底"}[kind]
        name = {"month": f"{run_end.month}月", "quarter": human(label)[5:], "year": "本年度"}[kind]
        due = f"{name}{what}尚未召开，距{unit}还有 {days} 天（{rule_note}）"
    missing_text = {p: f"{human(p)}未召开{what}（{rule_note}）" for p, _, _, _ in ended}
    for org in orgs:
        mask = months.get((org.pk, mtype), 0)
        bound = max(org.founded or dt.date.min, records_from)     # = _bound(ctx, org.founded)
        for p, start, end, bits in _starting_from(ended, bound):
            if mask & bits:
                continue
            if needed and not needed(org, start, end):
                continue
            yield Hit(org, missing_text[p], period=p, severity="WARN")
        if soon and bound <= run_start and not mask & run_bits:
            if needed and not needed(org, run_start, ctx.as_of):
                continue
            yield Hit(org, due, period=label, severity="INFO")


engine.aggregate(
    "ORGLIFE-01", title="党支部按期召开党员大会、支委会、党小组会，按期上党课（“三会一课”）",
    citation=f"{ZBTL}第十五条：党支部应当组织党员按期参加党员大会、党小组会和上党课，定期召开支部委员会会议",
    parts=("BR-05", "BR-06", "BR-07", "ORGLIFE-02"),
    shown_in="“组织生活台账”中每个党支部的三会一课完成情况（Word/PDF）和任一组织下各支部的完成情况汇总表（Excel）")


# --- BR-05 … BR-08: 三会 -------------------------------------------------------------------------
@rule("BR-05", reads=TREE + meeting_records([MeetingType.MEMBER_ASSEMBLY]), title="党员大会一般每季度召开1次；表决须有半数以上有表决权的党员到会",
      citation=f"{ZBTL}第十一条：党员大会是党支部的议事决策机构……一般每季度召开1次",
      severity="WARN", subject="org|meeting", period="quarter",
      settings=("orglife_window_months", "orglife_records_from", "orglife_due_soon_days_quarter"))
def member_assembly(ctx):
    """党支部每个已结束的季度（在回溯窗口内，且不早于成立日期和记录起始日期）没有已召开的党员大会：预警，
    从季度最后一天起出现；当前季度的最后若干天（参数）尚未召开：提示。
    会议缺陷（对象为该会议，阻断）：某项表决实到有表决权党员不足应到的半数（2×实到 < 应到；恰好半数为有效）；
    作出表决的党员大会按出席记录有表决权党员到会不足半数。"""
    yield from _period_duty(ctx, orgs=orgs_with_members(ctx, OrgType.BRANCH), mtype=MeetingType.MEMBER_ASSEMBLY,
                            kind="quarter", what="支部党员大会", rule_note="一般每季度召开1次",
                            due_days_key="orglife_due_soon_days_quarter")
    yield from _quorum_hits(ctx, MeetingType.MEMBER_ASSEMBLY)


QUORUM_FIELDS = ("id", "org_id", "type", "date", "external_id", "expected_count", "present_count",
                 "voting_expected", "voting_present", "voted")


def _quorum_candidates(ctx) -> list[dict]:
    """The 党员大会 and 支委会 that may lack a quorum, from one scan of the window's meetings: a vote
    without one (the short votes' meetings as a hashed subquery), a 党员大会 that voted with fewer than
    half of its voting members recorded present, a 支委会 with fewer than half of its members. Every
    other meeting can make no quorum finding and never leaves the database."""

    def compute():
        votes = Resolution.objects.filter(meeting_id=OuterRef("pk"))
        short_votes = _scoped(ctx, Resolution.objects.filter(eligible__gt=2 * F("present")),
                              "meeting__org_id").values("meeting_id")
        base = _scoped(ctx, held_meetings(ctx)).annotate(voted=Exists(votes)).order_by()
        if ctx.org_ids is not None:   # a few orgs: one query
            qs = base.filter(type__in=(MeetingType.MEMBER_ASSEMBLY, MeetingType.COMMITTEE)).filter(
                Q(pk__in=short_votes) | Q(type=MeetingType.MEMBER_ASSEMBLY, voting_expected__gt=2 * F("voting_present"))
                | Q(type=MeetingType.COMMITTEE, expected_count__gt=2 * F("present_count")))
            return [m for m in qs.values(*QUORUM_FIELDS) if m["type"] != MeetingType.MEMBER_ASSEMBLY or m["voted"]]
        # Three narrow reads (each on its own small index) rather than one scan of every meeting.
        out = {}
        short_ids = list(short_votes.values_list("meeting_id", flat=True).distinct())   # a handful, then by key
        for qs in (base.filter(type__in=(MeetingType.MEMBER_ASSEMBLY, MeetingType.COMMITTEE), pk__in=short_ids),
                   base.filter(type=MeetingType.MEMBER_ASSEMBLY, voting_expected__gt=2 * F("voting_present")),
                   base.filter(type=MeetingType.COMMITTEE, expected_count__gt=2 * F("present_count"))):
            for m in qs.values(*QUORUM_FIELDS):
                out[m["id"]] = m
        # (a 党员大会 short of voters that took no vote makes no finding)
        return [m for m in out.values() if m["type"] != MeetingType.MEMBER_ASSEMBLY or m["voted"]]

    return ctx.memo("orglife.quorum_candidates", compute)


def _meetings_with_votes(ctx, mtype):
    """The meetings of `mtype` that voted and may lack a quorum (see `_quorum_candidates`)."""
    return [m for m in _quorum_candidates(ctx) if m["type"] == mtype and m["voted"]]


def _resolutions(ctx, mtype):
    """meeting id → its votes without a quorum, for the 党员大会 or 支委会 (one query for both)."""

    def compute():
        qs = _scoped(ctx, Resolution.objects.filter(
            meeting__state=MeetingState.HELD, meeting__type__in=(MeetingType.MEMBER_ASSEMBLY, MeetingType.COMMITTEE),
            meeting__date__gte=window(ctx)["lower"], meeting__date__lte=ctx.as_of), "meeting__org_id")
        out = {MeetingType.MEMBER_ASSEMBLY: defaultdict(list), MeetingType.COMMITTEE: defaultdict(list)}
        # Only the votes without a quorum (2 × present < eligible) ever make a finding.
        for r in qs.filter(eligible__gt=2 * F("present")).order_by("order", "id").values(
                "meeting_id", "meeting__type", "motion", "eligible", "present"):
            out[r["meeting__type"]][r["meeting_id"]].append(r)
        return out

    return ctx.memo("orglife.resolutions", compute)[mtype]


def _quorum_hits(ctx, mtype):
    out = Collector()
    votes = _resolutions(ctx, mtype)
    body = "有表决权的党员" if mtype == MeetingType.MEMBER_ASSEMBLY else "委员"
    for m in _meetings_with_votes(ctx, mtype):
        exp, pres = ((m["voting_expected"], m["voting_present"]) if mtype == MeetingType.MEMBER_ASSEMBLY
                     else (m["expected_count"], m["present_count"]))
        short = bool(exp and 2 * pres < exp)
        if not short and m["id"] not in votes:
            continue
        subject = _subject_meeting(m)
        for r in votes.get(m["id"], ()):
            if 2 * r["present"] < r["eligible"]:
                out.add(subject, f"表决“{r['motion']}”时实到{body}{r['present']}人，不足应到{r['eligible']}人的半数："
                                 f"须有半数以上{body}到会方可表决，该表决无效", "BLOCK")
        if short:
            out.add(subject, f"会议作出表决，但出席记录中{body}实到{pres}人，不足应到{exp}人的半数", "BLOCK")
    return out.hits()


@rule("BR-06", reads=TREE + meeting_records([MeetingType.COMMITTEE]), title="支委会会议一般每月召开1次，须有半数以上委员到会",
      citation=f"{ZBTL}第十二条：支部委员会会议一般每月召开1次……须有半数以上委员到会方能召开",
      severity="WARN", subject="org|meeting", period="month",
      settings=("orglife_window_months", "orglife_records_from", "orglife_due_soon_days_month"))
def committee_meeting(ctx):
    """只对设有支部委员会的党支部判断（该月全月都有现任组织、宣传、纪检委员或委员）；
    不设支委会、只设书记（副书记）的党支部不要求召开支委会，其议事由党员大会进行（BR-05）。
    已结束的月份（窗口内）没有支委会：预警；当月最后若干天（参数）尚未召开：提示。
    会议缺陷（对象为该会议）：到会委员不足应到的半数（2×实到 < 应到）预警，作出表决的为阻断。"""
    needed = lambda org, start, end: committee_throughout(ctx, org.pk, start, end)  # noqa: E731
    yield from _period_duty(ctx, orgs=orgs_with_members(ctx, OrgType.BRANCH), mtype=MeetingType.COMMITTEE,
                            kind="month", what="支委会", rule_note="一般每月召开1次",
                            due_days_key="orglife_due_soon_days_month", needed=needed)
    out = Collector()
    for h in _quorum_hits(ctx, MeetingType.COMMITTEE):
        out.add(h.subject, h.message, h.severity)
    for m in _quorum_candidates(ctx):
        if m["type"] == MeetingType.COMMITTEE and 2 * m["present_count"] < m["expected_count"]:
            out.add(_subject_meeting(m), f"到会委员{m['present_count']}人，不足应到{m['expected_count']}人的半数："
                                         f"支委会须有半数以上委员到会方能召开", "WARN")
    yield from out.hits()


@rule("BR-07", reads=TREE + meeting_records([MeetingType.GROUP]),
      title="党小组会一般每月召开1次", citation=f"{ZBTL}第十三条：党小组会一般每月召开1次",
      severity="WARN", subject="org", period="month",
      settings=("orglife_window_months", "orglife_records_from", "orglife_due_soon_days_month"))
def group_meeting(ctx):
    """每个有党员的党小组，已结束的月份（窗口内）没有党小组会：预警；当月最后若干天（参数）尚未召开：提示。"""
    yield from _period_duty(ctx, orgs=orgs_with_members(ctx, OrgType.GROUP), mtype=MeetingType.GROUP,
                            kind="month", what="党小组会", rule_note="一般每月召开1次",
                            due_days_key="orglife_due_soon_days_month")


@functools.cache
def _chair_in_post():
    """BR-08's correlated subquery (the same in every run, so built once per process: `Exists` works
    on a copy): a post of the meeting's org held by its chair on the day, of a role that may chair
    that type of meeting."""
    return Post.objects.alias(meeting_type=ExpressionWrapper(OuterRef("type"), output_field=CharField())).filter(
        org_id=OuterRef("org_id"), person_id=OuterRef("chair_id")).filter(
        Q(start__isnull=True) | Q(start__lte=OuterRef("date")), Q(end__isnull=True) | Q(end__gte=OuterRef("date"))).filter(
        Q(meeting_type=MeetingType.GROUP, role=PostRole.GROUP_LEADER)
        | ~Q(meeting_type=MeetingType.GROUP) & Q(role__in=CHAIR_ROLES))


@rule("BR-08", reads=TREE + meeting_records(THREE_MEETING_TYPES), title="党员大会、支委会由书记召集主持，书记可委托副书记或委员主持；党小组会由组长主持",
      citation=f"{ZBTL}第十四条：党员大会、支部委员会会议由书记召集并主持，书记不能参加会议的，"
               f"可以委托副书记或者委员召集并主持；党小组会由党小组组长召集并主持",
      severity="WARN", subject="meeting", settings=("orglife_window_months",))
def meeting_chair(ctx):
    """登记了主持人的党员大会、支委会：主持人在会议当日不是本支部的书记、副书记或委员（受托主持）时预警；
    党小组会：主持人不是该党小组组长，也不是所在支部的书记、副书记或委员时预警。
    组织在会议当日没有任何现任书记、委员（空缺，见 BR-10）时不判断。"""
    # Nearly every meeting is chaired by someone in post in its own org that day: SQL sets those
    # aside with one NOT EXISTS whose role condition depends on the meeting's type (an anti-join on
    # (org, chair) over the `meeting_facts` index), returning only the ids of the rest; their details
    # are read by key.
    ids = list(_scoped(ctx, held_meetings(ctx).filter(type__in=THREE_MEETING_TYPES, chair_id__isnull=False))
               .filter(~Exists(_chair_in_post())).order_by().values_list("id", flat=True))
    rows = [m for chunk in _chunks(ids) for m in Meeting.objects.filter(pk__in=chunk).order_by().values(
        "id", "org_id", "type", "date", "external_id", "chair_id", "chair__name")]
    if not rows:
        return
    om = orgs_by_id(ctx)
    spans = post_spans(ctx)
    # A group's meeting may be chaired by its branch's secretary: read the parent branches' posts too
    # (in an incremental run the parent is in scope, being an ancestor; one query either way).
    steplen = Org.steplen
    group_parent_path = {o.pk: o.path[:-steplen] for o in (om.get(m["org_id"]) for m in rows)
                         if o is not None and o.type == OrgType.GROUP}
    parent_ids = dict(Org.objects.filter(path__in=set(group_parent_path.values())).values_list("path", "pk")) \
        if group_parent_path else {}
    parents = {g: parent_ids.get(path) for g, path in group_parent_path.items()}
    extra = defaultdict(list)
    missing = {pk for pk in parents.values() if pk is not None and pk not in spans}
    if missing:
        for p in Post.objects.filter(org_id__in=missing, role__in=CHAIR_ROLES).values(
                "org_id", "person_id", "role", "start", "end"):
            extra[p["org_id"]].append(p)
    for m in rows:
        day = m["date"]
        org = om.get(m["org_id"])
        if org is None:
            continue
        if m["type"] == MeetingType.GROUP:
            posts = [p for p in spans.get(org.pk, ()) if p["role"] == PostRole.GROUP_LEADER]
            parent = parents.get(org.pk)
            if parent is not None:
                posts += [p for p in spans.get(parent, extra.get(parent, ())) if p["role"] in CHAIR_ROLES]
            who = "党小组组长或所在支部的书记、副书记、委员"
        else:
            posts = [p for p in spans.get(org.pk, ()) if p["role"] in CHAIR_ROLES]
            who = "书记，或受书记委托的副书记、委员"
        current = {p["person_id"] for p in posts if _current(p, day)}
        if current and m["chair_id"] not in current:
            yield Hit(_subject_meeting(m), f"{day:%Y-%m-%d}{MeetingType(m['type']).label}由{m['chair__name']}主持，"
                                           f"其不是会议当日的{who}：应由{who}召集并主持")


# --- ORGLIFE: 党课, 主题党日, 组织生活会, 谈心谈话, 民主评议, 双重组织生活 -----------------------------


@rule("ORGLIFE-02", reads=TREE + meeting_records([MeetingType.LECTURE]), title="党支部按期上党课；党委（党组）书记每年至少讲1次党课",
      citation=f"{ZBTL}第十五条：党员领导干部应当定期为基层党员讲党课，党委（党组）书记每年至少讲1次党课",
      severity="WARN", subject="org|person", period="quarter",
      settings=("lecture_per", "orglife_window_months", "orglife_records_from", "orglife_due_soon_days_quarter"))
def lectures(ctx):
    """党支部党课按参数 `lecture_per` 判断：quarter（默认，每季度至少1次，地方通行做法 [P]）或 year（每年至少1次），
    DJX 文件的 meta.settings 可覆盖；预警说明所用的参数。只计本支部登记的党课。
    机关党委、机关工委书记和党组（党委）书记（第一责任人）：年度结束时全年没有以其为授课人的党课（在任何组织登记的均可）：
    预警，对象为该书记本人；第四季度内尚未讲：提示。只判断年底在任、且在10月1日前已任职的书记。"""
    per = ctx.setting("lecture_per")
    kind = per if per in ("quarter", "year") else "quarter"
    note = {"quarter": "按参数 lecture_per=quarter：每季度至少1次", "year": "按参数 lecture_per=year：每年至少1次"}[kind]
    if per not in ("quarter", "year"):
        note += f"（参数值“{per}”无效，已按每季度判断）"
    yield from _period_duty(ctx, orgs=orgs_with_members(ctx, OrgType.BRANCH), mtype=MeetingType.LECTURE,
                            kind=kind, what="支部党课", rule_note=note,
                            due_days_key="orglife_due_soon_days_quarter" if kind == "quarter" else None,
                            q4_info=kind == "year")
    yield from _secretary_lectures(ctx)


def _secretary_lectures(ctx):
    om = orgs_by_id(ctx)
    spans = post_spans(ctx)
    secretaries = []
    for org_id, posts in spans.items():
        org = om.get(org_id)
        if org is None or org.type not in SECRETARY_ORG_TYPES:
            continue
        secretaries += [(org, p) for p in posts if p["role"] in LECTURING_SECRETARY_ROLES]
    if not secretaries:
        return
    years = [(y, False) for y in judged_periods(ctx, "year", None)]
    running = running_period(ctx, "year", None)
    if running and in_q4(ctx):
        years.append((running[0], True))
    if not years:
        return
    given = set(Meeting.objects.filter(state=MeetingState.HELD, type=MeetingType.LECTURE, date__lte=ctx.as_of,
                                       date__gte=window(ctx)["lower"],
                                       lecturer_id__in={p["person_id"] for _, p in secretaries})
                .order_by().values_list("lecturer_id", ExtractYear("date")).distinct())
    due = []
    for label, is_running in years:
        start, end = bounds(label)
        day = ctx.as_of if is_running else end
        for org, p in secretaries:
            if not _current(p, day) or not _starts_ok(ctx, start, org.founded):
                continue
            if p["start"] and p["start"] >= dt.date(int(label), *Q4_START):
                continue
            if (p["person_id"], int(label)) in given:
                continue
            due.append((label, is_running, end, org, p))
    info = _people_info({p["person_id"] for *_, p in due})
    for label, is_running, end, org, p in due:
        if p["person_id"] not in info:
            continue
        name, person_org, ext = info[p["person_id"]]
        who = f"{org.name}{PostRole(p['role']).label}{name}"
        person = _subject_person(p["person_id"], name, person_org, ext)
        if is_running:
            yield Hit(person, f"{who}本年度尚未讲党课，距年底还有 {(end - ctx.as_of).days} 天：党委（党组）书记每年至少讲1次党课",
                      period=label, severity="INFO", org_id=org.pk)
        else:
            yield Hit(person, f"{who}{human(label)}未讲党课：党委（党组）书记每年至少讲1次党课",
                      period=label, severity="WARN", org_id=org.pk)


@rule("ORGLIFE-03", reads=TREE + meeting_records([MeetingType.THEME_DAY]), title="党支部每月相对固定1天开展主题党日",
      citation=f"{ZBTL}第十六条：党支部应当每月相对固定1天开展主题党日",
      severity="WARN", subject="org", period="month",
      settings=("orglife_window_months", "orglife_records_from", "orglife_due_soon_days_month"))
def theme_day(ctx):
    """每个有党员的党支部，已结束的月份（窗口内）没有主题党日：预警；当月最后若干天（参数）尚未开展：提示。"""
    yield from _period_duty(ctx, orgs=orgs_with_members(ctx, OrgType.BRANCH), mtype=MeetingType.THEME_DAY,
                            kind="month", what="主题党日", rule_note="每月相对固定1天开展",
                            due_days_key="orglife_due_soon_days_month")


@rule("ORGLIFE-04", reads=TREE + meeting_records([MeetingType.ORG_LIFE]), title="每年至少召开1次组织生活会，一般安排在第四季度",
      citation=f"{ZBTL}第十七条：组织生活会一般每年召开1次，一般安排在第四季度",
      severity="WARN", subject="org", period="year", settings=("orglife_window_months", "orglife_records_from"))
def org_life_meeting(ctx):
    """党支部在已结束的年度（12月31日起判断）没有组织生活会：预警；当年10月1日起尚未召开：提示。"""
    yield from _period_duty(ctx, orgs=orgs_with_members(ctx, OrgType.BRANCH), mtype=MeetingType.ORG_LIFE,
                            kind="year", what="组织生活会", rule_note="每年至少召开1次，一般安排在第四季度",
                            q4_info=True)


def _appraisal_years(ctx) -> set[tuple[int, int]]:
    def compute():
        w = window(ctx)
        rows = set(_scoped(ctx, Appraisal.objects.filter(year__gte=w["lower"].year, year__lte=ctx.as_of.year))
                   .values_list("org_id", "year"))
        return rows

    return ctx.memo("orglife.appraisal_years", compute)


@rule("ORGLIFE-06", reads=TREE + meeting_records([MeetingType.DEMOCRATIC_APPRAISAL]) + (Appraisal,),
      title="党支部一般每年开展1次民主评议党员",
      citation=f"{ZBTL}第十九条：党支部一般每年开展1次民主评议党员",
      severity="WARN", subject="org", period="year", settings=("orglife_window_months", "orglife_records_from"))
def democratic_appraisal(ctx):
    """已结束的年度既没有民主评议结果（评定等次），也没有“民主评议党员”会议：预警；当年10月1日起尚未开展：提示。"""
    done = _appraisal_years(ctx)
    for h in _period_duty(ctx, orgs=orgs_with_members(ctx, OrgType.BRANCH),
                          mtype=MeetingType.DEMOCRATIC_APPRAISAL, kind="year", what="民主评议党员",
                          rule_note="一般每年开展1次", q4_info=True):
        if (h.subject.pk, int(h.period)) not in done:
            yield h


@rule("DLH-01", reads=TREE + meeting_records([MeetingType.DEMOCRATIC_LIFE]), title="领导班子民主生活会每年召开1次，到会人数须达到应到会人数的2/3以上",
      citation=f"{DSHGD}：民主生活会每年召开1次，一般安排在第四季度……到会人数须达到应到会人数的2/3以上",
      severity="WARN", subject="org|meeting", period="year",
      settings=("orglife_window_months", "orglife_records_from"))
def democratic_life(ctx):
    """党组（党委）有现任班子成员的：已结束的年度没有民主生活会预警，当年10月1日起尚未召开提示；
    民主生活会到会不足应到的2/3（3×实到 < 2×应到）：对该会议阻断。"""
    spans = post_spans(ctx)
    groups = [o for o in orgs_by_id(ctx).values() if o.type == OrgType.LEADING_GROUP
              and any(p["role"] in LEADING_GROUP_ROLES and _current(p, ctx.as_of) for p in spans.get(o.pk, ()))]
    yield from _period_duty(ctx, orgs=groups, mtype=MeetingType.DEMOCRATIC_LIFE, kind="year",
                            what="领导班子民主生活会", rule_note="每年召开1次，一般安排在第四季度", q4_info=True)
    rows = _scoped(ctx, held_meetings(ctx).filter(type=MeetingType.DEMOCRATIC_LIFE, expected_count__gt=0)).order_by() \
        .values("id", "org_id", "type", "date", "external_id", "expected_count", "present_count")
    for m in rows:
        if 3 * m["present_count"] < 2 * m["expected_count"]:
            yield Hit(_subject_meeting(m), f"民主生活会实到{m['present_count']}人，不足应到{m['expected_count']}人的2/3："
                                           f"到会人数须达到应到会人数的2/3以上", severity="BLOCK")


@functools.lru_cache(maxsize=8)
def _talk_pair_in_org(days: int):
    """TALK-01's correlated subquery for N days (built once per process and N): a talk recorded by
    the meeting's org in the N days up to the meeting, between two of its attendees."""
    return Talk.objects.filter(org_id=OuterRef("org_id"), date__lte=OuterRef("date"),
                               date__gte=DaysBefore(OuterRef("date"), days)).filter(
        Exists(Attendance.objects.filter(meeting_id=OuterRef(OuterRef("pk")), person_id=OuterRef("a_id"))),
        Exists(Attendance.objects.filter(meeting_id=OuterRef(OuterRef("pk")), person_id=OuterRef("b_id"))))


# --- 谈心谈话 --------------------------------------------------------------------------------------
@rule("TALK-01", reads=TREE + meeting_records(TALK_MEETING_TYPES) + (Talk,), title="组织生活会、民主生活会召开前应开展谈心谈话",
      citation=f"{ZBTL}第十七条：召开组织生活会前，党支部应当……开展谈心谈话",
      severity="WARN", subject="meeting", settings=("talk_before_meeting_days", "orglife_window_months"))
def talks_before_meeting(ctx):
    """窗口内召开的组织生活会、民主生活会：会前 N 天内（参数，默认60天，含会议当日）应到会人员之间
    没有任何一次谈心谈话记录时，对该会议预警。"""
    days = int(ctx.setting("talk_before_meeting_days"))
    judged = _scoped(ctx, held_meetings(ctx).filter(type__in=(MeetingType.ORG_LIFE, MeetingType.DEMOCRATIC_LIFE)))
    # First, in the database: a meeting is set aside when a talk recorded by its own org in its N days
    # was between two of its attendees — the usual case, found on the first talk of the (org, date)
    # index with two probes of the attendance key. Only the rest (talks recorded elsewhere, or none)
    # are judged below against every talk of their attendees.
    meetings = list(judged.filter(~Exists(_talk_pair_in_org(days))).order_by().values(
        "id", "org_id", "type", "date", "external_id"))
    if not meetings:
        return
    attendees = defaultdict(set)
    for chunk in _chunks([m["id"] for m in meetings]):
        for mid, pid in Attendance.objects.filter(meeting_id__in=chunk).values_list("meeting_id", "person_id"):
            attendees[mid].add(pid)
    everyone = set().union(*attendees.values()) if attendees else set()
    # Their attendees' talks inside some meeting's N days (the union of those days: a few spans,
    # mostly the autumns): by person when they are few, else one read of the spans.
    spans: list[list[dt.date]] = []
    for day in sorted({m["date"] for m in meetings}):
        lo = day - dt.timedelta(days=days)
        if spans and lo <= spans[-1][1] + dt.timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([lo, day])
    in_spans = Q()
    for lo, hi in spans:
        in_spans |= Q(date__gte=lo, date__lte=hi)
    talks = Talk.objects.filter(in_spans)
    if len(everyone) <= CHUNK:
        talks = talks.filter(a_id__in=list(everyone))
    by_person = defaultdict(list)
    for a, b, d in talks.order_by().values_list("a_id", "b_id", "date"):
        by_person[a].append((b, d))
    for m in meetings:
        people = attendees.get(m["id"], set())
        lo = m["date"] - dt.timedelta(days=days)
        ok = any(b in people and lo <= d <= m["date"] for a in people for b, d in by_person.get(a, ()))
        if not ok and people:
            yield Hit(_subject_meeting(m), f"{m['date']:%Y-%m-%d}{MeetingType(m['type']).label}召开前{days}天内，"
                                           f"参会人员之间没有谈心谈话记录：会前应开展谈心谈话")


def _members_joined_by(ctx, day: dt.date):
    """Current members (in scope) who were already members on `day`."""
    return ctx.people().filter(status__in=MEMBER_STATUSES, org_id__isnull=False).filter(joined_by(day))


@rule("ORGLIFE-05", reads=TREE + (Talk,), title="支委和党员之间每年谈心谈话一般不少于1次",
      citation=f"{ZBTL}第十八条：支部委员之间、支部委员和党员之间、党员和党员之间，每年谈心谈话一般不少于1次",
      severity="WARN", subject="person", period="year", settings=("orglife_window_months", "orglife_records_from"))
def yearly_talks(ctx):
    """已结束的年度（窗口内）：党支部的党员全年没有与本支部任一支部委员（书记、副书记、委员，在当年任过职的）
    谈心谈话记录：预警，对象为该党员。支部委员本人须与另一名支部委员谈过；只设书记的支部，书记与任一党员谈过即可。
    只判断当年1月1日前已入党、现为本支部党员的人；支部没有任何支部委员的不判断。"""
    years = []
    om = orgs_by_id(ctx)
    for label in window(ctx)["ended"]["year"]:
        start, end = bounds(label)
        years.append((label, start, end))
    if not years:
        return
    spans = post_spans(ctx)
    for label, start, end in years:
        talks = Talk.objects.filter(date__gte=start, date__lte=end)
        if ctx.org_ids is None:
            # Only a talk with a 支部委员 can cover anyone: the others never leave the database.
            committee_people = Post.objects.filter(role__in=COMMITTEE_ROLES).filter(
                Q(start__isnull=True) | Q(start__lte=end), Q(end__isnull=True) | Q(end__gte=start)).values("person_id")
            talks = talks.filter(Q(a_id__in=committee_people) | Q(b_id__in=committee_people))
        else:
            # The scope's people by id (the talks' person indexes), never a scan of the year's talks;
            # a large scope (a big import) as a subquery, within the statement's parameter limit.
            people = list(ctx.people().values_list("id", flat=True)[:CHUNK // 2 + 1])
            if len(people) > CHUNK // 2:
                people = ctx.people().values("id")
            talks = talks.filter(Q(a_id__in=people) | Q(b_id__in=people))
        # The branches judged this year and their 支部委员 (in post at some time in the year), and
        # for each 委员 the branches they sit on.
        committees: dict[int, set[int]] = {}
        sits_on: dict[int, list[int]] = defaultdict(list)
        for org_id, posts in spans.items():
            org = om.get(org_id)
            if org is None or org.type != OrgType.BRANCH or not _starts_ok(ctx, start, org.founded):
                continue
            committee = {p["person_id"] for p in posts if p["role"] in COMMITTEE_ROLES
                         and (p["start"] is None or p["start"] <= end) and (p["end"] is None or p["end"] >= start)}
            if committee:
                committees[org_id] = committee
                for pid in committee:
                    sits_on[pid].append(org_id)
        # (person, branch) for every talk with one of that branch's 委员: a member of the branch so
        # paired is covered (a 委员 by a talk with another 委员 — a talk is between two people).
        covered: set[tuple[int, int]] = set()
        for a, b in talks.order_by().values_list("a_id", "b_id"):
            if a == b:
                continue
            for org_id in sits_on.get(b, ()):
                covered.add((a, org_id))
            for org_id in sits_on.get(a, ()):
                covered.add((b, org_id))
        missing = []
        no_one: set[int] = set()
        # (the per-member test of `coverage.covered`, one set lookup per member: a million members
        # at province scale)
        for pid, org_id in _members_joined_by(ctx, start).order_by().values_list("id", "org_id"):
            committee = committees.get(org_id)
            if committee is None or (pid, org_id) in covered:
                continue
            if len(committee) == 1 and pid in committee:
                no_one.add(pid)    # the only 支部委员: a talk with anyone counts (read below)
                continue
            missing.append(pid)
        if no_one:
            anyone = set(Talk.objects.filter(date__gte=start, date__lte=end).filter(
                Q(a_id__in=no_one) | Q(b_id__in=no_one)).values_list("a_id", "b_id"))
            talked = {x for pair in anyone for x in pair}
            missing += [pid for pid in no_one if pid not in talked]
        info = _people_info(missing)
        for pid in sorted(info):
            name, org_id, ext = info[pid]
            yield Hit(_subject_person(pid, name, org_id, ext),
                      f"{human(label)}{name}没有与支部委员谈心谈话的记录：支部委员和党员之间每年谈心谈话一般不少于1次",
                      period=label)



@rule("ORGLIFE-07", reads=TREE + meeting_records([MeetingType.ORG_LIFE]), title="党员领导干部应以普通党员身份参加所在党支部（党小组）的组织生活会",
      citation=f"{DSHGD}第三条第二款：党员领导干部除参加所在领导班子的民主生活会外，"
               f"还应当以普通党员身份参加所在党支部（党小组）的组织生活会",
      severity="WARN", subject="person", period="year", settings=("orglife_window_months", "orglife_records_from"))
def cadre_dual_life(ctx):
    """标为党员领导干部的党员，所在党支部（党小组）当年召开的组织生活会一次也没有出席（有缺席记录）：预警；
    只有请假没有缺席的：提示。所在支部当年没有召开组织生活会的不在此判断（见 ORGLIFE-04）。"""
    w = window(ctx)
    rows = (Attendance.objects.filter(person__leading_cadre=True, meeting__state=MeetingState.HELD,
                                      meeting__type=MeetingType.ORG_LIFE, meeting__date__gte=w["lower"],
                                      meeting__date__lte=ctx.as_of)
            .filter(Q(meeting__org_id=F("person__org_id")) | Q(meeting__org_id=F("person__group_id"))))
    if ctx.org_ids is not None:
        rows = rows.filter(person__org_id__in=ctx.org_ids)
    seen: dict[tuple[int, int], dict] = {}
    for pid, name, org_id, ext, status, d in rows.order_by().values_list(
            "person_id", "person__name", "person__org_id", "person__external_id", "status", "meeting__date"):
        if not _starts_ok(ctx, dt.date(d.year, 1, 1), None):
            continue
        s = seen.setdefault((pid, d.year), {"name": name, "org": org_id, "ext": ext, "st": set()})
        s["st"].add(status)
    for (pid, year), s in seen.items():
        if AttendanceStatus.PRESENT in s["st"]:
            continue
        absent = AttendanceStatus.ABSENT in s["st"]
        yield Hit(_subject_person(pid, s["name"], s["org"], s["ext"]),
                  f"党员领导干部{s['name']}{year}年{'未出席' if absent else '请假未参加'}所在党支部（党小组）的组织生活会："
                  f"应以普通党员身份参加", period=str(year), severity="WARN" if absent else "INFO")


# --- REL-01: 连续六个月不参加组织生活 -----------------------------------------------------------
def _org_life_attendance(ctx):
    """Attendance at the organisational life held in the window (people of the scope only)."""
    w = window(ctx)
    # The meeting's date and kind are on the row itself (`Attendance.counts_as_org_life`): no join.
    rows = Attendance.objects.filter(counts_as_org_life=True, meeting_date__gte=w["lower"],
                                     meeting_date__lte=ctx.as_of)
    # In an incremental run, start from the scope's people (the attendance index on person), never
    # from the window's meetings.
    return rows if ctx.org_ids is None else rows.filter(person_id__in=ctx.people().values("id"))


@rule("REL-01", reads=MEETINGS, title="党员无正当理由连续六个月不参加党的组织生活",
      citation=f"{DZ}第九条：党员如果没有正当理由，连续六个月不参加党的组织生活，或不交纳党费，"
               f"或不做党所分配的工作，就被认为是自行脱党",
      severity="WARN", subject="person", settings=("absence_alert_months", "orglife_window_months",
                                                   "orglife_records_from"))
def absence_streak(ctx):
    """按出席记录计：党员最后一次出席或请假（正当理由）之后，所有应到会议都缺席；从最后一次参加的下一个月起，
    第一次缺席的月份到最后一次缺席的月份（含两端）满6个自然月：预警（第6个月即为界限，例如1月至6月；参加过组织生活的
    那个月不计入）；满“提前提示月数”（参数，默认3）：提示。
    没有应到会议的月份不单独计入起止。只计组织生活（不含理论学习中心组），记录窗口同上。"""
    early = int(ctx.setting("absence_alert_months") or 0)
    shortest = min(early, REL_MONTHS) if early else REL_MONTHS
    took = Q(status__in=(AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED))
    absent = Q(status=AttendanceStatus.ABSENT)
    rows = _org_life_attendance(ctx)
    # Absences are rare (about 1 in 100 rows): first the people whose absences span at least the
    # shortest streak (from the small index of absences), then only their last participation (the
    # index of participations, one probe each). A member whose absences span fewer months can have
    # no streak that long — the 50 million rows of participation are never aggregated.
    spans = list(rows.filter(absent).order_by().values("person_id")
                 .annotate(first_absent=Min("meeting_date"), absent=Max("meeting_date"))
                 .alias(months=MonthIndex(F("absent")) - MonthIndex(F("first_absent")))
                 .filter(months__gte=shortest - 1)
                 .values_list("person_id", "absent", "first_absent"))
    last_took: dict[int, dt.date] = {}
    ids = [pid for pid, _, _ in spans]
    for i in range(0, len(ids), 30_000):     # (bound parameters per statement: PostgreSQL 65,535, SQLite 32,766)
        last_took.update(rows.filter(took, person_id__in=ids[i:i + 30_000]).order_by().values("person_id")
                         .annotate(took=Max("meeting_date")).values_list("person_id", "took"))
    streaks: dict[int, tuple[int, int]] = {}   # person → first and last month (month_index) of absences
    resumed: dict[int, int] = {}               # person → the month they last took part
    for pid, last_absent, first_absent in spans:
        took_day = last_took.get(pid)
        if took_day is not None and last_absent <= took_day:
            continue                           # took part after their last absence: no running streak
        end = month_index(last_absent)
        if took_day is None:
            streaks[pid] = (month_index(first_absent), end)
        elif end - month_index(took_day) >= shortest:
            # The streak starts in the first month after `took_day` with an absence: read those few
            # people's absences (a streak starting the very next month is still too short otherwise).
            resumed[pid] = month_index(took_day)
    if resumed:
        for pid, day in rows.filter(absent, person_id__in=list(resumed)).order_by().values_list(
                "person_id", "meeting_date"):
            i = month_index(day)
            if i > resumed[pid]:
                first, end = streaks.get(pid, (i, i))
                streaks[pid] = (min(first, i), max(end, i))
    flagged = {pid: (first, end, end - first + 1) for pid, (first, end) in streaks.items()
               if end - first + 1 >= shortest}
    if not flagged:
        return
    info = _people_info(flagged, status__in=MEMBER_STATUSES)
    for pid, (first, last_, span) in flagged.items():
        if pid not in info:
            continue   # no longer a member
        name, org_id, ext = info[pid]
        f, l_ = month_of_index(first), month_of_index(last_)
        if span >= REL_MONTHS:
            msg = (f"{name}自{f}至{l_}连续{span}个月应到的组织生活全部缺席（无请假）：无正当理由连续六个月不参加党的组织生活，"
                   f"按党章第九条应认定为自行脱党，请支部核实并按程序处理")
            sev = "WARN"
        else:
            msg = f"{name}自{f}至{l_}连续{span}个月应到的组织生活全部缺席（无请假）：请及时谈心谈话、督促参加组织生活"
            sev = "INFO"
        yield Hit(_subject_person(pid, name, org_id, ext), msg, severity=sev)


# --- EVAL: 民主评议等次 ----------------------------------------------------------------------------
def _grade_rows(ctx):
    def compute():
        w = window(ctx)
        qs = _scoped(ctx, AppraisalGrade.objects.filter(appraisal__year__gte=w["lower"].year,
                                                        appraisal__year__lte=ctx.as_of.year), "appraisal__org_id")
        return qs

    return ctx.memo("orglife.grades", compute)


@rule("EVAL-01", reads=TREE + APPRAISALS, title="民主评议中评为“优秀”的一般不超过党员总数的1/3",
      citation="共产党员网《民主评议党员》专题：评为“优秀”的一般不超过党员总数的1/3", severity="BLOCK",
      subject="org", period="year")
def excellent_share(ctx):
    """某年度民主评议结果中，优秀人数×3 > 参评人数（含不评定等次的预备党员）：阻断（登记时即拒绝；导入的数据可能有）。
    恰好1/3不预警。"""
    om = orgs_by_id(ctx)
    rows = (_grade_rows(ctx).order_by().values("appraisal__org_id", "appraisal__year")
            .annotate(total=Count("id"), excellent=Count("id", filter=Q(grade=Grade.EXCELLENT))))
    for r in rows:
        org = om.get(r["appraisal__org_id"])
        if org is not None and 3 * r["excellent"] > r["total"]:
            yield Hit(org, f"{r['appraisal__year']}年民主评议评为优秀{r['excellent']}人，超过参评党员{r['total']}人的1/3"
                           f"（最多{r['total'] // 3}人）", period=str(r["appraisal__year"]))


@rule("EVAL-02", reads=MEETINGS + APPRAISALS,
      title="预备党员参加民主评议，但不评定等次", citation="民主评议党员通知（[P] 机关党支部做法）：预备党员参加民主评议，但不评定等次",
      severity="WARN", subject="person", period="year")
def probationary_graded(ctx):
    """评议当日（有评议会议的取会议日期，否则取当年12月31日，不晚于判断日）仍是预备党员（尚未转正）却评定了等次：预警。"""
    # Only someone confirmed after the window began (or not confirmed at all) can have been
    # probationary at an appraisal in the window: SQL sets everyone else aside.
    maybe = Q(person__full_member_date__gt=dt.date(window(ctx)["lower"].year, 1, 1)) | Q(
        person__full_member_date__isnull=True, person__status=Status.PROBATIONARY)
    rows = _grade_rows(ctx).filter(grade__isnull=False).filter(maybe).order_by().values(
        "person_id", "person__name", "person__org_id", "person__external_id", "person__status",
        "person__full_member_date", "appraisal__year", "appraisal__meeting__date", "grade")
    for r in rows:
        year = r["appraisal__year"]
        day = min(r["appraisal__meeting__date"] or dt.date(year, 12, 31), ctx.as_of)
        fmd = r["person__full_member_date"]
        probationary = (fmd > day) if fmd else r["person__status"] == Status.PROBATIONARY
        if probationary:
            yield Hit(_subject_person(r["person_id"], r["person__name"], r["person__org_id"], r["person__external_id"]),
                      f"{r['person__name']}在{year}年民主评议时是预备党员，却评定为“{Grade(r['grade']).label}”："
                      f"预备党员参加民主评议，但不评定等次", period=str(year))
