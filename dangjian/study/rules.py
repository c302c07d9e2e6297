"""学习培训 rules (rules.md §6 EDU-01, EDU-02): the hours a member earned in a year, judged for the years
that have ended (period = the year), with an INFO from 1 October of the running year; a new branch
secretary's induction training within six months. A branch is judged for a year only if its study is
recorded that year (someone's hours are entered as the branch's own records — not a 任职培训, not the hours
a 中心组学习 or a training class credits): a platform or a DJX file that does not record study does not produce
a warning for every member."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.core.periods import add_months
from dangjian.orglife.rules import _scoped, _subject_person
from dangjian.people.choices import MEMBER_STATUSES

from .choices import StudyKind

JY = "《中国共产党党员教育管理工作条例》"
PLAN = "《全国党员教育培训工作规划》"
# (a 中心组学习's credited hours are StudyRecords kept in step with the meeting: deleting or cancelling
# the meeting removes them, so EDU-01/EDU-02 read those meetings too)
READS = ("people.person", "study.studyrecord", "orgs.post", "orgs.org", "orglife.meeting[study_center]")
# EDU-02: 基层党组织书记和班子成员 — the posts of a branch's (or committee's) 委员会.
CADRE_ROLES = ("secretary", "deputy_secretary", "organization", "propaganda", "discipline", "member")
CADRE_ORG_TYPES = ("branch", "general_branch", "committee")

engine.setting("study_hours_member", 32, "党员每年集中学习培训学时（EDU-01）", rules=("EDU-01",))
engine.setting("study_hours_cadre", 56, "基层党组织书记和班子成员每年集中学习培训学时（EDU-02）", rules=("EDU-02",))
engine.setting("training_day_hours", 8, "培训班全天计多少学时（半天为一半；EDU-01 通行计算方法）", rules=("EDU-01", "EDU-02"))
engine.setting("new_secretary_training_months", 6, "新任党支部书记应在几个月内参加任职培训（EDU-02）",
               rules=("EDU-02",))


def _last_ended_year(ctx) -> int:
    return ctx.as_of.year if (ctx.as_of.month, ctx.as_of.day) == (12, 31) else ctx.as_of.year - 1


def _hours(ctx):
    """(person, year) → hours, and the (org, year) pairs whose study is on record."""
    def load():
        from .models import StudyRecord

        rows = StudyRecord.objects.filter(date__lte=ctx.as_of)
        if ctx.org_ids is not None:
            # A member's hours wherever they were earned (a member who moved keeps them), and the
            # scope's records for which branches record study.
            rows = rows.filter(Q(org_id__in=ctx.org_ids) | Q(person_id__in=ctx.people().values("id")))
        hours: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        recorded: set[tuple[int, int]] = set()
        for pid, org_id, day, h, kind, meeting, klass in rows.order_by().values_list(
                "person_id", "org_id", "date", "hours", "kind", "meeting_id", "training_class_id"):
            hours[(pid, day.year)] += h
            # Only the branch's own records say it records study: not one secretary's 任职培训, not the hours a
            # 中心组学习 or a class of the level above credits to a few of its members.
            if kind != StudyKind.INDUCTION and meeting is None and klass is None:
                recorded.add((org_id, day.year))
        return hours, recorded
    return ctx.memo("study.hours", load)


def _members(ctx, year: int):
    """Members for the whole year: a member on 1 January (入党 before it), still a member."""
    from dangjian.people.models import Person

    qs = _scoped(ctx, Person.objects.filter(status__in=list(MEMBER_STATUSES)))
    return [p for p in qs.order_by().values("pk", "name", "org_id", "external_id", "probationary_date")
            if p["probationary_date"] is None or p["probationary_date"] <= dt.date(year, 1, 1)]


def _cadres(ctx, year: int) -> set[int]:
    from dangjian.orgs.models import Post

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    qs = _scoped(ctx, Post.objects.filter(role__in=CADRE_ROLES, org__type__in=CADRE_ORG_TYPES), "org_id")
    qs = qs.exclude(end__lt=start).exclude(start__gt=end)
    return set(qs.values_list("person_id", flat=True))


def _cadres_by_year(ctx):
    cache: dict[int, set[int]] = {}

    def of(year: int) -> set[int]:
        if year not in cache:
            cache[year] = _cadres(ctx, year)
        return cache[year]
    return of


def _hit(p, message, period, severity=None):
    return Hit(_subject_person(p["pk"], p["name"], p["org_id"], p["external_id"]), f"{p['name']}：{message}",
               period=period, severity=severity, org_id=p["org_id"])


def _judge_hours(ctx, need_for, label: str):
    """Each year with study on record: ended years WARN, the running year INFO from 1 October."""
    hours, recorded = _hours(ctx)
    last = _last_ended_year(ctx)
    running = ctx.as_of.year if ctx.as_of.month >= 10 and last != ctx.as_of.year else None
    for year in sorted({y for _, y in recorded if y <= last or y == running}):
        orgs = {o for o, y in recorded if y == year}
        for p in _members(ctx, year):
            need = need_for(p, year)
            if need is None or p["org_id"] not in orgs:
                continue
            got = hours.get((p["pk"], year), Decimal("0"))
            if got < need:
                if year == running:
                    yield _hit(p, f"{year}年{label}已有{got:g}学时，年底前应不少于{need}学时", str(year), "INFO")
                else:
                    yield _hit(p, f"{year}年{label}{got:g}学时，不足{need}学时", str(year))


@rule("EDU-01", reads=READS, title="党员每年集中学习培训时间一般不少于32学时", citation=f"{JY}第二十条",
      severity="WARN", subject="person", period="year", settings=("study_hours_member",))
def member_hours(ctx):
    """全年都是党员（1月1日前入党）的党员，某一已结束年度的集中学习培训学时少于参数（默认32学时；31.9学时不足，32学时
    即合格）：预警，期间为该年度；当年自10月1日起不足的：提示。只判断当年有学习记录的党组织（有人登记了本组织的学时；
    任职培训、中心组学习和培训班计入的学时不算本组织登记）；书记和班子成员按 EDU-02 判断。"""
    need = int(ctx.setting("study_hours_member"))
    cadres = _cadres_by_year(ctx)
    yield from _judge_hours(ctx, lambda p, y: None if p["pk"] in cadres(y) else need, "集中学习培训")


@rule("EDU-02", reads=READS, title="基层党组织书记和班子成员每年集中学习培训不少于56学时；新任书记半年内任职培训",
      citation=f"{PLAN}；{JY}", severity="WARN", subject="person", period="year",
      settings=("study_hours_cadre", "new_secretary_training_months"))
def cadre_hours(ctx):
    """党支部（总支、基层党委）的书记、副书记和委员，某一已结束年度的集中学习培训少于参数（默认56学时）：预警，期间为该年度；
    新任书记自任职之日起 N 个月（参数，默认6）内（到期当日参加的也算）没有任职培训记录：到期次日起预警，期间为任职的年度；
    同一年度两项都不足的合为一条。"""
    from dangjian.orgs.models import Post

    from .models import StudyRecord

    need = int(ctx.setting("study_hours_cadre"))
    cadres = _cadres_by_year(ctx)
    # One finding per person and year: the hours and the induction say both when both are short.
    found: dict[tuple[int, str], Hit] = {}
    for h in _judge_hours(ctx, lambda p, y: need if p["pk"] in cadres(y) else None, "书记、班子成员集中学习培训"):
        found[(h.subject.pk, h.period)] = h
    months = int(ctx.setting("new_secretary_training_months"))
    _, recorded = _hours(ctx)
    posts = [(pid, start) for pid, org_id, start in _scoped(ctx, Post.objects.filter(
        role="secretary", org__type__in=CADRE_ORG_TYPES, start__isnull=False), "org_id").values_list(
        "person_id", "org_id", "start")
        if add_months(start, months) < ctx.as_of and (org_id, add_months(start, months).year) in recorded]
    if not posts:
        yield from found.values()
        return
    trained = defaultdict(list)
    for pid, day in StudyRecord.objects.filter(person_id__in=[p for p, _ in posts], kind=StudyKind.INDUCTION) \
            .values_list("person_id", "date"):
        trained[pid].append(day)
    from dangjian.people.models import Person

    info = {p["pk"]: p for p in Person.objects.filter(pk__in=[p for p, _ in posts], status__in=list(MEMBER_STATUSES))
            .values("pk", "name", "org_id", "external_id")}
    for pid, start in posts:
        if pid in info and not any(start - dt.timedelta(days=31) <= d <= add_months(start, months) for d in trained[pid]):
            h = _hit(info[pid], f"{start:%Y-%m-%d}任党支部书记，{months}个月内没有任职培训记录", str(start.year))
            key = (pid, h.period)
            if key in found:
                old = found[key]
                found[key] = Hit(old.subject, f"{old.message}；{start:%Y-%m-%d}任党支部书记，{months}个月内没有任职培训记录",
                                 period=old.period, severity="WARN", org_id=old.org_id)
            else:
                found[key] = h
    yield from found.values()


engine.setting("lecture_poor_score", 3, "党课平均评分低于多少分需补课（LECT-01，满分5分）", rules=("LECT-01",))
engine.setting("lecture_min_ratings", 3, "党课至少有几条评价才判断好坏（LECT-01）", rules=("LECT-01",))


@rule("LECT-01", reads=("study.lecturerating", "orglife.meeting[lecture]", "people.person", "orgs.org"),
      title="党课效果不好的要补课", citation="书记讲党课“对效果不好的单位要全部进行补课”（本平台规则）", severity="WARN",
      subject="person", live_only=True)
def lecture_make_up(ctx):
    """党员对一次党课的平均评分低于参数（默认3分，至少3条评价才判断），且授课人此后在同一党组织没有评分合格的党课：预警，
    对象为授课人（列入补课名单）；一年内两次以上的说明“多次”，由上级转为问责任务。评价匿名，只用平均分和条数。"""
    from django.db.models import Avg, Count

    from dangjian.orglife.choices import MeetingState, MeetingType
    from dangjian.orglife.models import Meeting

    floor = float(ctx.setting("lecture_poor_score") or 3)
    need = int(ctx.setting("lecture_min_ratings") or 3)
    rated = list(_scoped(ctx, Meeting.objects.filter(type=MeetingType.LECTURE, state=MeetingState.HELD,
                                                     lecturer__isnull=False, date__lte=ctx.as_of))
                 .annotate(avg=Avg("ratings__score"), n=Count("ratings")).filter(n__gte=need)
                 .select_related("lecturer", "org").order_by("date", "pk"))
    by_lecturer: dict[tuple[int, int], list] = {}
    for m in rated:
        by_lecturer.setdefault((m.lecturer_id, m.org_id), []).append(m)
    for (_, org_id), ms in by_lecturer.items():
        poor = [m for m in ms if m.avg < floor]
        if not poor or ms[-1].avg >= floor:          # (a later good lecture is the 补课)
            continue
        lect = ms[-1].lecturer
        year = [m for m in poor if m.date.year == ctx.as_of.year]
        text = "；".join(f"{m.date:%Y-%m-%d}“{m.topic}”平均{m.avg:.1f}分（{m.n}条评价）" for m in poor[-3:])
        yield Hit(_subject_person(lect.pk, lect.name, lect.org_id, lect.external_id),
                  f"{lect.name}在{ms[-1].org.name}讲的党课效果不好，需补课：{text}" +
                  ("；一年内多次，应转为问责任务" if len(year) >= 2 else ""), org_id=org_id)


engine.setting("first_item_study", "on", "第一议题：支委会、党组会议、理论学习中心组学习的第一项议题应是学习习近平总书记最新"
               "重要讲话、重要指示批示精神（on 判断，off 不判断；STUDY-01）", rules=("STUDY-01",))


@rule("STUDY-01", reads=("orglife.meeting[committee]", "orglife.meeting[leading_group_meeting]",
                         "orglife.meeting[study_center]", "orgs.org"),
      title="支委会、党组会议、理论学习中心组学习落实“第一议题”制度", citation="“第一议题”制度（本平台规则，参数可关闭）",
      severity="WARN", subject="meeting", settings=("first_item_study", "orglife_window_months"), live_only=True)
def first_item(ctx):
    """已召开的支委会、党组会议、理论学习中心组学习，登记为第一项议题不是学习习近平总书记最新重要讲话、重要指示批示精神：
    预警，对象为会议。没有登记的（未记录）不判断；参数 off 时不判断。只判断组织生活判断期内的会议。"""
    from dangjian.orglife.choices import FIRST_ITEM_TYPES, MeetingState
    from dangjian.orglife.models import Meeting
    from dangjian.orglife.rules import window

    if (ctx.setting("first_item_study") or "on") == "off":
        return
    for m in _scoped(ctx, Meeting.objects.filter(type__in=FIRST_ITEM_TYPES, state=MeetingState.HELD,
                                                 first_item_study=False, date__gte=window(ctx)["lower"],
                                                 date__lte=ctx.as_of)).select_related("org").order_by("date", "pk"):
        yield Hit(m, f"{m.org.name}{m.date:%Y-%m-%d}{m.get_type_display()}“{m.topic}”：第一项议题不是学习习近平总书记"
                     "最新重要讲话、重要指示批示精神", org_id=m.org_id)


engine.setting("lecture_repeat_count", 2, "一年内列入党课补课名单几次转为问责任务（LECT-01、LECT-02）",
               rules=("LECT-01", "LECT-02"))


@rule("LECT-02", reads=("study.lectureschedule", "study.plannedlecture", "orglife.meeting[lecture]", "people.person",
                        "orgs.org"),
      title="书记按计划讲党课", citation="《中国共产党支部工作条例（试行）》第十五条：党员领导干部应当定期为基层党员讲党课；"
      "本平台的书记讲党课安排", severity="WARN", subject="person", period="year", live_only=True)
def lecture_as_planned(ctx):
    """书记讲党课安排中的一次党课，计划截止日（含当日）前该书记没有在本党组织讲党课（已召开的党课，授课人为该书记）：
    自截止日次日起预警，对象为书记（列入补课名单），期间为安排的年度；同一年度多次未讲的合为一条（在几个党组织都有安排的，
    分别写明各党组织）。
    计划在截止日当天讲的算按计划讲。一次党课只算一次：按截止日先后，每次计划党课取期间内最早的、尚未算过的党课；
    截止日之后在本党组织讲的、尚未算过的党课是补课，补讲后不再预警。"""
    from .actions import lecture_statuses
    from .models import PlannedLecture

    planned = list(_scoped(ctx, PlannedLecture.objects.filter(end__lt=ctx.as_of), "schedule__org_id")
                   .select_related("schedule__person", "schedule__org").order_by("start", "pk"))
    if not planned:
        return
    status = lecture_statuses({(p.schedule.person_id, p.schedule.org_id) for p in planned}, ctx.as_of)
    missed: dict[tuple[int, int, int], list] = {}
    for p in planned:
        if status.get(p.pk) == "missed":
            missed.setdefault((p.schedule.person_id, p.schedule.org_id, p.schedule.year), []).append(p)
    # One finding per person and year (the engine keeps one per subject and period): each organisation's
    # schedule said under its own name, never merged into the first one's.
    by_year: dict[tuple[int, int], list] = {}
    for (pid, _, year), ps in missed.items():
        by_year.setdefault((pid, year), []).append(ps)
    for (_, year), groups in by_year.items():
        who = groups[0][0].schedule.person
        parts = []
        for ps in groups:
            text = "；".join(f"“{p.topic}”（计划{p.start:%Y-%m-%d}至{p.end:%Y-%m-%d}）" for p in ps[:3])
            parts.append(f"未按计划在{ps[0].schedule.org.name}讲党课，需补课：{text}"
                         + (f"等{len(ps)}次" if len(ps) > 3 else ""))
        yield Hit(_subject_person(who.pk, who.name, who.org_id, who.external_id), f"{who.name}" + "；".join(parts),
                  period=str(year), org_id=groups[0][0].schedule.org_id)
