"""State changes of organisational life. Views, API, DJX import and the demo all call these."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.params import INT_MAX, ascii_int
from dangjian.orgs.choices import COMMITTEE_ROLES, OrgType, PostRole
from dangjian.orgs.models import Org, Post
from dangjian.people.choices import LEFT_STATUSES, MEMBER_STATUSES, Status
from dangjian.people.models import Person

from .choices import (LECTURING_SECRETARY_ROLES, MEETING_ORG_TYPES, SECRETARY_ORG_TYPES, AttendanceStatus, Grade,
                      MeetingState, MeetingType, counts_as_org_life)
from .models import (VOTE_FIELDS, Appraisal, AppraisalGrade, Attendance, Critique, Meeting, Resolution, Talk,
                     meeting_records, sync_attendance)

LEADING_GROUP_ROLES = (PostRole.LEADING_GROUP_MEMBER, PostRole.FIRST_RESPONSIBLE)
# Meetings whose expected attendees are post holders, not the org's members: → the roles.
POST_MEETING_ROLES = {MeetingType.COMMITTEE: COMMITTEE_ROLES, MeetingType.DEMOCRATIC_LIFE: LEADING_GROUP_ROLES,
                      MeetingType.LEADING_GROUP_MEETING: LEADING_GROUP_ROLES}
# What saving or deleting a meeting writes, by its type (`meeting_records`): the incremental run
# re-judges the rules that read meetings of that type (`engine.affected_rules`). (Deleting one also
# unlinks an appraisal from it; every rule that reads that link reads every meeting.)


# --- who is expected ------------------------------------------------------------------------------
def members_on(org: Org, day: dt.date):
    """People who were party members of `org` on `day` (probationary included).

    Membership history is read from the person's dates: admitted (probationary_date, else
    full_member_date) on or before the day, and either still a member or left after it."""
    joined = Q(probationary_date__lte=day) | Q(probationary_date__isnull=True, full_member_date__lte=day) | \
        Q(probationary_date__isnull=True, full_member_date__isnull=True)
    still = Q(status__in=MEMBER_STATUSES) | Q(status__in=LEFT_STATUSES | {Status.SUSPENDED}, status_since__gt=day)
    field = "group" if org.type == OrgType.GROUP else "org"
    return Person.objects.filter(**{field: org}).filter(joined).filter(still).exclude(
        Q(status__in=LEFT_STATUSES | {Status.SUSPENDED}) & Q(status_since__isnull=True))


def can_vote_on(person: Person, day: dt.date) -> bool:
    """正式党员 vote; 预备党员 and members under 留党察看 do not (ELEC-03)."""
    if person.on_probation_sanction:
        return False
    if person.full_member_date:
        return person.full_member_date <= day
    return person.status == Status.FULL and not person.probationary_date


def expected_attendees(org: Org, meeting_type: str, day: dt.date) -> list[Person]:
    """djx.md: committee → the committee members on that date; democratic_life (and a 党组会议, which
    DJX v1 does not carry) → the leading group's members; a party group → its members; otherwise the
    org's members on that date."""
    if meeting_type in POST_MEETING_ROLES:
        roles = POST_MEETING_ROLES[meeting_type]
        ids = Post.objects.filter(org=org, role__in=roles).current(day).values("person_id")
        return list(Person.objects.filter(pk__in=ids).order_by("name", "pk"))
    return list(members_on(org, day).order_by("name", "pk"))


# --- meetings -------------------------------------------------------------------------------------
@dataclass
class VoteInput:
    motion: str
    eligible: int
    present: int
    yes: int
    no: int = 0
    abstain: int = 0
    written_yes: int = 0


def _validate_vote(v: VoteInput, i: int) -> None:
    where = f"第{i + 1}项表决（{v.motion}）"
    if min(v.eligible, v.present, v.yes, v.no, v.abstain, v.written_yes) < 0:
        raise ActionError(f"{where}：人数不能为负数。", field="resolutions")
    if v.present > v.eligible:
        raise ActionError(f"{where}：实到人数（{v.present}）不能多于应到人数（{v.eligible}）。", field="resolutions")
    if v.yes + v.no + v.abstain > v.present + v.written_yes:
        raise ActionError(f"{where}：赞成、反对、弃权合计（{v.yes + v.no + v.abstain}）多于实到人数。",
                          field="resolutions")


# 批评和自我批评 belong to 组织生活会 and 领导班子民主生活会 (支部工作条例第十七条; 民主生活会若干规定).
CRITIQUE_TYPES = frozenset({MeetingType.ORG_LIFE, MeetingType.DEMOCRATIC_LIFE})


def _validate_critiques(meeting: Meeting, critiques, participants: set[int]) -> None:
    """Each critique: made by a participant, about a participant (none: 自我批评), with its text —
    the same checks as the form, so the API and every other caller get them too."""
    critiques = list(critiques)
    if critiques and meeting.type not in CRITIQUE_TYPES:
        raise ActionError(f"{meeting.get_type_display()}不登记批评和自我批评（只在组织生活会、民主生活会上开展）。",
                          field="critiques")
    for i, c in enumerate(critiques, 1):
        author, target = getattr(c.get("from"), "pk", c.get("from")), getattr(c.get("to"), "pk", c.get("to"))
        if author not in participants:
            raise ActionError(f"第{i}条批评意见：提出人须是参会人员。", field="critiques")
        if target is not None and target not in participants:
            raise ActionError(f"第{i}条批评意见：对象须是参会人员。", field="critiques")
        if not str(c.get("text") or "").strip():
            raise ActionError(f"第{i}条批评意见：请填写内容（具体问题，而不是“加强学习”之类的套话）。",
                              field="critiques")


