"""学习教育 in the demo: the year's study plans of the 党组s, 机关党委s and most branches (a few branches have none:
the coverage shows them); 理论学习中心组 sessions of the 党组s and 机关党委s crediting 4 学时 to those present; one
读书班 and one 集中轮训 of the first 机关党委 with their participants, all completed; and each branch secretary's
lecture schedule for the year, fulfilled by the lectures the organisational-life demo already records — except the
one planted problem, a planned lecture one secretary has not given (LECT-02). Only the running year gets hours
(the planted EDU-01/EDU-02 findings of the last year stay planted). Deterministic for a seed; not at province scale."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class StudyStats:
    plans: int = 0
    sessions: int = 0
    credited: int = 0
    classes: int = 0
    participants: int = 0
    schedules: int = 0
    planned_lectures: int = 0
    ratings: int = 0
    problems: list[str] = field(default_factory=list)


def default_for(scale: str) -> bool:
    return scale in ("small", "city")


CENTER_TOPICS = ["学习贯彻习近平新时代中国特色社会主义思想", "学习贯彻党的二十届三中全会精神", "深入学习贯彻中央八项规定精神",
                 "学习《中国共产党纪律处分条例》", "学习习近平总书记关于党的建设的重要思想"]


def load(as_of: dt.date, seed: int) -> StudyStats:
    from dangjian.orglife.choices import AttendanceStatus, MeetingState, MeetingType
    from dangjian.orglife.models import Attendance, Meeting
    from dangjian.orgs.models import Org, Post
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person
    from dangjian.study.choices import PlanForm, StudyKind, TrainingKind
    from dangjian.study.models import (LectureSchedule, MeetingCredit, PlannedLecture, StudyPlan, StudyPlanItem,
                                       StudyRecord, TrainingClass, TrainingParticipant, month_window)

    rng = random.Random(seed * 31 + 7)
    stats = StudyStats()
    year = as_of.year
    orgs = list(Org.objects.filter(dissolved__isnull=True, type__in=("leading_group", "committee", "branch"))
                .order_by("path"))
    upper = [o for o in orgs if o.type != "branch"]
    branches = [o for o in orgs if o.type == "branch"]

    # 理论学习中心组学习: each 党组 and 机关党委, in March, June and September, its posts present, 4 学时 each.
    sessions, credits, records, attendance = [], [], [], []
    members_of = {}
    for org_id, pid in Post.objects.filter(org__in=upper, end__isnull=True, person__status__in=list(MEMBER_STATUSES),
                                           person__org__isnull=False).values_list("org_id", "person_id"):
        members_of.setdefault(org_id, set()).add(pid)
    home = dict(Person.objects.filter(pk__in={p for s in members_of.values() for p in s}).values_list("pk", "org_id"))
    for o in upper:
        present = sorted(members_of.get(o.pk, ()))
        if not present:
            continue
        for n, month in enumerate((3, 6, 9)):
            day = dt.date(year, month, 8 + rng.randint(0, 15))
            if day > as_of:
                continue
            sessions.append((o, day, CENTER_TOPICS[(n + o.pk) % len(CENTER_TOPICS)], present))
    objs = Meeting.objects.bulk_create([
        Meeting(org=o, type=MeetingType.STUDY_CENTER, state=MeetingState.HELD, date=day, topic=topic,
                first_item_study=True, minutes="研讨发言：班子成员结合分管工作逐一交流学习体会。",
                expected_count=len(present), present_count=len(present), voting_expected=len(present),
                voting_present=len(present)) for o, day, topic, present in sessions])
    for m, (o, day, topic, present) in zip(objs, sessions):
        credits.append(MeetingCredit(meeting=m, hours=Decimal("4")))
        for pid in present:
            attendance.append(Attendance(meeting=m, person_id=pid, status=AttendanceStatus.PRESENT, voting=True,
                                         meeting_date=day, counts_as_org_life=False))
            records.append(StudyRecord(person_id=pid, org_id=home[pid], date=day, hours=Decimal("4"), meeting=m,
                                       kind=StudyKind.CENTRALIZED, title=f"理论学习中心组学习：{topic}"[:200]))
    Attendance.objects.bulk_create(attendance, batch_size=5000)
    MeetingCredit.objects.bulk_create(credits)
    stats.sessions, stats.credited = len(objs), len(records)

    # 读书班 and 集中轮训 of the first 机关党委 (its members; its branch secretaries).
    committee = next((o for o in upper if o.type == "committee"), None)
    classes = []
    if committee is not None:
        sub = list(Person.objects.filter(org__path__startswith=committee.path, status__in=list(MEMBER_STATUSES))
                   .order_by("pk").values_list("pk", "org_id"))
        secs = set(Post.objects.filter(org__path__startswith=committee.path, org__type="branch", role="secretary",
                                       end__isnull=True).values_list("person_id", flat=True))
        reading = TrainingClass(org=committee, kind=TrainingKind.READING, title="党员读书班（第一期）",
                                start=dt.date(year, 5, 14), end=dt.date(year, 5, 15), hours=Decimal("16"))
        rotation = TrainingClass(org=committee, kind=TrainingKind.ROTATION, title="党支部书记集中轮训",
                                 start=dt.date(year, 7, 8), end=dt.date(year, 7, 10), hours=Decimal("24"))
        classes = [c for c in (reading, rotation) if c.end <= as_of]
        TrainingClass.objects.bulk_create(classes)
        picks = {reading.pk: rng.sample(sub, min(12, len(sub))) if reading.pk else [],
                 rotation.pk: [p for p in sub if p[0] in secs]}
        parts = []
        for c in classes:
            for pid, org_id in picks.get(c.pk, []):
                parts.append(TrainingParticipant(training_class=c, person_id=pid, completed=True))
                records.append(StudyRecord(person_id=pid, org_id=org_id, date=c.end, hours=c.hours, kind=c.kind,
                                           training_class=c, title=f"{c.get_kind_display()}：{c.title}"))
        TrainingParticipant.objects.bulk_create(parts)
        stats.classes, stats.participants = len(classes), len(parts)
    StudyRecord.objects.bulk_create([r for r in records if r.training_class_id], batch_size=5000)
    StudyRecord.objects.bulk_create([r for r in records if r.meeting_id], batch_size=5000)

    # 年度学习计划: every 党组 and 机关党委, four branches in five.
    planned = upper + [b for i, b in enumerate(branches) if i % 5 != 4]
    plans = StudyPlan.objects.bulk_create([StudyPlan(org=o, year=year, title=f"{year}年度理论学习计划") for o in planned])
    items = []
    for p in plans:
        if p.org.type == "branch":
            items += [StudyPlanItem(plan=p, quarter=q, form=f, topic=t, materials="《习近平著作选读》")
                      for q, f, t in ((1, PlanForm.THEME_DAY, "学习党章党规"), (2, PlanForm.LECTURE, "专题党课"),
                                      (3, PlanForm.THEME_DAY, "学习贯彻全会精神"), (4, PlanForm.LECTURE, "专题党课"))]
        else:
            items += [StudyPlanItem(plan=p, month=m, form=PlanForm.STUDY_CENTER, topic=t, lead="党组（党委）书记")
                      for m, t in ((3, CENTER_TOPICS[0]), (6, CENTER_TOPICS[1]), (9, CENTER_TOPICS[2]),
                                   (12, CENTER_TOPICS[3]))]
            if committee is not None and p.org_id == committee.pk:
                items += [StudyPlanItem(plan=p, quarter=2, form=PlanForm.READING, topic="读原著学原文"),
                          StudyPlanItem(plan=p, quarter=3, form=PlanForm.ROTATION, topic="党支部书记轮训")]
    StudyPlanItem.objects.bulk_create(items)
    stats.plans = len(plans)

    # 书记讲党课安排: each branch secretary, a planned lecture for the month of each lecture they gave this year;
    # the planted problem: one secretary's lecture planned for last month, not given.
    secretaries = dict(Post.objects.filter(org__in=branches, role="secretary", end__isnull=True)
                       .values_list("org_id", "person_id"))
    given, dates = {}, {}
    for org_id, pid, day in Meeting.objects.filter(type=MeetingType.LECTURE, state=MeetingState.HELD,
                                                   date__year=year, date__lte=as_of,
                                                   org_id__in=list(secretaries)).values_list(
            "org_id", "lecturer_id", "date"):
        if secretaries.get(org_id) == pid:
            given.setdefault(org_id, set()).add(day.month)
            dates.setdefault(org_id, []).append(day)
    schedules = LectureSchedule.objects.bulk_create([LectureSchedule(org_id=o, person_id=p, year=year)
                                                     for o, p in sorted(secretaries.items()) if o in given])
    lectures = []
    for s in schedules:
        for month in sorted(given[s.org_id]):
            start, end = month_window(year, month, None)
            lectures.append(PlannedLecture(schedule=s, topic="书记讲党课", start=start, end=end))
    # Last month of this year (in January there is none: nothing planted — a December lecture of the running
    # year would not be due yet). The secretary must have given no lecture after it beyond one a month (each
    # later month's planned lecture takes one; a spare one would be the 补课 and clear it).
    prev = as_of.replace(day=1) - dt.timedelta(days=1)
    last_month = prev.month

    def spare_after(org_id) -> int:
        later = [d for d in dates[org_id] if d > prev]
        return len(later) - len({d.month for d in later})

    planted = next((s for s in schedules if last_month not in given[s.org_id] and not spare_after(s.org_id)), None)
    if planted is not None and prev.year == year:
        start, end = month_window(year, last_month, None)
        lectures.append(PlannedLecture(schedule=planted, topic="学习贯彻全会精神专题党课", start=start, end=end))
        name = Person.objects.filter(pk=planted.person_id).values_list("name", flat=True).first()
        stats.problems.append(f"{name}未按计划讲{last_month}月的党课（LECT-02）")
    PlannedLecture.objects.bulk_create(lectures)
    stats.schedules, stats.planned_lectures = len(schedules), len(lectures)
    _ratings(rng, as_of, planted if prev.year == year else None, stats)
    return stats


RATING_COMMENTS = ("联系实际，很有收获", "案例鲜活，讲得透彻", "结合本单位工作，针对性强", "")
POOR_COMMENTS = ("照本宣科，念稿子", "内容空泛，和工作联系不紧", "时间太短，没讲透")


def _ratings(rng, as_of, planted, stats) -> None:
    """党课评价 (anonymous, one each) of the last 60 days' lectures: about half of those present rate, 4–5 points.
    Planted (LECT-01): the latest lecture of the secretary who missed a planned lecture is rated poorly by at least
    three — so that secretary is on the 补课 list twice (多次: the 机关党委 may turn it into an accountability task)."""
    from dangjian.orglife.choices import AttendanceStatus, MeetingState, MeetingType
    from dangjian.orglife.models import Attendance, Meeting
    from dangjian.people.models import Person
    from dangjian.study.actions import rater_token
    from dangjian.study.models import LectureRating

    since = as_of - dt.timedelta(days=60)
    lectures = list(Meeting.objects.filter(type=MeetingType.LECTURE, state=MeetingState.HELD, lecturer__isnull=False,
                                           date__gte=since, date__lte=as_of).order_by("date", "pk")
                    .values_list("pk", "org_id", "lecturer_id"))
    poor = None
    if planted is not None:
        mine = [m for m in Meeting.objects.filter(type=MeetingType.LECTURE, state=MeetingState.HELD,
                                                  lecturer_id=planted.person_id, org_id=planted.org_id,
                                                  date__lte=as_of).order_by("-date", "-pk").values_list("pk", flat=True)[:1]]
        poor = mine[0] if mine else None
    present: dict[int, list[int]] = {}
    ids = [m[0] for m in lectures] + ([poor] if poor else [])
    for mid, pid in Attendance.objects.filter(meeting_id__in=ids, status=AttendanceStatus.PRESENT).values_list(
            "meeting_id", "person_id").order_by("meeting_id", "person_id"):
        present.setdefault(mid, []).append(pid)
    lecturer = dict((m[0], m[2]) for m in lectures)
    rows = []
    for mid in dict.fromkeys(ids):
        raters = [p for p in present.get(mid, []) if p != lecturer.get(mid)]
        if mid == poor:
            chosen = raters[: max(3, len(raters) * 2 // 3)]
            if len(chosen) < 3:
                continue
            for i, pid in enumerate(chosen):
                rows.append(LectureRating(meeting_id=mid, token=rater_token(mid, pid), score=(1, 2, 2, 3)[i % 4],
                                          comment=POOR_COMMENTS[i % len(POOR_COMMENTS)] if i < 3 else ""))
            name = Person.objects.filter(pk=planted.person_id).values_list("name", flat=True).first()
            stats.problems.append(f"{name}讲的党课评分低，需补课（LECT-01）")
            continue
        for pid in raters:
            if rng.random() < 0.5:
                rows.append(LectureRating(meeting_id=mid, token=rater_token(mid, pid), score=rng.choice((4, 5, 5)),
                                          comment=rng.choice(RATING_COMMENTS)))
    LectureRating.objects.bulk_create(rows, batch_size=5000)
    stats.ratings = len(rows)


def after_engine(stats, as_of) -> None:
    """Steps that need the engine's findings (run once after the demo's engine run)."""
