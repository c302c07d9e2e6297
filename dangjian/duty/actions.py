"""履责 actions: assign a leader's 联系点, log a visit there, set a task of the 工作要点, and mark it done
with what was achieved. Each is audited and re-judges DUTY-01/03."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError

from .choices import TaskState, VisitKind
from .models import ContactPoint, ContactVisit, Task

RECORDS = (ContactPoint, ContactVisit, Task)



@transaction.atomic
def do_assign_contact_point(*, leader, branch, since: dt.date, acting_user=None) -> ContactPoint:
    if branch.type != "branch":
        raise ActionError("联系点应是一个党支部。", field="branch")
    if not leader.leading_cadre:
        raise ActionError(f"{leader.name}不是党员领导干部（人员信息中“党员领导干部”未勾选）。", field="leader")
    if ContactPoint.objects.filter(leader=leader, branch=branch, until__isnull=True).exists():
        raise ActionError(f"{leader.name}已联系{branch.name}。", field="branch")
    p = ContactPoint.objects.create(leader=leader, branch=branch, since=since, created_by=audit.user_or_none(acting_user))
    audit.record("duty.contact_point", f"{leader.name}的基层党建联系点：{branch.name}（{since:%Y-%m-%d}起）",
                 actor=acting_user, org=branch, person=leader, obj=p)
    engine.schedule([branch.pk], changed=RECORDS)
    return p


@transaction.atomic
def do_log_visit(point: ContactPoint, *, date: dt.date, kind: str, note: str = "", acting_user=None) -> ContactVisit:
    if kind not in VisitKind.values:
        raise ActionError("请选择方式。", field="kind")
    if date > timezone.localdate() or date < point.since or (point.until and date > point.until):
        raise ActionError("日期应在联系期间内，且不晚于今天。", field="date")
    v = ContactVisit.objects.create(point=point, date=date, kind=kind, note=(note or "")[:300],
                                    created_by=audit.user_or_none(acting_user))
    audit.record("duty.visit", f"{point.leader.name}到联系点{point.branch.name}{v.get_kind_display()}（{date:%Y-%m-%d}）",
                 actor=acting_user, org=point.branch, person=point.leader, obj=v)
    engine.schedule([point.branch_id], changed=RECORDS)
    return v


@transaction.atomic
def do_create_task(*, org, title: str, deadline: dt.date, year: int | None = None, owner=None, target: str = "",
                   source: str = "", acting_user=None) -> Task:
    if not (title or "").strip():
        raise ActionError("请填写任务。", field="title")
    if owner is not None and owner.org_id and not owner.org.path.startswith(org.path) and not org.path.startswith(
            owner.org.path):
        raise ActionError("责任人应是责任党组织（或其上下级）的人员。", field="owner")
    t = Task.objects.create(year=year or deadline.year, source=(source or "")[:200], title=title.strip()[:300], org=org,
                            owner=owner, deadline=deadline, target=(target or "")[:300], created_by=audit.user_or_none(acting_user))
    audit.record("duty.task", f"{org.name}：任务“{t.title}”，{deadline:%Y-%m-%d}前完成", actor=acting_user, org=org, obj=t)
    engine.schedule([org.pk], changed=RECORDS)
    return t


@transaction.atomic
def do_complete_task(task: Task, *, done_on: dt.date, evidence: str, acting_user=None) -> Task:
    t = Task.objects.select_for_update(of=("self",)).select_related("org").get(pk=task.pk)
    if t.state == TaskState.DONE:
        raise ActionError("该任务已完成。")
    if not (evidence or "").strip():
        raise ActionError("请写明完成情况（对照可衡量的目标）。", field="evidence")
    if done_on > timezone.localdate():
        raise ActionError("完成日期不能晚于今天。", field="done_on")
    t.state, t.done_on, t.evidence = TaskState.DONE, done_on, evidence.strip()
    t.save(update_fields=["state", "done_on", "evidence"])
    audit.record("duty.task_done", f"{t.org.name}：任务“{t.title}”完成（{done_on:%Y-%m-%d}）", actor=acting_user, org=t.org,
                 obj=t)
    engine.schedule([t.org_id], changed=RECORDS)
    return t


@transaction.atomic
def do_end_contact_point(point: ContactPoint, *, until: dt.date, acting_user=None) -> ContactPoint:
    """The leader stops contacting the branch (a new post, a change of contact point)."""
    p = ContactPoint.objects.select_for_update(of=("self",)).select_related("leader", "branch").get(pk=point.pk)
    if p.until:
        raise ActionError("该联系点已结束。")
    if until < p.since or until > timezone.localdate():
        raise ActionError("结束日期应在联系起始日期之后、今天之前。", field="until")
    p.until = until
    p.save(update_fields=["until"])
    audit.record("duty.contact_point_end", f"{p.leader.name}不再联系{p.branch.name}（{until:%Y-%m-%d}）",
                 actor=acting_user, org=p.branch, person=p.leader, obj=p)
    engine.schedule([p.branch_id], changed=RECORDS)
    return p