MEETING_FIELDS = ("type", "state", "date", "place", "topic", "agenda", "chair_id", "lecturer_id", "minutes",
                  "first_item_study")


def _apply(meeting: Meeting, *, present, excused, expected, resolutions, critiques) -> None:
    """(Re)write the attendance, votes and critiques of a meeting and its derived counts."""
    org = meeting.org
    people = expected if expected is not None else expected_attendees(org, meeting.type, meeting.date)
    present_ids = {getattr(p, "pk", p) for p in (present or ())}
    excused = {getattr(k, "pk", k): v for k, v in (excused or {}).items()}
    known = {p.pk for p in people}
    # Someone who came (or sent apologies) but was not on the derived list (e.g. joined that
    # week) counts as expected.
    extra = {p.pk: p for p in Person.objects.filter(pk__in=(present_ids | set(excused)) - known)}
    if (present_ids | set(excused)) - known - set(extra):
        raise ActionError("出席或请假名单中有不存在的人员。", field="present")
    plan = plan_attendance(people, present_ids, excused, meeting.date, extra)
    # A QR sign-in time stays with whoever is still recorded present; a person changed to excused
    # or absent loses it (the record by hand is what counts).
    signed = dict(Attendance.objects.filter(meeting=meeting, signed_in_at__isnull=False)
                  .values_list("person_id", "signed_in_at"))
    Attendance.objects.filter(meeting=meeting).delete()
    counts = counts_as_org_life(meeting.state, meeting.type)
    Attendance.objects.bulk_create([
        Attendance(meeting=meeting, person_id=pid, status=status, reason=reason, voting=voting,
                   signed_in_at=signed.get(pid) if status == AttendanceStatus.PRESENT else None,
                   meeting_date=meeting.date, counts_as_org_life=counts)
        for pid, status, reason, voting in plan.rows])
    meeting.expected_count, meeting.present_count = plan.expected_count, plan.present_count
    meeting.voting_expected, meeting.voting_present = plan.voting_expected, plan.voting_present
    if resolutions is not None:
        Resolution.objects.filter(meeting=meeting).delete()
        votes = [v if isinstance(v, VoteInput) else VoteInput(**v) for v in resolutions]
        for i, v in enumerate(votes):
            _validate_vote(v, i)
        Resolution.objects.bulk_create([Resolution(meeting=meeting, order=i, **v.__dict__)
                                        for i, v in enumerate(votes)])
    if critiques is not None:
        _validate_critiques(meeting, critiques, {row[0] for row in plan.rows})
        Critique.objects.filter(meeting=meeting).delete()
        Critique.objects.bulk_create([
            Critique(meeting=meeting, order=i, author_id=getattr(c["from"], "pk", c["from"]),
                     target_id=getattr(c.get("to"), "pk", c.get("to")), text=c["text"])
            for i, c in enumerate(critiques)])
    meeting.save(update_fields=["expected_count", "present_count", "voting_expected", "voting_present"])


def _rejudged(org_id: int, *lecturer_ids) -> set[int]:
    """The orgs to re-judge after a meeting changed: its own, and the orgs where its lecturer is
    党委（党组）书记 — ORGLIFE-02 counts a secretary's 党课 wherever it was given, and that org is
    not always an ancestor of the meeting's (a 党组 beside the 机关党委)."""
    ids = {org_id}
    lecturers = {i for i in lecturer_ids if i}
    if lecturers:
        ids |= set(Post.objects.filter(person_id__in=lecturers, role__in=LECTURING_SECRETARY_ROLES,
                                       org__type__in=SECRETARY_ORG_TYPES).values_list("org_id", flat=True))
    return ids


def _check_meeting(org: Org, meeting_type: str, state: str, day: dt.date, topic: str) -> None:
    if org.is_dissolved and day >= org.dissolved:
        raise ActionError("该组织已撤销，不能在撤销之后召开会议。", field="date")
    if meeting_type not in MeetingType.values:
        raise ActionError(f"未知的会议类型：{meeting_type}", field="type")
    if state == MeetingState.HELD and day > timezone.localdate():
        raise ActionError("尚未召开的会议请先发布会议通知，召开后再登记。", field="date")
    if meeting_type in MEETING_ORG_TYPES and org.type != MEETING_ORG_TYPES[meeting_type][0]:
        raise ActionError(MEETING_ORG_TYPES[meeting_type][1], field="type")
    if not (topic or "").strip():
        raise ActionError("请填写会议主题。", field="topic")


@transaction.atomic
def do_record_meeting(*, org: Org, type: str, date: dt.date, topic: str, state: str = MeetingState.HELD,
                      present=(), excused=None, expected=None, resolutions=None, critiques=None,
                      acting_user=None, **fields) -> Meeting:
    """Record a meeting (held, or announced with its agenda). `present` and `excused` name people;
    everyone else expected (derived from membership on the date unless `expected` is given) is
    recorded as absent."""
    _check_meeting(org, type, state, date, topic)
    meeting = Meeting.objects.create(org=org, type=type, state=state, date=date, topic=topic.strip(),
                                     entered_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
                                     **fields)
    if state == MeetingState.HELD:
        _apply(meeting, present=present, excused=excused, expected=expected, resolutions=resolutions or [],
               critiques=critiques or [])
    verb = "meeting.record" if state == MeetingState.HELD else "meeting.announce"
    audit.record(verb, f"{'登记' if state == MeetingState.HELD else '发布通知：'}{org}{meeting.date:%Y-%m-%d}"
                 f"{meeting.get_type_display()}“{meeting.topic}”", actor=acting_user, org=org, obj=meeting,
                 after=audit.snapshot(meeting, MEETING_FIELDS + ("expected_count", "present_count")))
    engine.schedule(_rejudged(org.pk, meeting.lecturer_id), changed=meeting_records([type]))
    return meeting


