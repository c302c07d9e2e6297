"""发展党员 actions: open a recruitment file, record a step, correct a step. Every step is checked by
`workflow.refusals` (order, repetition, and the BLOCK rules judged on the step's date) and refused with
the article; corrections void the old record and add a new one, so nothing is edited silently.

The person's own record follows the file: 入党申请人 → 入党积极分子 → 发展对象 at those steps, 预备党员 from the
approval (入党日期 = the branch meeting's date, DEV-22), 正式党员 at the confirmation's approval (转正日期 =
the end of probation, DEV-25)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES, Status
from dangjian.people.models import Person

from .choices import REPEATABLE, VOTES, ArchiveDoc, Conclusion, PublicityFor, Step, StopBasis
from .models import RecruitmentEvent, RecruitmentFile
from .rules import RECEIVING_TYPES, Ev, load_facts, probation_end
from .workflow import refusals

RECORDS = (RecruitmentFile, RecruitmentEvent, RecruitmentEvent.persons.through, Person)
# The person's standing after each step (the others leave it as it is).
STATUS_AFTER = {Step.APPLICATION: Status.APPLICANT, Step.ACTIVIST: Status.ACTIVIST, Step.CANDIDATE: Status.CANDIDATE,
                Step.APPROVAL: Status.PROBATIONARY, Step.CONFIRM_APPROVAL: Status.FULL}
DATA_FIELDS = ("conclusion", "days", "hours", "eligible", "present", "yes", "written_yes", "candidates_in_vote",
               "approver", "months", "docs", "reason", "publicity_for", "end_date")


def _event(step: str, date: dt.date, persons=(), **data) -> Ev:
    return Ev(step=step, date=date, conclusion=data.get("conclusion") or "",
              days=None if data.get("days") is None else float(data["days"]),
              hours=None if data.get("hours") is None else float(data["hours"]),
              eligible=data.get("eligible"), present=data.get("present"), yes=data.get("yes"),
              written_yes=data.get("written_yes"), candidates_in_vote=data.get("candidates_in_vote"),
              approver_id=data["approver"].pk if data.get("approver") else None, months=data.get("months"),
              docs=list(data.get("docs") or []), persons=[p.pk for p in persons], reason=data.get("reason") or "",
              publicity_for=data.get("publicity_for") or "", end_date=data.get("end_date"))


def _check_data(step: str, date: dt.date, persons, data: dict) -> None:
    """What each step must carry (the rules then judge the values)."""
    if step not in Step.values:
        raise ActionError(f"未知的发展党员环节：{step}", field="step")
    if date > timezone.localdate():
        raise ActionError("日期不能晚于今天；尚未发生的环节请到时再登记。", field="date")
    unknown = set(data) - set(DATA_FIELDS)
    if unknown:
        raise ActionError(f"不能为该环节填写：{'、'.join(sorted(unknown))}")
    if step in (Step.MENTORS, Step.SPONSORS) and not persons:
        raise ActionError("请选择" + ("培养联系人（一至两名正式党员）" if step == Step.MENTORS else "两名入党介绍人"),
                          field="persons")
    if step == Step.POLITICAL_REVIEW and data.get("conclusion") not in Conclusion.values:
        raise ActionError("请填写政审结论（合格或不合格）。", field="conclusion")
    if step == Step.TRAINING and data.get("days") is None and data.get("hours") is None:
        raise ActionError("请填写培训天数或学时。", field="days")
    if step in VOTES:
        for f in ("eligible", "present", "yes"):
            if data.get(f) is None:
                raise ActionError("请填写应到、实到有表决权党员人数和赞成票数。", field=f)
        if data["present"] > data["eligible"] or data["yes"] + (data.get("written_yes") or 0) > data["eligible"]:
            raise ActionError("实到人数和赞成票（含书面意见）不能超过应到有表决权党员人数。", field="present")
    if step in (Step.APPROVAL, Step.CONFIRM_APPROVAL) and not data.get("approver"):
        raise ActionError("请选择审批的上级党委。", field="approver")
    if step == Step.EXTENSION and not data.get("months"):
        raise ActionError("请填写延长的月数（6至12个月）。", field="months")
    if step == Step.PUBLICITY:
        if data.get("publicity_for") not in PublicityFor.values:
            raise ActionError("请选择公示事项。", field="publicity_for")
        if not data.get("end_date") or data["end_date"] < date:
            raise ActionError("请填写公示截止日期（不早于公示开始日期）。", field="end_date")
    if step == Step.ARCHIVE and not set(data.get("docs") or []) <= set(ArchiveDoc.values):
        raise ActionError("归档材料只能是：" + "、".join(ArchiveDoc.labels), field="docs")


@transaction.atomic
def do_open_file(*, person: Person, application_date: dt.date, org: Org | None = None,
                 acting_user=None) -> RecruitmentFile:
    """建立发展党员纪实 with the application received on `application_date` (DEV-01 judges the age)."""
    from dangjian.dispositions.actions import reentry_bar

    person = Person.objects.select_for_update().get(pk=person.pk)
    org = org or person.org
    if person.status in MEMBER_STATUSES:
        raise ActionError(f"{person.name}已是{person.get_status_display()}，不能再申请入党。")
    if org is None or org.type not in RECEIVING_TYPES:
        raise ActionError("入党申请应由本人工作单位的党支部（或党总支、基层党委）接收（细则第六条，DEV-02）。", field="org")
    if RecruitmentFile.objects.filter(person=person, closed__isnull=True).exists():
        raise ActionError(f"{person.name}已有正在进行的发展党员纪实。")
    bar = reentry_bar(person, application_date)
    if bar is not None:
        raise ActionError(f"{person.name}受到{bar.get_measure_display()}处置，{bar.reentry_barred_until:%Y-%m-%d}前不得重新入党"
                          f"（《中国共产党不合格党员组织处置办法》，DISP-02）。")
    f = RecruitmentFile.objects.create(person=person, org=org, created_by=_user(acting_user))
    audit.record("recruitment.open", f"建立{person.name}的发展党员纪实", actor=acting_user, org=org, obj=f)
    do_record_step(f, Step.APPLICATION, application_date, acting_user=acting_user)
    return f


def _user(acting_user):
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


@transaction.atomic
def do_record_step(file: RecruitmentFile, step: str, date: dt.date, *, persons=(), acting_user=None,
                   _replacing: RecruitmentEvent | None = None, **data) -> RecruitmentEvent:
    """Record one step of the file; refused (ActionError, quoting the article) when the workflow or a
    BLOCK rule forbids it."""
    file = RecruitmentFile.objects.select_for_update().select_related("person").get(pk=file.pk)
    if file.closed and step != Step.ARCHIVE:   # (a confirmed member's file is archived after it ends)
        raise ActionError("该发展党员纪实已结束，不能再登记环节。")
    persons = list(persons)
    _check_data(step, date, persons, data)
    ev = _event(step, date, persons, **data)
    problems = refusals(file.pk, ev, exclude=[_replacing.pk] if _replacing else ())
    if problems:
        raise ActionError(f"不能登记“{Step(step).label}”：" + "；".join(p.message for p in problems), field="date",
                          rule=next((p.rule for p in problems if p.rule), None))
    event = RecruitmentEvent.objects.create(
        file=file, step=step, date=date, entered_by=_user(acting_user),
        conclusion=data.get("conclusion") or "", days=_dec(data.get("days")), hours=_dec(data.get("hours")),
        eligible=data.get("eligible"), present=data.get("present"), yes=data.get("yes"),
        written_yes=data.get("written_yes"), candidates_in_vote=data.get("candidates_in_vote"),
        approver=data.get("approver"), months=data.get("months"), docs=list(data.get("docs") or []),
        reason=(data.get("reason") or "").strip()[:300], publicity_for=data.get("publicity_for") or "",
        end_date=data.get("end_date"))
    if persons:
        event.persons.set(persons)
    _follow(file, event)
    audit.record("recruitment.step", f"{file.person.name}：{date:%Y-%m-%d}{Step(step).label}", actor=acting_user,
                 org=file.org, obj=event)
    engine.schedule({file.org_id, file.person.org_id} - {None}, changed=RECORDS)
    return event


def _dec(v):
    return None if v is None else Decimal(str(v))


def _follow(file: RecruitmentFile, event: RecruitmentEvent) -> None:
    """The person's standing and dates follow the file."""
    status = STATUS_AFTER.get(event.step)
    p = file.person
    changes = {}
    if event.step == Step.APPLICATION:
        changes["application_date"] = event.date
    if event.step == Step.APPROVAL:
        vote = file.events.filter(step=Step.BRANCH_VOTE, voided_at__isnull=True).order_by("date").first()
        changes["probationary_date"] = vote.date if vote else event.date
    if event.step == Step.CONFIRM_APPROVAL:
        case = load_facts(RecruitmentFile.objects.filter(pk=file.pk)).cases[0]
        changes["full_member_date"] = probation_end(case) or event.date
        file.closed, file.closed_reason = event.date, "按期转正" if not case.has(Step.EXTENSION) else "延长预备期后转正"
        file.save(update_fields=["closed", "closed_reason"])
    if status and p.status != status:
        changes["status"], changes["status_since"] = status, event.date
    if changes:
        Person.objects.filter(pk=p.pk).update(**changes)
        for k, v in changes.items():
            setattr(p, k, v)


