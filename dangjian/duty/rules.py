"""履责 rules (the platform's own DUTY-): a task of the 工作要点 past its deadline (DUTY-01), an item of a
责任清单 past its due date with no evidence (DUTY-02), and a leader who has not been to their 基层党建联系点
in a half-year (DUTY-03). A leader's visit is a logged visit or their attendance at a meeting the branch
held (the record exists already: nobody types it twice). DJX has no tasks, lists or contact points: all
three are judged in the live system only."""
from __future__ import annotations

import datetime as dt

from dangjian.core import engine
from dangjian.core.engine import Hit, rule
from dangjian.orglife.rules import _scoped, _subject_person

CITE_TASK = "党建工作要点任务分解、限时办结（本平台规则）"
CITE_LIST = "《党委（党组）落实全面从严治党主体责任规定》：责任清单逐项落实、留痕可查（本平台规则）"
CITE_CONTACT = "《中国共产党党和国家机关基层组织工作条例》：党员领导干部应当建立党建工作联系点（本平台规则）"

engine.setting("duty_contact_visits_per", "half", "领导干部至少多长时间到联系点一次（DUTY-03）", rules=("DUTY-03",))


@rule("DUTY-01", reads=("duty.task", "orgs.org", "people.person"), title="工作任务应在完成时限内完成",
      citation=CITE_TASK, severity="WARN", subject="person|org", live_only=True)
def task_overdue(ctx):
    """推进中的任务，完成时限已过（时限当天仍在期内）：预警，对象为责任人（没有责任人的为责任党组织）。"""
    from .choices import TaskState
    from .models import Task

    rows = _scoped(ctx, Task.objects.filter(state=TaskState.OPEN, deadline__lt=ctx.as_of)).select_related(
        "org", "owner").order_by("deadline", "pk")
    # One finding per owner (or org without an owner) naming all their overdue tasks, kept by the org of
    # the earliest one: several tasks never hide one another.
    grouped: dict[tuple[str, int], list] = {}
    for t in rows:
        grouped.setdefault(("person", t.owner_id) if t.owner_id else ("org", t.org_id), []).append(t)
    for (kind, _), tasks in grouped.items():
        text = "；".join(f"任务“{t.title}”完成时限{t.deadline:%Y-%m-%d}，已逾期{(ctx.as_of - t.deadline).days}天"
                        for t in tasks)
        first = tasks[0]
        if kind == "person":
            o = first.owner
            yield Hit(_subject_person(o.pk, o.name, o.org_id, o.external_id), f"{o.name}：{text}", org_id=first.org_id)
        else:
            yield Hit(first.org, f"{first.org.name}：{text}", org_id=first.org_id)


@rule("DUTY-02", reads=("duty.responsibilityitem", "duty.responsibilitylist", "duty.responsibilitytemplate",
                        "duty.templateitem", "duty.evidence[item]", "people.person", "orgs.org",
                        # the records that evidence an item (to say how many await confirmation)
                        "orglife.meeting", "orglife.attendance", "orglife.talk", "duty.contactpoint",
                        "duty.contactvisit", "study.studyrecord", "supervision.rectification"),
      title="责任清单事项到期应有佐证", citation=CITE_LIST, severity="WARN", subject="person", period="year",
      live_only=True)
def responsibility_without_evidence(ctx):
    """责任清单（责任书）的事项完成时限已过（当天仍在期内）而没有任何佐证：预警，对象为责任人，期间为年度；一人一年一条，
    列出全部这样的事项，并说明其中有几条已有的记录（党课、会议、谈话等）可一键确认为佐证。"""
    from django.db.models import Q

    from .evidence import candidates_for, stale
    from .models import ResponsibilityItem, ResponsibilityList

    # Items with no evidence, or only evidence whose record no longer stands (deleted, cancelled, reopened).
    items = ResponsibilityItem.objects.filter(due__lt=ctx.as_of)
    if ctx.org_ids is not None:
        # Everyone with a list here, or whose own org is here — and then all of their items, wherever the
        # lists are: the finding names them all and is kept by the same org whichever run finds it.
        people = ResponsibilityList.objects.filter(Q(org_id__in=ctx.org_ids) | Q(person__org_id__in=ctx.org_ids))
        items = items.filter(list__person_id__in=people.values("person_id"))
    items = list(items.select_related("list__person", "list__template", "template_item").prefetch_related(
        "evidence").order_by("list__year", "list_id", "due", "pk"))
    gone = stale([e for i in items for e in i.evidence.all()])
    items = [i for i in items if all(e.pk in gone for e in i.evidence.all())]
    if not items:
        return
    waiting = candidates_for(items)
    grouped: dict[tuple[int, int], list] = {}
    for i in items:
        grouped.setdefault((i.list.person_id, i.list.year), []).append(i)
    for (_, year), group in grouped.items():
        p = group[0].list.person
        text = "；".join(f"“{i.text}”（{i.list.template.title}，完成时限{i.due:%Y-%m-%d}）逾期无佐证" for i in group)
        ready = [i for i in group if waiting[i.pk]]
        if ready:
            text += (f"（其中{len(ready)}项已有{sum(len(waiting[i.pk]) for i in ready)}条记录待确认，"
                     f"在“我的责任”中一键确认即可）")
        yield Hit(_subject_person(p.pk, p.name, p.org_id, p.external_id), f"{p.name}（{year}年责任清单）：{text}",
                  period=str(year), org_id=group[0].list.org_id)