@transaction.atomic
def do_update_meeting(meeting: Meeting, *, acting_user=None, present=None, excused=None, expected=None,
                      resolutions=None, critiques=None, **changes) -> Meeting:
    """Correct a meeting, or record an announced one as held (state=held with the attendance)."""
    m = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    before = audit.snapshot(m, MEETING_FIELDS + ("expected_count", "present_count"))
    lecturer_before, type_before = m.lecturer_id, m.type
    for k, v in changes.items():
        if k not in MEETING_FIELDS and k not in ("chair", "lecturer"):
            raise ActionError(f"不能直接修改字段 {k}")
        setattr(m, k, v)
    _check_meeting(m.org, m.type, m.state, m.date, m.topic)
    m.save()
    if m.state == MeetingState.HELD and (present is not None or excused is not None or expected is not None
                                         or "date" in changes or "type" in changes or before["state"] != m.state):
        if present is None:
            present = list(m.attendance.filter(status=AttendanceStatus.PRESENT).values_list("person_id", flat=True))
        if excused is None:
            excused = dict(m.attendance.filter(status=AttendanceStatus.EXCUSED).values_list("person_id", "reason"))
        _apply(m, present=present, excused=excused, expected=expected, resolutions=resolutions,
               critiques=critiques)
    elif resolutions is not None or critiques is not None:
        _apply(m, present=list(m.attendance.filter(status=AttendanceStatus.PRESENT).values_list("person_id", flat=True)),
               excused=dict(m.attendance.filter(status=AttendanceStatus.EXCUSED).values_list("person_id", "reason")),
               expected=None, resolutions=resolutions, critiques=critiques)
    after = audit.snapshot(m, MEETING_FIELDS + ("expected_count", "present_count"))
    diff = {k: v for k, v in before.items() if after[k] != v}
    if {"date", "type", "state"} & set(diff):
        sync_attendance([m.pk])   # rows not rewritten above still carry the old date, type or state
    audit.record("meeting.update", f"修改{m.org}{m.date:%Y-%m-%d}{m.get_type_display()}的记录", actor=acting_user,
                 org=m.org, obj=m, before=diff, after={k: after[k] for k in diff})
    _sync_study_credit(m)
    engine.schedule(_rejudged(m.org_id, lecturer_before, m.lecturer_id),
                    changed=meeting_records({type_before, m.type}))
    return m


@transaction.atomic
def do_delete_meeting(meeting: Meeting, *, reason: str = "", acting_user=None) -> None:
    m = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    if not reason.strip():
        raise ActionError("删除会议记录须注明理由（例如：重复录入）。", field="reason")
    org = m.org
    audit.record("meeting.delete", f"删除{org}{m.date:%Y-%m-%d}{m.get_type_display()}“{m.topic}”：{reason}",
                 actor=acting_user, org=org, obj=m, before=audit.snapshot(m, MEETING_FIELDS), reason=reason)
    lecturer = m.lecturer_id
    _sync_study_credit(m, deleting=True)
    m.delete()
    engine.schedule(_rejudged(org.pk, lecturer), changed=meeting_records([m.type]))


def _sync_study_credit(m: Meeting, deleting: bool = False) -> None:
    """A 中心组学习 that credits 学时 (dangjian.study) keeps its StudyRecords in step with its attendance and
    state: rewritten after a change, gone with the meeting (and the members' orgs re-judged)."""
    from dangjian.study.actions import sync_meeting_credit

    if deleting:
        m.state = MeetingState.CANCELLED          # (the records go now; the meeting itself is deleted next)
    sync_meeting_credit(m)


# --- optional QR sign-in (扫码签到, never required: 不强制打卡) --------------------------------------
SIGN_IN_STATES = (MeetingState.ANNOUNCED, MeetingState.HELD)


def is_expected_at(meeting: Meeting, person: Person) -> bool:
    """Whether `person` is expected at `meeting`: on its derived list (`expected_attendees` on the
    meeting's date: members of the org — probationary included — or the committee / leading group),
    or already on its attendance record."""
    if person is None:
        return False
    if Attendance.objects.filter(meeting=meeting, person=person).exists():
        return True
    return person.pk in {p.pk for p in expected_attendees(meeting.org, meeting.type, meeting.date)}


def _recount(meeting: Meeting) -> None:
    """The meeting's derived counts from its attendance rows (the same sums as `plan_attendance`)."""
    rows = list(Attendance.objects.filter(meeting=meeting).values_list("status", "voting"))
    present = [v for s, v in rows if s == AttendanceStatus.PRESENT]
    meeting.expected_count, meeting.present_count = len(rows), len(present)
    meeting.voting_expected, meeting.voting_present = sum(v for _, v in rows), sum(present)
    meeting.save(update_fields=["expected_count", "present_count", "voting_expected", "voting_present"])