@transaction.atomic
def do_correct_step(event: RecruitmentEvent, *, reason: str, acting_user=None, **changes) -> RecruitmentEvent:
    """Correct a recorded step: the old record is voided (kept, with the reason) and the corrected one
    is recorded and checked like any other."""
    if not (reason or "").strip():
        raise ActionError("更正须说明理由。", field="reason")
    old = RecruitmentEvent.objects.select_for_update().get(pk=event.pk)
    if old.voided_at:
        raise ActionError("该记录已作废，不能再更正。")
    values = {f: getattr(old, f) for f in DATA_FIELDS if f != "approver"}
    values["approver"] = old.approver
    values.update({k: v for k, v in changes.items() if k in DATA_FIELDS})
    persons = changes.get("persons", list(old.persons.all()))
    date = changes.get("date", old.date)
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    new = do_record_step(old.file, old.step, date, persons=persons, acting_user=acting_user, _replacing=old,
                         **values)
    RecruitmentEvent.objects.filter(pk=old.pk).update(voided_at=timezone.now(), void_reason=reason.strip()[:300],
                                                       corrected_by=new)
    audit.record("recruitment.correct", f"更正{old.file.person.name}的“{old.get_step_display()}”：{reason.strip()}",
                 actor=acting_user, org=old.file.org, obj=new, reason=reason.strip())
    return new