def _windows(start: dt.date, as_of: dt.date, per: str) -> list[tuple[dt.date, dt.date, str, str]]:
    """The ended windows (first day, last day, period label, Chinese name) from `start`'s window."""
    months = {"quarter": 3, "half": 6, "year": 12}[per]
    out = []
    y, m = start.year, ((start.month - 1) // months) * months + 1
    while True:
        first = dt.date(y, m, 1)
        end_m = m + months - 1
        last = (dt.date(y + end_m // 12, end_m % 12 + 1, 1) if end_m < 12 else dt.date(y + 1, 1, 1)) - dt.timedelta(days=1)
        if last > as_of:
            break
        label = f"{y}" if per != "quarter" else f"{y}Q{(m - 1) // 3 + 1}"
        name = {"quarter": f"{y}年第{(m - 1) // 3 + 1}季度", "half": f"{y}年{'上' if m == 1 else '下'}半年",
                "year": f"{y}年"}[per]
        out.append((first, last, label, name))
        m += months
        if m > 12:
            y, m = y + 1, m - 12
    return out


@rule("DUTY-03", reads=("duty.contactpoint", "duty.contactvisit", "orglife.attendance", "orglife.meeting",
                        "people.person", "orgs.org"),
      title="领导干部每半年至少到基层党建联系点一次", citation=CITE_CONTACT, severity="WARN", subject="person",
      settings=("duty_contact_visits_per",), live_only=True)
def contact_point_visits(ctx):
    """联系期间完整覆盖的每个已结束的半年（参数，可改为季度或年度）没有到联系点的记录——既没有登记活动，也没有出席该支部
    召开的会议：预警，对象为领导干部，期间为年度（上、下半年和几个联系点合为一条）。"""
    from dangjian.orglife.choices import AttendanceStatus
    from dangjian.orglife.models import Attendance

    from .models import ContactPoint, ContactVisit

    per = ctx.setting("duty_contact_visits_per") or "half"
    per = per if per in ("quarter", "half", "year") else "half"
    points = list(_scoped(ctx, ContactPoint.objects.all(), "branch_id").select_related("leader", "branch"))
    if not points:
        return
    visits: dict[int, list[dt.date]] = {}
    for pid, day in ContactVisit.objects.filter(point__in=points).values_list("point_id", "date"):
        visits.setdefault(pid, []).append(day)
    present: dict[tuple[int, int], list[dt.date]] = {}
    for person, org, day in Attendance.objects.filter(
            person_id__in={p.leader_id for p in points}, status=AttendanceStatus.PRESENT,
            meeting__org_id__in={p.branch_id for p in points}).values_list("person_id", "meeting__org_id", "meeting_date"):
        present.setdefault((person, org), []).append(day)
    # One finding per leader and period, naming every contact point missed (a leader may have two), kept by
    # the leader's own org when they have one: the same place whichever branch a run starts from.
    missing: dict[tuple[int, str], list[str]] = {}
    leaders = {}
    for p in points:
        days = visits.get(p.pk, []) + present.get((p.leader_id, p.branch_id), [])
        for first, last, label, name in _windows(p.since, ctx.as_of, per):
            if first < p.since or (p.until and last > p.until):
                continue           # (a window the contact did not cover whole is not judged)
            if not any(first <= d <= last for d in days):
                missing.setdefault((p.leader_id, label), []).append(f"{name}没有到基层党建联系点{p.branch.name}")
                leaders[p.leader_id] = (p.leader, p.branch_id)
    for (leader_id, label), texts in missing.items():
        leader, branch_id = leaders[leader_id]
        yield Hit(_subject_person(leader.pk, leader.name, leader.org_id, leader.external_id),
                  f"{leader.name}：{'；'.join(texts)}", period=label, org_id=leader.org_id or branch_id)