@transaction.atomic
def do_sign_in(meeting: Meeting, person: Person, *, at=None, acting_user=None) -> Attendance:
    """A member scans the meeting's QR code: marked present with the time. Only on the meeting's day
    (local date), only for an announced or held meeting and only for someone expected at it. A second
    scan keeps the first time. Voting follows membership (a probationary member signs in, without a
    vote). Nobody has to scan: the branch records attendance by hand as before."""
    at = at or timezone.now()
    m = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    if acting_user is not None and getattr(acting_user, "person_id", None) != person.pk:
        raise ActionError("扫码签到只能本人进行；其他同志的出席情况由支部在会议记录中登记。", field="person")
    if m.state not in SIGN_IN_STATES:
        raise ActionError("该会议已取消，无需签到。", field="meeting")
    day = timezone.localdate(at)
    if day != m.date:
        when = "尚未开始" if day < m.date else "已结束"
        raise ActionError(f"扫码签到只在会议当天（{m.date:%Y-%m-%d}）开放，现在{when}。"
                          "未扫码的由支部在会议记录中登记出席。", field="date")
    if not is_expected_at(m, person):
        raise ActionError(f"{person.name}不在本次会议的应到人员名单中，无需签到。", field="person")
    row = Attendance.objects.filter(meeting=m, person=person).first()
    if row is not None and row.signed_in_at is not None:
        return row                                   # scanned again: the first time stands
    if not Attendance.objects.filter(meeting=m).exists():
        # No record yet (an announced meeting): the derived list, everyone else not yet present.
        _apply(m, present=[person.pk], excused={}, expected=None, resolutions=None, critiques=None)
        row = Attendance.objects.get(meeting=m, person=person)
    else:
        if row is None:
            row = Attendance(meeting=m, person=person, voting=can_vote_on(person, m.date), meeting_date=m.date,
                             counts_as_org_life=counts_as_org_life(m.state, m.type))
        row.status, row.reason = AttendanceStatus.PRESENT, ""
    row.signed_in_at = at
    row.save()
    _recount(m)
    audit.record("meeting.sign_in", f"{person.name}扫码签到：{m.org}{m.date:%Y-%m-%d}{m.get_type_display()}"
                 f"“{m.topic}”（{timezone.localtime(at):%H:%M}）", actor=acting_user, org=m.org, person=person,
                 obj=m, after={"person": person.pk, "signed_in_at": at, "voting": row.voting})
    _sync_study_credit(m)
    engine.schedule([m.org_id], changed=meeting_records([m.type]))
    return row


# --- talks ----------------------------------------------------------------------------------------
@transaction.atomic
def do_record_talk(*, a: Person, b: Person, date: dt.date, topic: str = "", org: Org | None = None,
                   acting_user=None) -> Talk:
    if a.pk == b.pk:
        raise ActionError("谈心谈话须在两人之间进行。", field="b")
    if date > timezone.localdate():
        raise ActionError("谈话日期不能晚于今天。", field="date")
    org = org or a.org or b.org
    if org is None:
        raise ActionError("谈话双方都不在任何党组织中，无法登记。", field="a")
    talk = Talk.objects.create(org=org, a=a, b=b, date=date, topic=topic.strip())
    audit.record("talk.record", f"登记谈心谈话：{a}与{b}（{date:%Y-%m-%d}）", actor=acting_user, org=org, obj=talk)
    engine.schedule({org.pk, a.org_id, b.org_id} - {None}, changed=(Talk,))
    return talk


# --- 民主评议党员 ------------------------------------------------------------------------------------
APPRAISAL_TEXT_FIELDS = ("self_assessment", "peer_opinion")
APPRAISAL_DETAIL_FIELDS = APPRAISAL_TEXT_FIELDS + tuple(VOTE_FIELDS.values())
_KEEP = object()