__all__ = ["do_open_file", "do_record_step", "do_correct_step", "REPEATABLE"]


@transaction.atomic
def do_set_plan(*, org: Org, year: int, planned: int, note: str = "", acting_user=None):
    """Set the year's 发展党员计划 of `org` (its whole subtree)."""
    from dangjian.core.permissions import CHANGE, can_in_org

    from .models import RecruitmentPlan

    if acting_user is not None and not can_in_org(acting_user, CHANGE, org):
        raise ActionError("只能为本人管理的党组织制定发展计划。")
    if planned < 0 or planned > 100000:
        raise ActionError("计划发展人数应为 0 至 100000 之间的整数。", field="planned")
    plan, created = RecruitmentPlan.objects.update_or_create(org=org, year=year, defaults={
        "planned": planned, "note": (note or "").strip()[:200]})
    audit.record("recruitment.plan", f"{org}{year}年发展党员计划：{planned}人", actor=acting_user, org=org, obj=plan)
    return plan


@transaction.atomic
def do_cancel_probation(file: RecruitmentFile, *, vote_date: dt.date, eligible: int, present: int, yes: int,
                        written_yes: int = 0, approver: Org, approved_on: dt.date, reason: str,
                        acting_user=None) -> RecruitmentFile:
    """取消预备党员资格 (DEV-22: 不具备党员条件的；须支部大会通过、上级党组织批准). The branch meeting's vote
    is judged like any other (DEV-14/15); the person's status becomes 已除名 with the reason, and the file
    ends — nothing is pending any more."""
    from dangjian.people.actions import do_change_status

    from .rules import FAILED, QUORUM, _vote_problems

    file = RecruitmentFile.objects.select_for_update().select_related("person").get(pk=file.pk)
    if not (reason or "").strip():
        raise ActionError("请写明取消预备党员资格的理由。", field="reason")
    case = load_facts(RecruitmentFile.objects.filter(pk=file.pk)).cases[0]
    if file.closed or not case.has(Step.APPROVAL) or case.has(Step.CONFIRM_APPROVAL):
        raise ActionError("只有已批准、尚未转正的预备党员才能取消预备党员资格。")
    approval = case.first(Step.APPROVAL)
    if vote_date < approval.date or approved_on < vote_date or approved_on > timezone.localdate():
        raise ActionError("日期应依次为：批准为预备党员 ≤ 支部大会讨论 ≤ 上级党组织批准 ≤ 今天。", field="vote_date")
    vote = Ev(step=Step.CONFIRM_VOTE, date=vote_date, eligible=eligible, present=present, yes=yes,
              written_yes=written_yes, candidates_in_vote=1)
    problems = [m for k, m in _vote_problems(vote, "支部大会讨论取消预备党员资格") if k in (QUORUM, FAILED)]
    if problems:
        raise ActionError("；".join(problems) + "（《中国共产党发展党员工作细则》第三十二、三十三条，DEV-23）",
                          field="present", rule="DEV-23")
    summary = (f"取消预备党员资格：{reason.strip()}（{vote_date:%Y-%m-%d}支部大会讨论，应到{eligible}人、实到{present}人、"
               f"赞成{yes + written_yes}票；{approver.name}{approved_on:%Y-%m-%d}批准）")
    file.closed, file.closed_reason = approved_on, summary[:200]
    file.save(update_fields=["closed", "closed_reason"])
    do_change_status(file.person, Status.REMOVED, on=approved_on, reason=summary, acting_user=acting_user)
    audit.record("recruitment.cancel", f"{file.person.name}：{summary}", actor=acting_user, org=file.org, obj=file)
    engine.schedule({file.org_id, file.person.org_id} - {None}, changed=RECORDS)
    return file


