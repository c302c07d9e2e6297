"""学习培训 actions: record one session's hours for the members who took part (one action for many),
and remove a record entered by mistake (kept in the audit trail)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dangjian.core.params import id_param
from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.people.models import Person

from .choices import StudyKind
from .models import StudyRecord


MAX_HOURS = 200           # one record, one session or one class: at most this many 学时
MAX_CLASS_DAYS = 366      # a training class lasts at most a year


def hours_value(value) -> Decimal:
    """学时 to one decimal (半天 4, 一小时 1; never a float)."""
    if isinstance(value, float) or isinstance(value, bool):
        raise ActionError("学时请写成数字文本，例如 \"4\" 或 \"1.5\"。", field="hours")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ActionError(f"学时“{value}”不是数字。", field="hours") from None
    if not d.is_finite() or d <= 0 or d > MAX_HOURS or d != d.quantize(Decimal("0.1")):
        raise ActionError("学时应大于0、不超过200，最多一位小数。", field="hours")
    return d


@transaction.atomic
def do_record_study(people, *, date: dt.date, hours, kind: str = StudyKind.CENTRALIZED, title: str = "",
                    acting_user=None) -> list[StudyRecord]:
    people = list(people)
    if not people:
        raise ActionError("请选择参加学习的党员。", field="people")
    if date > timezone.localdate():
        raise ActionError("日期不能晚于今天。", field="date")
    if kind not in StudyKind.values:
        raise ActionError("请选择学习类别。", field="kind")
    h = hours_value(hours)
    missing = [p.name for p in people if p.org_id is None]
    if missing:
        raise ActionError(f"{'、'.join(missing)}不在任何党组织。", field="people")
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    rows = StudyRecord.objects.bulk_create([StudyRecord(person=p, org_id=p.org_id, date=date, hours=h, kind=kind,
                                                        title=(title or "")[:200], created_by=user) for p in people])
    orgs = {p.org_id for p in people}
    audit.record("study.record", f"登记学习“{title or StudyKind(kind).label}”{h:g}学时：{len(rows)}人", actor=acting_user,
                 org=people[0].org, date=date.isoformat(), people=len(rows))
    engine.schedule(orgs, changed=(StudyRecord,))
    return rows


@transaction.atomic
def do_delete_study_record(record: StudyRecord, *, reason: str, acting_user=None) -> None:
    if record.meeting_id:
        raise ActionError("这条记录是理论学习中心组学习计入的学时，请在该次学习的出席情况或计入学时中修改。")
    if record.training_class_id:
        raise ActionError("这条记录是培训班结业计入的学时，请在该培训班的学员和结业情况中修改。")
    if not (reason or "").strip():
        raise ActionError("请写明删除原因。", field="reason")
    audit.record("study.delete", f"删除{record.person.name}{record.date:%Y-%m-%d}的学习记录（{record.hours:g}学时）：{reason}",
                 actor=acting_user, org=record.org, person=record.person, before={
                     "date": record.date, "hours": record.hours, "title": record.title})
    org_id = record.org_id
    record.delete()
    engine.schedule([org_id], changed=(StudyRecord,))


__all__ = ["do_record_study", "do_delete_study_record", "Person"]


# ── 书记讲党课: members rate the lecture they attended, anonymously, once each ─────────────────────────

RATING_DAYS = 30          # a lecture can be rated for this many days after it was given


def rater_token(meeting_id: int, person_id: int) -> str:
    """A keyed hash of (lecture, member): one rating each, and no way back to the name."""
    import hashlib
    import hmac

    from django.conf import settings

    return hmac.new(settings.SECRET_KEY.encode(), f"lecture:{meeting_id}:{person_id}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def do_rate_lecture(meeting, *, score: int, comment: str = "", acting_user) -> "LectureRating":
    from dangjian.orglife.choices import AttendanceStatus, MeetingState, MeetingType
    from dangjian.orglife.models import Attendance

    from .models import LectureRating

    pid = getattr(acting_user, "person_id", None)
    if meeting.type != MeetingType.LECTURE or meeting.state != MeetingState.HELD:
        raise ActionError("只能评价已召开的党课。")
    if not pid or not Attendance.objects.filter(meeting=meeting, person_id=pid, status=AttendanceStatus.PRESENT).exists():
        raise ActionError("只有出席这次党课的党员可以评价。")
    if pid == meeting.lecturer_id:
        raise ActionError("授课人不评价自己的党课。")
    if not (meeting.date <= timezone.localdate() <= meeting.date + dt.timedelta(days=RATING_DAYS)):
        raise ActionError(f"党课结束后{RATING_DAYS}天内可以评价。")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ActionError("请选择 1 到 5 分。", field="score")
    token = rater_token(meeting.pk, pid)
    if LectureRating.objects.filter(meeting=meeting, token=token).exists():
        raise ActionError("您已评价过这次党课（每人一次）。")
    r = LectureRating.objects.create(meeting=meeting, token=token, score=score, comment=(comment or "").strip()[:300])
    # The audit trail says a rating was given, not by whom or what (the rating is anonymous).
    audit.record("lecture.rate", f"{meeting.org.name}党课“{meeting.topic}”收到一条评价", org=meeting.org)
    engine.schedule([meeting.org_id], changed=(LectureRating,))
    return r


def do_make_up_task(finding, *, deadline: dt.date, acting_user=None):
    """补课 as a task of the responsibility module: the lecturer gives the lecture again by the deadline, evidenced
    by the lecture itself (a 党课 they give, found in the records). From a LECT-01 finding."""
    from dangjian.core.permissions import CHANGE, can_in_org
    from dangjian.duty.actions import do_create_task
    from dangjian.duty.choices import EvidenceSource
    from dangjian.duty.models import Task

    if finding.rule_id not in ("LECT-01", "LECT-02") or finding.person_id is None:
        raise ActionError("只能从党课补课名单转为任务。")
    if acting_user is not None and not can_in_org(acting_user, CHANGE, finding.org):
        raise ActionError("只有该党组织（或上级）的管理员可以布置补课任务。")
    title = f"{finding.person.name}补讲党课"
    if Task.objects.filter(org=finding.org, owner=finding.person, title=title, state="open").exists():
        raise ActionError("已布置补课任务。")
    return do_create_task(org=finding.org, owner=finding.person, title=title, deadline=deadline,
                          target=("补讲一次党课，党员评价平均3分以上" if finding.rule_id == "LECT-01"
                                  else "补讲未按计划讲的党课"), source="书记讲党课补课",
                          evidence_source=EvidenceSource.LECTURE_GIVEN, acting_user=acting_user)


# ── 年度学习计划 ─────────────────────────────────────────────────────────────────────────────────────
PLAN_ORG_TYPES = ("leading_group", "committee", "general_branch", "branch")


def _user(acting_user):
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


@transaction.atomic
def do_create_plan(*, org, year: int, title: str = "", note: str = "", acting_user=None):
    from .models import StudyPlan

    if org.type not in PLAN_ORG_TYPES:
        raise ActionError("年度学习计划由党组（党委）、机关党委、党总支或党支部制定。", field="org")
    if not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise ActionError("请填写本年度或下一年度。", field="year")
    if StudyPlan.objects.filter(org=org, year=year).exists():
        raise ActionError(f"{org.name}已有{year}年度学习计划。", field="year")
    plan = StudyPlan.objects.create(org=org, year=year, title=(title or "").strip()[:200] or f"{year}年度学习计划",
                                    note=note or "", created_by=_user(acting_user))
    audit.record("study.plan", f"{org.name}制定“{plan.title}”", actor=acting_user, org=org, obj=plan, year=year)
    return plan


@transaction.atomic
def do_add_plan_item(plan, *, form: str, topic: str, month=None, quarter=None, materials: str = "", lead: str = "",
                     acting_user=None):
    from .choices import PlanForm
    from .models import StudyPlanItem

    if form not in PlanForm.values:
        raise ActionError("请选择学习形式。", field="form")
    if not (topic or "").strip():
        raise ActionError("请填写学习专题。", field="topic")
    if month and quarter:
        raise ActionError("月份和季度只填一项（都不填为全年）。", field="month")
    if month and not 1 <= int(month) <= 12 or quarter and not 1 <= int(quarter) <= 4:
        raise ActionError("月份为1–12，季度为1–4。", field="month")
    item = StudyPlanItem.objects.create(plan=plan, form=form, topic=topic.strip()[:200], month=month or None,
                                        quarter=quarter or None, materials=(materials or "")[:300],
                                        lead=(lead or "")[:100])
    audit.record("study.plan_item", f"{plan.org.name}“{plan.title}”增加{item.when}{item.get_form_display()}“{item.topic}”",
                 actor=acting_user, org=plan.org, obj=plan)
    return item


@transaction.atomic
def do_delete_plan_item(item, *, acting_user=None) -> None:
    plan = item.plan
    audit.record("study.plan_item_delete", f"{plan.org.name}“{plan.title}”删除{item.when}“{item.topic}”",
                 actor=acting_user, org=plan.org, obj=plan)
    item.delete()


def plan_candidates(plan, items=None):
    """item pk → the records that could show it was done: held meetings of the matching type of the plan's
    org in the item's window, or the org's training classes of the matching kind starting in it."""
    from dangjian.orglife.choices import MeetingState
    from dangjian.orglife.models import Meeting

    from .choices import FORM_MEETING_TYPE, FORM_TRAINING_KIND
    from .models import TrainingClass

    items = list(items if items is not None else plan.items.all())
    year = plan.year
    meetings = list(Meeting.objects.filter(org_id=plan.org_id, state=MeetingState.HELD, date__year=year,
                                           type__in=set(FORM_MEETING_TYPE.values())).order_by("date", "pk"))
    classes = list(TrainingClass.objects.filter(org_id=plan.org_id, start__year=year).order_by("start", "pk"))
    out = {}
    for it in items:
        start, end = it.window
        if it.form in FORM_MEETING_TYPE:
            out[it.pk] = [m for m in meetings if m.type == FORM_MEETING_TYPE[it.form] and start <= m.date <= end]
        else:
            out[it.pk] = [c for c in classes if c.kind == FORM_TRAINING_KIND[it.form] and start <= c.start <= end]
    return out


def _record_key(record) -> tuple[str, int]:
    from .models import TrainingClass

    return ("c" if isinstance(record, TrainingClass) else "m", record.pk)


def plan_progress(plan, today: dt.date | None = None, items=None):
    """Each item with its status — done (a linked record, or a record that matches), overdue (its period has
    passed with nothing), current, upcoming — and the records to choose from when several match.
    Each record shows one item done, once per plan: first the linked items (a link counts only while the record
    still qualifies — held, of the form, in the window), then the others by the end of their period, each taking
    the earliest record no other item took. An item with several free records is done; which one it is stays
    to be linked (`choices`)."""
    today = today or timezone.localdate()
    if items is None:
        items = plan.items.select_related("meeting", "training_class")
    items = list(items)
    cands = plan_candidates(plan, items)
    used: set[tuple[str, int]] = set()
    linked = {}
    for it in items:
        want = ("m", it.meeting_id) if it.meeting_id else (("c", it.training_class_id) if it.training_class_id else None)
        if want is None or want in used:
            continue
        record = next((r for r in cands[it.pk] if _record_key(r) == want), None)
        if record is not None:
            linked[it.pk] = record
            used.add(want)
    rows = {}
    for it in sorted(items, key=lambda i: (i.window[1], i.window[0], i.pk)):
        start, end = it.window
        record, auto, choices = linked.get(it.pk), False, []
        if record is None:
            free = [r for r in cands[it.pk] if _record_key(r) not in used]
            if free:
                record, auto = free[0], True
                used.add(_record_key(record))
                if len(free) > 1:
                    choices = free
        status = "done" if record else ("overdue" if end < today else ("current" if start <= today else "upcoming"))
        rows[it.pk] = {"item": it, "record": record, "auto": auto, "choices": choices, "status": status,
                       "start": start, "end": end}
    return [rows[it.pk] for it in items]


@transaction.atomic
def do_link_plan_item(item, record, *, acting_user=None):
    """One click: the record (a meeting or a training class) that shows this item was done — one the item
    could have, and not one linked to another item of the plan (items matched automatically follow the link)."""
    from dangjian.orglife.models import Meeting

    from .models import TrainingClass

    cands = plan_candidates(item.plan, [item])[item.pk]
    if record not in cands:
        raise ActionError("只能关联本组织在计划期间内、形式相符的记录。")
    for row in plan_progress(item.plan):
        if row["item"].pk != item.pk and not row["auto"] and row["record"] is not None \
                and _record_key(row["record"]) == _record_key(record):
            other = row["item"]
            raise ActionError(f"“{record}”已关联本计划{other.when}“{other.topic}”，一条记录只能对应一个学习专题。")
    if isinstance(record, Meeting):
        item.meeting, item.training_class = record, None
    elif isinstance(record, TrainingClass):
        item.meeting, item.training_class = None, record
    item.save(update_fields=["meeting", "training_class"])
    audit.record("study.plan_link", f"“{item.plan.title}”{item.when}“{item.topic}”关联{record}", actor=acting_user,
                 org=item.plan.org, obj=item.plan)
    return item


# ── 理论学习中心组学习计入学时 ─────────────────────────────────────────────────────────────────────────
CREDIT_ORG_TYPES = ("leading_group", "committee", "work_committee")


def sync_meeting_credit(meeting) -> int:
    """Rewrite the StudyRecords a 中心组学习 credits: one per person present while it is held, none when it is
    cancelled, announced or no longer a 中心组学习 (the meeting's records are replaced, never added to).
    Called by the meeting actions after every change; returns the number of records."""
    from dangjian.orglife.choices import AttendanceStatus, MeetingState, MeetingType

    from .models import MeetingCredit

    credit = MeetingCredit.objects.filter(meeting_id=meeting.pk).first()
    old = set(StudyRecord.objects.filter(meeting_id=meeting.pk).values_list("org_id", flat=True))
    if credit is None and not old:
        return 0
    StudyRecord.objects.filter(meeting_id=meeting.pk).delete()
    rows = []
    if credit is not None and meeting.state == MeetingState.HELD and meeting.type == MeetingType.STUDY_CENTER:
        present = Person.objects.filter(attendance__meeting_id=meeting.pk, attendance__status=AttendanceStatus.PRESENT,
                                        org__isnull=False).values_list("pk", "org_id")
        rows = StudyRecord.objects.bulk_create([
            StudyRecord(person_id=pk, org_id=org_id, date=meeting.date, hours=credit.hours, kind=StudyKind.CENTRALIZED,
                        title=f"理论学习中心组学习：{meeting.topic}"[:200], meeting_id=meeting.pk,
                        created_by=credit.created_by) for pk, org_id in present])
    engine.schedule(old | {r.org_id for r in rows}, changed=(StudyRecord,))
    return len(rows)


def _is_zero(hours) -> bool:
    """Empty, "0", "0.0", "00" …: stop crediting."""
    text = str(hours if hours is not None else "").strip()
    if not text:
        return True
    try:
        return Decimal(text) == 0
    except InvalidOperation:
        return False


@transaction.atomic
def do_credit_meeting(meeting, *, hours, acting_user=None) -> int:
    """A 中心组学习 credits `hours` to each member present (hours "0" or empty: stop crediting)."""
    from dangjian.orglife.choices import MeetingState, MeetingType

    from .models import MeetingCredit

    if meeting.type != MeetingType.STUDY_CENTER:
        raise ActionError("只有理论学习中心组学习可以计入学时。")
    if meeting.org.type not in CREDIT_ORG_TYPES:
        raise ActionError(f"{meeting.org.name}不是党组（党委）或机关党委，其会议不按理论学习中心组学习计入学时。")
    if meeting.state != MeetingState.HELD:
        raise ActionError("会议召开并登记出席后才能计入学时。")
    before = MeetingCredit.objects.filter(meeting=meeting).values_list("hours", flat=True).first()
    if _is_zero(hours):
        MeetingCredit.objects.filter(meeting=meeting).delete()
        text = "不再计入学时"
    else:
        h = hours_value(hours)
        MeetingCredit.objects.update_or_create(meeting=meeting, defaults={"hours": h, "created_by": _user(acting_user)})
        text = f"为出席人员计入{h:g}学时"
    n = sync_meeting_credit(meeting)
    audit.record("study.credit", f"{meeting.org.name}{meeting.date:%Y-%m-%d}中心组学习“{meeting.topic}”{text}（{n}人）",
                 actor=acting_user, org=meeting.org, obj=meeting, before={"hours": before}, after={"people": n})
    return n


# ── 读书班、集中轮训、任职培训 ────────────────────────────────────────────────────────────────────────
@transaction.atomic
def do_create_class(*, org, kind: str, title: str, start: dt.date, end: dt.date, hours=None, note: str = "",
                    acting_user=None):
    from .choices import TrainingKind
    from .models import TrainingClass

    if kind not in TrainingKind.values:
        raise ActionError("请选择培训类别。", field="kind")
    if not (title or "").strip():
        raise ActionError("请填写培训班名称。", field="title")
    if end < start:
        raise ActionError("结束日期不能早于开始日期。", field="end")
    days = (end - start).days + 1
    if days > MAX_CLASS_DAYS:
        raise ActionError(f"培训班最长{MAX_CLASS_DAYS}天，请核对开始和结束日期。", field="end")
    if str(hours or "").strip():
        h = hours_value(hours)
    else:
        h = day_hours(org) * days
        if h > MAX_HOURS:
            raise ActionError(f"按天数计算为{h:g}学时，超过{MAX_HOURS}学时；请直接填写学时或核对日期。", field="hours")
    c = TrainingClass.objects.create(org=org, kind=kind, title=title.strip()[:200], start=start, end=end, hours=h,
                                     note=note or "", created_by=_user(acting_user))
    audit.record("study.class", f"{org.name}举办{c.get_kind_display()}“{c.title}”（{start:%Y-%m-%d}至{end:%Y-%m-%d}，"
                 f"{h:g}学时）", actor=acting_user, org=org, obj=c)
    return c


def day_hours(org=None) -> Decimal:
    """EDU-01 crediting [P]: a full training day is `training_day_hours` (8) 学时, half a day half of it."""
    return Decimal(str(engine.effective_settings().get("training_day_hours") or 8))


def _class_records(c, person_ids) -> list[StudyRecord]:
    people = Person.objects.filter(pk__in=person_ids, org__isnull=False).values_list("pk", "org_id")
    return StudyRecord.objects.bulk_create([
        StudyRecord(person_id=pk, org_id=org_id, date=c.end, hours=c.hours, kind=c.kind,
                    title=f"{c.get_kind_display()}：{c.title}"[:200], training_class=c, created_by=c.created_by)
        for pk, org_id in people])


@transaction.atomic
def do_change_participants(c, *, add=(), remove=(), acting_user=None):
    """Participants change by explicit deltas: `add` people of the organiser's subtree, `remove` participants
    (whoever they are now, wherever they moved). Only someone removed loses the class's hours; nobody is dropped
    for not being posted."""
    from .models import TrainingParticipant

    add, remove = list(add), list(remove)
    outside = [p.name for p in add if p.org_id is None or not p.org.path.startswith(c.org.path)]
    if outside:
        raise ActionError(f"{'、'.join(outside)}不在{c.org.name}的管理范围内。", field="people")
    have = set(c.participants.values_list("person_id", flat=True))
    gone = {getattr(p, "pk", p) for p in remove} & have
    new = {p.pk for p in add} - have - gone
    if not gone and not new:
        return 0, 0
    orgs = set(StudyRecord.objects.filter(training_class=c, person_id__in=gone).values_list("org_id", flat=True))
    StudyRecord.objects.filter(training_class=c, person_id__in=gone).delete()
    c.participants.filter(person_id__in=gone).delete()
    TrainingParticipant.objects.bulk_create([TrainingParticipant(training_class=c, person_id=pk) for pk in sorted(new)])
    audit.record("study.participants", f"“{c.title}”学员：增加{len(new)}人，移除{len(gone)}人", actor=acting_user,
                 org=c.org, obj=c, after={"added": sorted(new), "removed": sorted(gone)})
    if orgs:
        engine.schedule(orgs, changed=(StudyRecord,))
    return len(new), len(gone)


@transaction.atomic
def do_set_completion(c, completed_ids, *, acting_user=None) -> int:
    """Completion in bulk: those ticked complete the class (a StudyRecord each, of the class's kind and hours),
    the others do not (their record, if any, goes)."""
    if c.end > timezone.localdate():
        raise ActionError("培训班结束后才能登记结业。")
    done = set(completed_ids) & set(c.participants.values_list("person_id", flat=True))
    c.participants.update(completed=False)
    c.participants.filter(person_id__in=done).update(completed=True)
    orgs = set(StudyRecord.objects.filter(training_class=c).values_list("org_id", flat=True))
    StudyRecord.objects.filter(training_class=c).delete()
    rows = _class_records(c, done)
    audit.record("study.completion", f"“{c.title}”结业{len(rows)}人，各计{c.hours:g}学时", actor=acting_user, org=c.org,
                 obj=c, after={"completed": sorted(done)})
    engine.schedule(orgs | {r.org_id for r in rows}, changed=(StudyRecord,))
    return len(rows)


@transaction.atomic
def do_delete_class(c, *, reason: str, acting_user=None) -> None:
    if not (reason or "").strip():
        raise ActionError("请写明删除原因。", field="reason")
    orgs = set(StudyRecord.objects.filter(training_class=c).values_list("org_id", flat=True))
    audit.record("study.class_delete", f"删除{c.org.name}“{c.title}”：{reason}", actor=acting_user, org=c.org,
                 before={"title": c.title, "start": c.start, "end": c.end, "hours": c.hours})
    c.delete()
    engine.schedule(orgs, changed=(StudyRecord,))


# ── 书记讲党课安排 ──────────────────────────────────────────────────────────────────────────────────
@transaction.atomic
def do_create_schedule(*, org, person, year: int, acting_user=None):
    from .models import LectureSchedule

    if person.org_id is None or not person.org.path.startswith(org.path):
        raise ActionError(f"{person.name}不是{org.name}的党员。", field="person")
    if not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise ActionError("年度应在2000年至下一年度之间。", field="year")
    if LectureSchedule.objects.filter(org=org, person=person, year=year).exists():
        raise ActionError(f"已有{person.name}{year}年的讲党课安排。", field="person")
    s = LectureSchedule.objects.create(org=org, person=person, year=year, created_by=_user(acting_user))
    audit.record("study.schedule", f"{org.name}：{person.name}{year}年讲党课安排", actor=acting_user, org=org,
                 person=person, obj=s)
    return s


@transaction.atomic
def do_add_planned_lecture(schedule, *, topic: str, start: dt.date, end: dt.date, acting_user=None):
    from .models import PlannedLecture

    if not (topic or "").strip():
        raise ActionError("请填写党课主题。", field="topic")
    if end < start:
        raise ActionError("计划截止日期不能早于开始日期。", field="end")
    if start.year != schedule.year or end.year != schedule.year:
        raise ActionError(f"计划时间应在{schedule.year}年内。", field="start" if start.year != schedule.year else "end")
    p = PlannedLecture.objects.create(schedule=schedule, topic=topic.strip()[:200], start=start, end=end)
    audit.record("study.planned_lecture", f"{schedule.person.name}计划{start:%Y-%m-%d}至{end:%Y-%m-%d}讲党课“{p.topic}”",
                 actor=acting_user, org=schedule.org, person=schedule.person, obj=schedule)
    engine.schedule([schedule.org_id], changed=("study.plannedlecture",))
    return p


@transaction.atomic
def do_delete_planned_lecture(p, *, acting_user=None) -> None:
    s = p.schedule
    audit.record("study.planned_lecture_delete", f"删除{s.person.name}计划党课“{p.topic}”", actor=acting_user, org=s.org,
                 person=s.person, obj=s)
    p.delete()
    engine.schedule([s.org_id], changed=("study.plannedlecture",))


def match_lectures(planned, given_dates, today: dt.date) -> dict[int, str]:
    """One lecturer's planned lectures in one organisation (objects with pk, start, end) against the dates of
    the 党课 they gave there: each lecture given counts once. By the end of the window, each planned lecture
    takes the earliest unused lecture in [start, end] (the last day counts): given. One whose window has ended
    without one is missed — unless an unused lecture given after the end is its 补课 (made_up, earliest first,
    like LECT-01's later good lecture). Otherwise upcoming."""
    dates = sorted(given_dates)
    used = [False] * len(dates)
    order = sorted(planned, key=lambda p: (p.end, p.start, p.pk))
    out: dict[int, str] = {}

    def take(ok) -> bool:
        for i, d in enumerate(dates):
            if not used[i] and ok(d):
                used[i] = True
                return True
        return False

    for p in order:
        if take(lambda d, p=p: p.start <= d <= p.end):
            out[p.pk] = "given"
    for p in order:
        if p.pk in out:
            continue
        if today <= p.end:
            out[p.pk] = "upcoming"
        else:
            out[p.pk] = "made_up" if take(lambda d, p=p: d > p.end) else "missed"
    return out


def lecture_statuses(pairs, today: dt.date) -> dict[int, str]:
    """(lecturer, org) pairs → planned lecture pk → given / made_up / missed / upcoming, every planned lecture of
    those pairs (all years) matched together, so that one lecture never counts twice. The one reading used by
    LECT-02, the schedule pages and the 补课 counts."""
    from types import SimpleNamespace

    from .models import PlannedLecture

    pairs = set(pairs)
    if not pairs:
        return {}
    given = given_lectures(pairs, today)
    planned = defaultdict(list)
    for pk, start, end, pid, org_id in PlannedLecture.objects.filter(
            schedule__person_id__in={p for p, _ in pairs}, schedule__org_id__in={o for _, o in pairs}).values_list(
            "pk", "start", "end", "schedule__person_id", "schedule__org_id"):
        if (pid, org_id) in pairs:
            planned[(pid, org_id)].append(SimpleNamespace(pk=pk, start=start, end=end))
    out: dict[int, str] = {}
    for key, ps in planned.items():
        out.update(match_lectures(ps, given.get(key, ()), today))
    return out


def given_lectures(pairs, upto: dt.date):
    """(lecturer, org) → the dates of the 党课 they gave there (held)."""
    from dangjian.orglife.choices import MeetingState, MeetingType
    from dangjian.orglife.models import Meeting

    pairs = set(pairs)
    out = defaultdict(list)
    if not pairs:
        return out
    for pid, org_id, day in Meeting.objects.filter(type=MeetingType.LECTURE, state=MeetingState.HELD, date__lte=upto,
                                                   lecturer_id__in={p for p, _ in pairs},
                                                   org_id__in={o for _, o in pairs}).values_list(
            "lecturer_id", "org_id", "date"):
        if (pid, org_id) in pairs:
            out[(pid, org_id)].append(day)
    return out


def make_up_incidents(pairs, today: dt.date) -> dict:
    """(secretary, org) → the days they were put on the 补课 list in the 12 months up to today: a planned lecture
    missed (the day after its window ended, even if made up later) and a lecture rated poorly (LECT-01's
    threshold; the day it was given)."""
    from django.db.models import Avg, Count

    from dangjian.orglife.choices import MeetingState, MeetingType
    from dangjian.orglife.models import Meeting

    from .models import PlannedLecture

    pairs = set(pairs)
    since = today - dt.timedelta(days=365)
    days = defaultdict(list)
    if not pairs:
        return days
    status = lecture_statuses(pairs, today)
    for pk, end, pid, org_id in PlannedLecture.objects.filter(
            schedule__person_id__in={p for p, _ in pairs}, end__gte=since, end__lt=today).values_list(
            "pk", "end", "schedule__person_id", "schedule__org_id"):
        if (pid, org_id) in pairs and status.get(pk) in ("missed", "made_up"):
            days[(pid, org_id)].append(end + dt.timedelta(days=1))
    s = engine.effective_settings()
    floor, need = float(s.get("lecture_poor_score") or 3), int(s.get("lecture_min_ratings") or 3)
    for m in Meeting.objects.filter(type=MeetingType.LECTURE, state=MeetingState.HELD, date__gte=since,
                                    date__lte=today, lecturer_id__in={p for p, _ in pairs}).annotate(
            avg=Avg("ratings__score"), n=Count("ratings")).filter(n__gte=need):
        key = (m.lecturer_id, m.org_id)
        if key in pairs and m.avg < floor:
            days[key].append(m.date)
    for v in days.values():
        v.sort()
    return days


def make_up_counts(pairs, today: dt.date) -> dict:
    """(secretary, org) → how often they were put on the 补课 list in the 12 months up to today."""
    return defaultdict(int, {k: len(v) for k, v in make_up_incidents(pairs, today).items()})


ACCOUNTABILITY_SOURCE = "书记讲党课问责"


def accountability_marks(keys) -> dict:
    """(secretary, level above) → the newest 补课 day already taken up by an accountability task about them (a
    task that still exists, open or completed): only later days count towards another one."""
    from dangjian.core.models import AuditEvent
    from dangjian.duty.models import Task

    keys = set(keys)
    if not keys:
        return {}
    events = list(AuditEvent.objects.filter(verb="study.accountability", person_id__in={p for p, _ in keys},
                                            org_id__in={o for _, o in keys}).values_list("person_id", "org_id",
                                                                                          "object_id", "data"))
    task_ids = [i for i in (id_param(e[2]) for e in events) if i is not None]
    alive = {str(pk) for pk in Task.objects.filter(pk__in=task_ids)
             .values_list("pk", flat=True)}
    marks = {}
    for pid, org_id, task_id, data in events:
        upto = (data or {}).get("upto")
        if (pid, org_id) in keys and task_id in alive and upto:
            day = dt.date.fromisoformat(upto)
            marks[(pid, org_id)] = max(marks.get((pid, org_id), day), day)
    return marks


def repeated_make_up(person_id: int, org_id: int, parent_id: int, today: dt.date, incidents=None, marks=None):
    """The 补课 days not yet taken up by an accountability task of the level above."""
    days = (incidents if incidents is not None else make_up_incidents([(person_id, org_id)], today)).get(
        (person_id, org_id), [])
    marks = marks if marks is not None else accountability_marks([(person_id, parent_id)])
    upto = marks.get((person_id, parent_id))
    return [d for d in days if upto is None or d > upto]


def parent_of(org):
    """The level above (the 机关党委 over a branch)."""
    from dangjian.orgs.models import Org

    return Org.objects.filter(path=org.path[:-Org.steplen]).first() if len(org.path) > Org.steplen else None


def accountability_title(person) -> str:
    return f"{person.name}多次列入党课补课名单，问责"


@transaction.atomic
def do_accountability_task(*, person, org, deadline: dt.date, acting_user=None):
    """Repeated: a secretary on the 补课 list `lecture_repeat_count` (2) times or more within 12 months — the
    level above (the 机关党委 over the branch) takes up an accountability task about them in the responsibility
    module. Not twice while one is open."""
    from dangjian.core.permissions import CHANGE, can_in_org
    from dangjian.duty.actions import do_create_task
    from dangjian.duty.models import Task

    parent = parent_of(org)
    if parent is None:
        raise ActionError("该党组织没有上级党组织。")
    if acting_user is not None and not can_in_org(acting_user, CHANGE, parent):
        raise ActionError(f"只有{parent.name}（或更上级）的管理员可以转为问责任务。")
    today = timezone.localdate()
    title = accountability_title(person)
    if Task.objects.filter(org=parent, owner=person, title=title, state="open").exists():
        raise ActionError("已有未完成的问责任务。")
    need = int(engine.effective_settings().get("lecture_repeat_count") or 2)
    days = repeated_make_up(person.pk, org.pk, parent.pk, today)
    n = len(days)
    if n < need:
        taken = accountability_marks([(person.pk, parent.pk)]).get((person.pk, parent.pk))
        since = f"（{taken:%Y-%m-%d}前的已转为问责任务）" if taken else ""
        raise ActionError(f"{person.name}一年内列入补课名单{n}次{since}，不足{need}次。")
    if deadline < today:
        raise ActionError("期限不能早于今天。", field="deadline")
    t = do_create_task(org=parent, owner=person, title=title, deadline=deadline,
                       target=f"核实{person.name}在{org.name}讲党课的情况（一年内{n}次列入补课名单），提出问责处理意见",
                       source=ACCOUNTABILITY_SOURCE, acting_user=acting_user)
    # The 补课 days this task takes up: the next task needs `need` later ones.
    audit.record("study.accountability", f"{person.name}在{org.name}一年内{n}次列入补课名单，转为{parent.name}的问责任务",
                 actor=acting_user, org=parent, person=person, obj=t, upto=days[-1].isoformat(), branch=org.pk)
    return t