def _vote_count(value, name: str, label: str, field: str = "grades"):
    """A count typed or sent: blank/None = not recorded; otherwise a whole number, not negative."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip() if isinstance(value, str) else value
    typed = isinstance(text, str) and ascii_int(text, negative=True, min=None, max=INT_MAX) is not None
    if isinstance(text, bool) or not (isinstance(text, int) or typed):
        raise ActionError(f"{name}：{label}须为整数。", field=field)
    n = int(text)
    if n < 0:
        raise ActionError(f"{name}：{label}不能为负数。", field=field)
    return n


def _clean_details(person: Person, given: dict) -> dict:
    """The 自评/互评/测评 fields given for one member, checked; keys not given are left as they are."""
    unknown = set(given) - set(APPRAISAL_DETAIL_FIELDS)
    if unknown:
        raise ActionError(f"{person.name}：未知的评议字段{'、'.join(sorted(unknown))}。", field="grades")
    out = {}
    for f in APPRAISAL_TEXT_FIELDS:
        if f in given:
            out[f] = (given[f] or "").strip()
    for g, f in VOTE_FIELDS.items():
        if f in given:
            out[f] = _vote_count(given[f], person.name, f"测评“{g.label}”票数")
    return out


@transaction.atomic
def do_record_appraisal(*, org: Org, year: int, grades: dict, meeting=_KEEP,
                        acting_user=None, details: dict | None = None, raters=_KEEP) -> Appraisal:
    """The year's 民主评议党员 (ORGLIFE-06: 个人自评、党员互评、民主测评, then the grade).

    `grades` {person: grade or None} is the list of those appraised. `details` {person: {field: value}}
    carries, for any of them, `self_assessment`, `peer_opinion` and the 测评 tally `votes_excellent`,
    `votes_qualified`, `votes_basic`, `votes_unqualified` (None = not recorded); fields not given keep
    what was recorded. `raters` is 参加民主测评人数 (not given: kept). EVAL-01: 优秀 at most a third of
    the members (refused on save); EVAL-02: probationary members take part (自评、互评、测评) but are
    not graded. A member's votes may not add up to more than the raters."""
    from dangjian.core.permissions import ADD, can_in_org

    if acting_user is not None and not can_in_org(acting_user, ADD, org):
        raise ActionError(f"无权登记{org}的民主评议结果。", field="org")
    details = details or {}
    grades = {getattr(k, "pk", k): v for k, v in grades.items()}
    details = {getattr(k, "pk", k): v for k, v in details.items()}
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(grades))}
    for pid, grade in grades.items():
        p = people.get(pid)
        if p is None:
            raise ActionError("评议名单中有不存在的人员。", field="grades")
        if grade is not None and grade not in Grade.values:
            raise ActionError(f"{p.name}：未知的评定等次“{grade}”。", field="grades")
        if grade is not None and p.status == Status.PROBATIONARY:
            raise ActionError(f"{p.name}是预备党员：预备党员参加民主评议，但不评定等次（EVAL-02）。",
                              field="grades", rule="EVAL-02")
    if set(details) - set(grades):
        raise ActionError("自评、互评或测评票数所填的人员不在评议名单中。", field="grades")
    details = {pid: _clean_details(people[pid], d or {}) for pid, d in details.items()}
    if raters is not _KEEP:
        raters = _vote_count(raters, "参加民主测评人数", "人数", field="raters")
    total = len(grades)
    excellent = sum(g == Grade.EXCELLENT for g in grades.values())
    if total and 3 * excellent > total:
        raise ActionError(f"评为优秀的{excellent}人，超过参评党员总数{total}人的三分之一（最多{total // 3}人）："
                          "评为“优秀”的一般不超过党员总数的1/3（EVAL-01）。", field="grades", rule="EVAL-01")

    appraisal = Appraisal.objects.select_for_update().filter(org=org, year=year).first()
    if appraisal is None:
        appraisal = Appraisal(org=org, year=year, raters=None if raters is _KEEP else raters)
    elif raters is not _KEEP:
        appraisal.raters = raters
    if meeting is not _KEEP:      # left out: the linked meeting stays (it dates the appraisal: EVAL-02, DISP-03)
        appraisal.meeting = meeting
    # Rows are kept (updated in place, not rewritten): a disposition opened on a grade links to it.
    old = {g.person_id: g for g in AppraisalGrade.objects.filter(appraisal_id=appraisal.pk)} if appraisal.pk else {}
    rows = []
    for pid, grade in grades.items():
        row = old.get(pid) or AppraisalGrade(person_id=pid)
        row.grade = grade
        for f, v in details.get(pid, {}).items():
            setattr(row, f, v)
        rows.append(row)
    if appraisal.raters is not None:
        for row in rows:
            cast = sum(n or 0 for n in row.votes.values())
            if cast > appraisal.raters:
                raise ActionError(f"{people[row.person_id].name}的测评票数合计{cast}票，超过参加民主测评的"
                                  f"{appraisal.raters}人：每人对每名党员只投一票。", field="grades")
    appraisal.save()
    AppraisalGrade.objects.filter(appraisal=appraisal).exclude(person_id__in=list(grades)).delete()
    AppraisalGrade.objects.bulk_update([r for r in rows if r.pk], ["grade", *APPRAISAL_DETAIL_FIELDS])
    new = [r for r in rows if not r.pk]
    for r in new:
        r.appraisal = appraisal
    AppraisalGrade.objects.bulk_create(new)
    tallied = sum(any(n is not None for n in r.votes.values()) for r in rows)
    note = f"，参加民主测评{appraisal.raters}人" if appraisal.raters is not None else ""
    note += f"，{tallied}人登记了测评票数" if tallied else ""
    audit.record("appraisal.record", f"登记{org}{year}年民主评议党员结果：优秀{excellent}人，共{total}人{note}",
                 actor=acting_user, org=org, obj=appraisal)
    engine.schedule([org.pk], changed=(Appraisal, AppraisalGrade))
    return appraisal


# --- bulk paths (DJX import of thousands of meetings) ---------------------------------------------
# The same semantics as `expected_attendees` and `_apply`, computed for many meetings from a few
# queries instead of several per meeting: a 15,000-meeting file must not cost 60,000 queries.
def is_member_on(person: Person, day: dt.date) -> bool:
    """`members_on`'s conditions for one loaded person (probationary_date, full_member_date,
    status, status_since), evaluated in Python."""
    if person.probationary_date is not None:
        joined = person.probationary_date <= day
    else:
        joined = person.full_member_date is None or person.full_member_date <= day
    if person.status in MEMBER_STATUSES:
        still = True
    elif person.status in LEFT_STATUSES | {Status.SUSPENDED}:
        still = person.status_since is not None and person.status_since > day
    else:
        still = False
    return joined and still


PERSON_FIELDS_FOR_ATTENDANCE = ("id", "name", "org_id", "group_id", "status", "status_since",
                                "probationary_date", "full_member_date", "on_probation_sanction")