@transaction.atomic
def do_stop_cultivation(file: RecruitmentFile, *, on: dt.date, basis: str, reason: str,
                        acting_user=None) -> RecruitmentFile:
    """停止培养: the file of an applicant, activist or candidate ends before admission — the branch
    committee decides the person no longer meets the conditions (细则第十一条: 培养考察), the person
    withdraws the application, or the committee above does not approve the admission. The person's
    status goes back to 入党申请人 — the roster has no status for "not applying" (DJX's statuses neither),
    so a withdrawal is told by the file's reason; a new file may be opened later. Nothing in
    the file is pending any more, so its deadline rules fall silent. After an approval the way out is
    取消预备党员资格 (`do_cancel_probation`)."""
    from dangjian.people.actions import do_change_status

    file = RecruitmentFile.objects.select_for_update().select_related("person").get(pk=file.pk)
    if basis not in StopBasis.values:
        raise ActionError("请选择停止培养的依据。", field="basis")
    if not (reason or "").strip():
        raise ActionError("请写明停止培养的理由。", field="reason")
    case = load_facts(RecruitmentFile.objects.filter(pk=file.pk)).cases[0]
    if file.closed:
        raise ActionError("该发展党员纪实已结束。")
    if case.has(Step.APPROVAL):
        raise ActionError("已批准为预备党员的，不能停止培养；不具备党员条件的应取消预备党员资格（细则第三十二条）。")
    if basis == StopBasis.NOT_APPROVED and not case.has(Step.BRANCH_VOTE):
        raise ActionError("尚未经支部大会讨论，不存在上级党委审批未予批准的情形。", field="basis")
    last = max((e.date for evs in case.events.values() for e in evs), default=None)
    if on > timezone.localdate() or (last and on < last):
        raise ActionError(f"日期应不早于最后一个已登记环节（{last:%Y-%m-%d}），且不晚于今天。" if last
                          else "日期不能晚于今天。", field="on")
    summary = f"停止培养（{StopBasis(basis).label}）：{reason.strip()}"
    file.closed, file.closed_reason = on, summary[:200]
    file.save(update_fields=["closed", "closed_reason"])
    if file.person.status in (Status.ACTIVIST, Status.CANDIDATE):
        do_change_status(file.person, Status.APPLICANT, on=on, reason=summary, acting_user=acting_user)
    audit.record("recruitment.stop", f"{file.person.name}：{summary}", actor=acting_user, org=file.org, obj=file,
                 on=on, reason=reason.strip())
    engine.schedule({file.org_id, file.person.org_id} - {None}, changed=RECORDS)
    return file


