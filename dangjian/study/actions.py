"""学习培训 actions: record one session's hours for the members who took part (one action for many),
and remove a record entered by mistake (kept in the audit trail)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.people.models import Person

from .choices import StudyKind
from .models import StudyRecord


def hours_value(value) -> Decimal:
    """学时 to one decimal (半天 4, 一小时 1; never a float)."""
    if isinstance(value, float) or isinstance(value, bool):
        raise ActionError("学时请写成数字文本，例如 \"4\" 或 \"1.5\"。", field="hours")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ActionError(f"学时“{value}”不是数字。", field="hours") from None
    if not d.is_finite() or d <= 0 or d > 200 or d != d.quantize(Decimal("0.1")):
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

    if finding.rule_id != "LECT-01" or finding.person_id is None:
        raise ActionError("只能从党课补课名单转为任务。")
    if acting_user is not None and not can_in_org(acting_user, CHANGE, finding.org):
        raise ActionError("只有该党组织（或上级）的管理员可以布置补课任务。")
    title = f"{finding.person.name}补讲党课"
    if Task.objects.filter(org=finding.org, owner=finding.person, title=title, state="open").exists():
        raise ActionError("已布置补课任务。")
    return do_create_task(org=finding.org, owner=finding.person, title=title, deadline=deadline,
                          target="补讲一次党课，党员评价平均3分以上", source="书记讲党课补课",
                          evidence_source=EvidenceSource.LECTURE_GIVEN, acting_user=acting_user)