def expected_attendees_many(keys) -> dict[tuple[int, str, dt.date], list[Person]]:
    """`expected_attendees(org, type, day)` for many `(org_id, type, day)` keys at once."""
    from dangjian.core.bulk import chunks

    keys = set(keys)
    org_ids = {k[0] for k in keys}
    org_types = dict(Org.objects.filter(pk__in=org_ids).values_list("pk", "type")) if org_ids else {}
    post_keys = {k for k in keys if k[1] in POST_MEETING_ROLES}
    member_keys = keys - post_keys
    posts: dict[int, list[tuple]] = {}
    for chunk in chunks(sorted({k[0] for k in post_keys}), 2000):
        for org_id, role, start, end, person_id in Post.objects.filter(org_id__in=chunk).values_list(
                "org_id", "role", "start", "end", "person_id"):
            posts.setdefault(org_id, []).append((role, start, end, person_id))
    group_orgs = {k[0] for k in member_keys if org_types.get(k[0]) == OrgType.GROUP}
    plain_orgs = {k[0] for k in member_keys} - group_orgs
    people: dict[int, Person] = {}
    by_org: dict[int, list[Person]] = {}
    for field, ids in (("group_id", group_orgs), ("org_id", plain_orgs)):
        for chunk in chunks(sorted(ids), 2000):
            for p in Person.objects.filter(**{f"{field}__in": chunk}).only(*PERSON_FIELDS_FOR_ATTENDANCE):
                people[p.pk] = p
                by_org.setdefault(getattr(p, field), []).append(p)
    holders = {pid for rows in posts.values() for *_, pid in rows} - set(people)
    for chunk in chunks(sorted(holders), 2000):
        for p in Person.objects.filter(pk__in=chunk).only(*PERSON_FIELDS_FOR_ATTENDANCE):
            people[p.pk] = p
    out = {}
    for key in keys:
        org_id, meeting_type, day = key
        if key in post_keys:
            roles = POST_MEETING_ROLES[meeting_type]
            ids = {pid for role, start, end, pid in posts.get(org_id, ())
                   if role in roles and (start is None or start <= day) and (end is None or end >= day)}
            chosen = [people[i] for i in ids if i in people]
        else:
            chosen = [p for p in by_org.get(org_id, ()) if is_member_on(p, day)]
        out[key] = sorted(chosen, key=lambda p: (p.name, p.pk))
    return out


@dataclass
class AttendancePlan:
    """What `_apply` writes for one meeting: (person_id, status, reason, voting) rows and the counts."""

    rows: list[tuple[int, str, str, bool]]
    expected_count: int
    present_count: int
    voting_expected: int
    voting_present: int


def plan_attendance(expected, present_ids, excused: dict, day: dt.date, extra: dict) -> AttendancePlan:
    """`_apply`'s attendance for one meeting without touching the database: `expected` are Person
    objects, `present_ids`/`excused` person pks, `extra` the loaded people who came (or sent
    apologies) without being on the expected list — they count as expected, as in `_apply`."""
    by_id = {p.pk: p for p in expected}
    present_ids = set(present_ids)
    if present_ids & set(excused):
        raise ActionError("同一人不能既出席又请假。", field="present")
    for pid in (present_ids | set(excused)) - set(by_id):
        by_id[pid] = extra[pid]
    rows = []
    for pid, person in by_id.items():
        status = (AttendanceStatus.PRESENT if pid in present_ids else
                  AttendanceStatus.EXCUSED if pid in excused else AttendanceStatus.ABSENT)
        rows.append((pid, str(status), (excused.get(pid) or "")[:200], can_vote_on(person, day)))
    present = [r for r in rows if r[1] == AttendanceStatus.PRESENT]
    return AttendancePlan(rows=rows, expected_count=len(rows), present_count=len(present),
                          voting_expected=sum(r[3] for r in rows), voting_present=sum(r[3] for r in present))


# --- meeting attachments --------------------------------------------------------------------------
# Limits are settings with these defaults (ATTACHMENT_MAX_BYTES, ATTACHMENT_MAX_PER_MEETING,
# ATTACHMENT_TYPES): the type is sniffed from the first bytes, so an HTML page renamed .png is
# refused, whatever the name or the browser says.
ATTACHMENT_DEFAULT_TYPES = ("image/jpeg", "image/png", "application/pdf", "image/webp")
ATTACHMENT_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf", "image/webp": "webp",
                         "image/heic": "heic"}
ATTACHMENT_LABELS = {"image/jpeg": "JPEG 图片", "image/png": "PNG 图片", "application/pdf": "PDF 文件",
                     "image/webp": "WebP 图片", "image/heic": "HEIC 图片"}
PROCESS_TYPES = (MeetingType.ORG_LIFE, MeetingType.DEMOCRATIC_LIFE)


def attachment_limits() -> tuple[int, int, tuple[str, ...]]:
    from django.conf import settings

    return (int(getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)),
            int(getattr(settings, "ATTACHMENT_MAX_PER_MEETING", 20)),
            tuple(getattr(settings, "ATTACHMENT_TYPES", ATTACHMENT_DEFAULT_TYPES)))