@transaction.atomic
def do_set_planned_leave(file: RecruitmentFile, *, planned_leave: dt.date | None, acting_user=None) -> RecruitmentFile:
    """Record (or clear) when the person is expected to leave their work or study unit (DEV-13: a
    发展对象 leaving within three months is generally not received)."""
    file = RecruitmentFile.objects.select_for_update().select_related("person").get(pk=file.pk)
    if file.closed:
        raise ActionError("该发展党员纪实已结束。")
    applied = file.events.filter(step=Step.APPLICATION, voided_at__isnull=True).order_by("date").first()
    if planned_leave and applied and planned_leave < applied.date:
        raise ActionError(f"预计离开日期不能早于递交入党申请书的日期（{applied.date:%Y-%m-%d}）。", field="planned_leave")
    before = file.planned_leave
    file.planned_leave = planned_leave
    file.save(update_fields=["planned_leave"])
    audit.record("recruitment.planned_leave",
                 f"{file.person.name}预计离开本单位日期：{planned_leave:%Y-%m-%d}" if planned_leave
                 else f"{file.person.name}：清除预计离开本单位日期", actor=acting_user, org=file.org, obj=file,
                 before={"planned_leave": before.isoformat() if before else None},
                 after={"planned_leave": planned_leave.isoformat() if planned_leave else None})
    engine.schedule([file.org_id], changed=(RecruitmentFile,))
    return file


@transaction.atomic
def do_record_analysis(*, org: Org, year: int, analyzed_on: dt.date, analysis: str, acting_user=None):
    """基层党委每年对入党积极分子队伍状况进行一次分析 (细则第十一条, DEV-06): recorded with the year's plan."""
    from dangjian.core.permissions import CHANGE, can_in_org

    from .models import RecruitmentPlan

    if acting_user is not None and not can_in_org(acting_user, CHANGE, org):
        raise ActionError("只能为本人管理的党组织登记积极分子队伍分析。")
    if not (analysis or "").strip():
        raise ActionError("请写明分析情况。", field="analysis")
    if analyzed_on > timezone.localdate() or analyzed_on.year != year:
        raise ActionError(f"分析日期应在{year}年内，且不晚于今天。", field="analyzed_on")
    old = RecruitmentPlan.objects.filter(org=org, year=year).values("analyzed_on", "analysis").first() or {}
    plan, _ = RecruitmentPlan.objects.update_or_create(org=org, year=year, defaults={
        "analyzed_on": analyzed_on, "analysis": analysis.strip()[:2000]})
    audit.record("recruitment.analysis", f"{org}{year}年入党积极分子队伍分析（{analyzed_on:%Y-%m-%d}）", actor=acting_user,
                 org=org, obj=plan, before=old or None,
                 after={"analyzed_on": plan.analyzed_on, "analysis": plan.analysis})
    return plan