def sniff_content_type(head: bytes) -> str | None:
    """The file's type from its magic number, or None when it is none of the known kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1"):
        return "image/heic"
    return None


def _size_label(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _chunks(f):
    if hasattr(f, "chunks"):
        yield from f.chunks()
    else:
        while block := f.read(64 * 1024):
            yield block


def _write_upload(f, name: str, max_bytes: int, allowed, day: dt.date) -> dict:
    """Stream one upload to MEDIA_ROOT/meetings/<yyyy>/<uuid>.<ext> through a temporary file in the
    same directory and an atomic rename, hashing as it goes. On any refusal or error the temporary
    file is removed: nothing half-written remains."""
    import hashlib
    import os
    import tempfile
    import uuid

    from django.conf import settings

    size_hint = getattr(f, "size", None)
    if size_hint is not None and size_hint > max_bytes:
        raise ActionError(f"“{name}”大小为 {_size_label(size_hint)}，超过单个附件 {_size_label(max_bytes)} 的上限，"
                          "请压缩或分页扫描后再上传。", field="files")
    folder = os.path.join(settings.MEDIA_ROOT, "meetings", f"{day.year:04d}")
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            for block in _chunks(f):
                if len(head) < 16:
                    head += block[:16 - len(head)]
                size += len(block)
                if size > max_bytes:
                    raise ActionError(f"“{name}”超过单个附件 {_size_label(max_bytes)} 的上限，请压缩或分页扫描后再上传。",
                                      field="files")
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise ActionError(f"“{name}”是空文件，请重新选择。", field="files")
        content_type = sniff_content_type(head)
        if content_type not in allowed:
            kinds = "、".join(ATTACHMENT_LABELS.get(t, t) for t in allowed)
            raise ActionError(f"“{name}”不是允许的文件类型（按文件内容判断，而不是文件名）。可以上传：{kinds}。",
                              field="files")
        rel = f"meetings/{day.year:04d}/{uuid.uuid4().hex}.{ATTACHMENT_EXTENSIONS[content_type]}"
        os.replace(tmp, os.path.join(settings.MEDIA_ROOT, rel))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return {"file": rel, "content_type": content_type, "size": size, "sha256": digest.hexdigest()}


def _display_name(name: str) -> str:
    """The uploader's file name as shown and offered on download (the path part dropped; a very long
    name keeps its start and its extension)."""
    import os

    name = os.path.basename((name or "").replace("\\", "/")).strip() or "附件"
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext) - 1] + "…" + ext[:20]
    return name[:255]


def do_add_attachments(meeting: Meeting, files, *, acting_user=None) -> list:
    """Attach photos or scans to a meeting, all or none: when one file is refused (type, size, the
    per-meeting count, a duplicate) nothing is kept and the message names the file. A full storage (no space, the
    quota reached, a file too large for it) is said so in Chinese, with nothing kept either (docs/faults.md)."""
    import errno
    import os

    from django.conf import settings

    from .models import MeetingAttachment

    files = list(files)
    if not files:
        raise ActionError("请选择要上传的文件。", field="files")
    max_bytes, max_count, allowed = attachment_limits()
    written: list[str] = []
    try:
        with transaction.atomic():
            m = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
            have = list(MeetingAttachment.objects.filter(meeting=m).values_list("sha256", "original_name"))
            if len(have) + len(files) > max_count:
                raise ActionError(f"每次会议最多 {max_count} 个附件：已有 {len(have)} 个，本次选择了 {len(files)} 个。"
                                  "请先删除不需要的附件。", field="files")
            seen = dict(have)
            created = []
            for f in files:
                name = _display_name(getattr(f, "name", ""))
                info = _write_upload(f, name, max_bytes, allowed, m.date)
                written.append(info["file"])
                if info["sha256"] in seen:
                    raise ActionError(f"“{name}”与已上传的“{seen[info['sha256']]}”内容相同，无需重复上传。",
                                      field="files")
                seen[info["sha256"]] = name
                created.append(MeetingAttachment.objects.create(
                    meeting=m, original_name=name, uploaded_by=acting_user if getattr(
                        acting_user, "is_authenticated", False) else None, **info))
            names = "、".join(a.original_name for a in created)
            audit.record("attachment.add", f"为{m.org}{m.date:%Y-%m-%d}{m.get_type_display()}上传附件{len(created)}个：{names}",
                         actor=acting_user, org=m.org, obj=m,
                         after={"attachments": [{"id": a.pk, "name": a.original_name, "type": a.content_type,
                                                 "size": a.size, "sha256": a.sha256} for a in created]})
    except BaseException as exc:
        for rel in written:
            path = os.path.join(settings.MEDIA_ROOT, rel)
            if os.path.exists(path):
                os.unlink(path)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            # (the partial file is already gone: `_write_upload` removes its temporary file on any error)
            raise ActionError("服务器存储空间不足，附件无法保存。请联系系统管理员清理或扩充存储空间后重新上传。",
                              field="files") from exc
        raise
    return created


def do_add_attachment(meeting: Meeting, file, *, acting_user=None):
    return do_add_attachments(meeting, [file], acting_user=acting_user)[0]


@transaction.atomic
def do_delete_attachment(attachment, *, reason: str = "", acting_user=None) -> None:
    from .models import MeetingAttachment

    a = MeetingAttachment.objects.select_for_update(of=("self",)).select_related("meeting__org").get(pk=attachment.pk)
    if not (reason or "").strip():
        raise ActionError("删除附件须注明理由（例如：传错了照片）。", field="reason")
    m = a.meeting
    audit.record("attachment.delete", f"删除{m.org}{m.date:%Y-%m-%d}{m.get_type_display()}的附件“{a.original_name}”：{reason}",
                 actor=acting_user, org=m.org, obj=m, reason=reason.strip(),
                 before={"id": a.pk, "name": a.original_name, "type": a.content_type, "size": a.size,
                         "sha256": a.sha256, "file": a.file.name})
    # The file itself is removed after commit by the post_delete receiver in models.py.
    a.delete()


# --- 组织生活会 / 民主生活会: 对照检查材料 and 整改清单 ----------------------------------------------
def _check_process_meeting(m: Meeting, what: str) -> None:
    if m.type not in PROCESS_TYPES:
        raise ActionError(f"只有组织生活会和民主生活会需要登记{what}。", field="meeting")


def process_participants(m: Meeting) -> list[Person]:
    """Who takes part: the attendance list of a held meeting, otherwise those expected on its date."""
    rows = list(Person.objects.filter(attendance__meeting=m).order_by("name", "pk"))
    return rows if rows else expected_attendees(m.org, m.type, m.date)


@transaction.atomic
def do_record_self_check(meeting: Meeting, *, person: Person, text: str, acting_user=None):
    """Record (or replace) one participant's 对照检查材料. The branch records anyone's; a member
    may submit only their own."""
    from dangjian.core.permissions import CHANGE, can_in_org

    from .models import SelfCheck

    m = Meeting.objects.select_related("org").get(pk=meeting.pk)
    _check_process_meeting(m, "对照检查材料")
    own = getattr(acting_user, "person_id", None) == person.pk
    if acting_user is not None and not own and not can_in_org(acting_user, CHANGE, m.org):
        raise ActionError("只能提交本人的对照检查材料；其他同志的材料由支部录入。", field="person")
    if person.pk not in {p.pk for p in process_participants(m)}:
        raise ActionError(f"{person.name}不是本次会议的参会人员，不能登记其对照检查材料。", field="person")
    text = (text or "").strip()
    if not text:
        raise ActionError("请填写对照检查材料的内容。", field="text")
    before = SelfCheck.objects.filter(meeting=m, person=person).values_list("text", flat=True).first()
    # select_related(None): the manager joins the nullable `entered_by`, and PostgreSQL refuses
    # FOR UPDATE (taken by update_or_create) on the nullable side of an outer join.
    sc, _ = SelfCheck.objects.select_related(None).update_or_create(
        meeting=m, person=person,
        defaults={"text": text, "submitted_at": timezone.now(),
                  "entered_by": acting_user if getattr(acting_user, "is_authenticated", False) else None})
    audit.record("self_check.record", f"{'修改' if before is not None else '登记'}{person.name}在{m.org}"
                 f"{m.date:%Y-%m-%d}{m.get_type_display()}的对照检查材料", actor=acting_user, org=m.org,
                 person=person, obj=m, before={"text": before} if before is not None else None, after={"text": text})
    engine.schedule([m.org_id], changed=(SelfCheck,))     # (an input of TXT-01: copied 对照检查材料)
    return sc


@transaction.atomic
def do_add_rectification_item(meeting: Meeting, *, problem: str, owner: Person, deadline: dt.date,
                              acting_user=None):
    from .models import RectificationItem

    m = Meeting.objects.select_related("org").get(pk=meeting.pk)
    _check_process_meeting(m, "整改清单")
    if m.state != MeetingState.HELD:
        raise ActionError("整改清单在会议召开后制定：请先登记会议召开情况。", field="meeting")
    problem = (problem or "").strip()
    if not problem:
        raise ActionError("请写明需要整改的问题。", field="problem")
    if owner is None:
        raise ActionError("请指定整改责任人。", field="owner")
    if deadline is None or deadline < m.date:
        raise ActionError(f"整改时限不能早于会议日期（{m.date:%Y-%m-%d}）。", field="deadline")
    item = RectificationItem.objects.create(
        meeting=m, problem=problem, owner=owner, deadline=deadline,
        entered_by=acting_user if getattr(acting_user, "is_authenticated", False) else None)
    audit.record("rectification.add", f"{m.org}{m.date:%Y-%m-%d}{m.get_type_display()}整改清单：{problem[:60]}"
                 f"（责任人{owner.name}，时限{deadline:%Y-%m-%d}）", actor=acting_user, org=m.org, person=owner, obj=m,
                 after={"item": item.pk, "problem": problem, "owner": owner, "deadline": deadline})
    return item


@transaction.atomic
def do_close_rectification_item(item, *, closed: dt.date, evidence: str, acting_user=None):
    from .models import RectificationItem

    it = RectificationItem.objects.select_for_update(of=("self",)).select_related("meeting__org", "owner").get(pk=item.pk)
    m = it.meeting
    if it.closed is not None:
        raise ActionError(f"该整改事项已于{it.closed:%Y-%m-%d}完成。", field="closed")
    if closed is None or closed > timezone.localdate():
        raise ActionError("完成日期不能晚于今天。", field="closed")
    if closed < m.date:
        raise ActionError(f"完成日期不能早于会议日期（{m.date:%Y-%m-%d}）。", field="closed")
    evidence = (evidence or "").strip()
    if not evidence:
        raise ActionError("请写明整改成效（做了什么、有何佐证），再标记完成。", field="evidence")
    it.closed, it.evidence = closed, evidence
    it.save(update_fields=["closed", "evidence"])
    late = (closed - it.deadline).days
    audit.record("rectification.close", f"整改事项完成：{it.problem[:60]}（{closed:%Y-%m-%d}"
                 f"{f'，逾期{late}天' if late > 0 else ''}）", actor=acting_user, org=m.org, person=it.owner, obj=m,
                 after={"item": it.pk, "closed": closed, "evidence": evidence})
    return it
