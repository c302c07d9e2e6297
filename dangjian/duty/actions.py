"""履责 actions: assign a leader's 联系点, log a visit there, set a task of the 工作要点 (with the kind of
record that evidences it), confirm its evidence — a record that already exists, checked against its
candidates — or write a manual note, and mark it done with what was achieved. Each is audited and
re-judges DUTY-01/03.

明责 actions: a level drafts the year's 责任清单 templates and publishes them; a unit instantiates one for
named people (one 责任书 each); the person signs it themself; each item's evidence is a record that
already exists, confirmed by the person or the unit (checked against the candidates, never taken on the
client's word), or a manual note. Evidence changes re-judge DUTY-02."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.permissions import CHANGE, can_in_org
from dangjian.orglife.choices import MeetingType

from . import evidence as sources
from .choices import (ISSUER_TYPES, MEETING_SOURCES, PERSONAL_SOURCES, EvidenceSource, ResponsibilityRole, TaskState,
                      VisitKind)
from .models import (ContactPoint, ContactVisit, Evidence, ResponsibilityItem, ResponsibilityList,
                     ResponsibilityTemplate, Task, TemplateItem)

RECORDS = (ContactPoint, ContactVisit, Task)
# What instantiating a list or changing its evidence writes (DUTY-02 reads them; DUTY-01/03 do not).
LIST_RECORDS = (ResponsibilityList, ResponsibilityItem, Evidence)
# What changing a task's evidence writes: the evidence of a task. DUTY-01 reads the task's state and deadline,
# not its evidence; DUTY-02 reads only the evidence of responsibility items ("duty.evidence[item]").
TASK_EVIDENCE = ("duty.evidence[task]",)


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


def check_evidence_source(evidence_source: str, meeting_type: str) -> None:
    """The 佐证来源 of a template item or a task, and the meeting type it may be narrowed to."""
    if evidence_source not in EvidenceSource.values:
        raise ActionError("请选择佐证来源。", field="evidence_source")
    if meeting_type and (evidence_source not in MEETING_SOURCES or meeting_type not in MeetingType.values):
        raise ActionError("只有佐证来源为“本组织召开会议”或“本人参加组织生活”时才能限定会议类型。", field="meeting_type")


@transaction.atomic
def do_create_task(*, org, title: str, deadline: dt.date, year: int | None = None, owner=None, target: str = "",
                   source: str = "", evidence_source: str = EvidenceSource.MANUAL, meeting_type: str = "",
                   acting_user=None) -> Task:
    """A task of the 工作要点. `evidence_source` is what evidences it: a kind of record that already exists
    ("本人…" are the owner's records, so those need an owner; "本组织…" the org's), or manual (the default:
    the completion text is the evidence)."""
    if not (title or "").strip():
        raise ActionError("请填写任务。", field="title")
    if owner is not None and owner.org_id and not owner.org.path.startswith(org.path) and not org.path.startswith(
            owner.org.path):
        raise ActionError("责任人应是责任党组织（或其上下级）的人员。", field="owner")
    evidence_source = evidence_source or EvidenceSource.MANUAL
    check_evidence_source(evidence_source, meeting_type)
    if evidence_source in PERSONAL_SOURCES and owner is None:
        raise ActionError(f"佐证来源“{EvidenceSource(evidence_source).label}”是责任人本人的记录，请选择责任人。",
                          field="owner")
    t = Task.objects.create(year=year or deadline.year, source=(source or "")[:200], title=title.strip()[:300], org=org,
                            owner=owner, deadline=deadline, target=(target or "")[:300],
                            evidence_source=evidence_source, meeting_type=meeting_type or "",
                            created_by=audit.user_or_none(acting_user))
    how = "" if evidence_source == EvidenceSource.MANUAL else (
        f"，佐证来源：{t.get_evidence_source_display()}" + (f"（{t.get_meeting_type_display()}）" if meeting_type else ""))
    audit.record("duty.task", f"{org.name}：任务“{t.title}”，{deadline:%Y-%m-%d}前完成{how}", actor=acting_user, org=org,
                 person=owner, obj=t)
    engine.schedule([org.pk], changed=RECORDS)
    return t


@transaction.atomic
def do_complete_task(task: Task, *, done_on: dt.date, evidence: str, acting_user=None) -> Task:
    """Mark a task done, writing what was achieved (against its measurable target).

    A task evidenced by records (`evidence_source` not manual) is completed only once it has evidence:
    at least one record confirmed (`do_confirm_task_evidence`) or, where no record shows it, a manual
    note (`do_add_task_evidence`). Otherwise it is refused ("请先确认佐证…"). Confirming evidence does not
    complete the task by itself: one lecture may be part of a target of four, and only the owner (or the
    org) can say the target is met — so completion stays its own step, its form prefilled from the
    confirmed evidence. The refusal never leaves anyone stuck: the manual note is always open to the same
    people who may complete the task, and it is audited and shown as 手工佐证, so "done" on a task that
    promised records is either backed by a record or says openly that none exists. Manual tasks (every
    task created before 佐证来源 existed) complete with the text alone, as before."""
    t = Task.objects.select_for_update(of=("self",)).select_related("org").get(pk=task.pk)
    if acting_user is not None and not may_act_on_task(acting_user, t):
        raise ActionError("由任务的责任人本人或责任党组织的管理员登记完成情况。")
    if t.state == TaskState.DONE:
        raise ActionError("该任务已完成。")
    if not (evidence or "").strip():
        raise ActionError("请写明完成情况（对照可衡量的目标）。", field="evidence")
    if done_on > timezone.localdate():
        raise ActionError("完成日期不能晚于今天。", field="done_on")
    from .evidence import stale

    records = list(t.evidence_records.all())
    if t.needs_evidence and all(e.pk in stale(records) for e in records):
        raise ActionError(f"请先确认佐证：该任务的佐证来源为“{t.get_evidence_source_display()}”，请在已有记录中确认至少一条；"
                          "没有记录的，请登记手工佐证，再登记完成。")
    t.state, t.done_on, t.evidence = TaskState.DONE, done_on, evidence.strip()
    t.save(update_fields=["state", "done_on", "evidence"])
    audit.record("duty.task_done", f"{t.org.name}：任务“{t.title}”完成（{done_on:%Y-%m-%d}）", actor=acting_user, org=t.org,
                 obj=t)
    engine.schedule([t.org_id], changed=RECORDS)
    return t


def may_act_on_task(user, task: Task) -> bool:
    """Who confirms a task's evidence and marks it done: its owner themself, or an administrator of its org.
    (An account without a person is never the owner — not even of a task that has none.)"""
    pid = getattr(user, "person_id", None)
    return (pid is not None and pid == task.owner_id) or can_in_org(user, CHANGE, task.org)


def _open_task(task, acting_user) -> Task:
    t = Task.objects.select_for_update(of=("self",)).select_related("org", "owner").get(pk=task.pk)
    if acting_user is not None and not may_act_on_task(acting_user, t):
        raise ActionError("佐证由任务的责任人本人或责任党组织的管理员确认。")
    if t.state == TaskState.DONE:
        raise ActionError("该任务已完成，佐证不能再更改。")
    return t


@transaction.atomic
def do_confirm_task_evidence(task: Task, *, source: str, ref_id: int, acting_user=None) -> Evidence:
    """Confirm a record as the task's evidence — only one that really is among its candidates (recomputed
    here, never taken on the client's word). The task stays open: completing it is its own step."""
    t = _open_task(task, acting_user)
    found = next((c for c in sources.task_candidates(t, acting_user) if c.source == source and c.ref_id == ref_id), None)
    if found is None:
        raise ActionError("该记录不是此任务的佐证候选（不属于责任人或责任党组织、不在本年度完成时限之内，或已确认）。",
                          field="ref_id")
    e = Evidence.objects.create(task=t, source=found.source, ref_id=found.ref_id, date=found.date,
                                text=found.text[:500], confirmed_by=audit.user_or_none(acting_user))
    audit.record("duty.task_evidence", f"{t.org.name}：任务“{t.title}”确认佐证：{found.date:%Y-%m-%d} {found.text}",
                 actor=acting_user, org=t.org, person=t.owner, obj=t, source=source, ref_id=ref_id)
    engine.schedule([t.org_id], changed=TASK_EVIDENCE)
    return e


@transaction.atomic
def do_add_task_evidence(task: Task, *, date: dt.date, text: str, acting_user=None) -> Evidence:
    """Where no record shows what was done: a manual note, dated, by the owner or the org."""
    t = _open_task(task, acting_user)
    if not (text or "").strip():
        raise ActionError("请写明佐证情况。", field="text")
    if date is None or date > timezone.localdate() or date < dt.date(t.year, 1, 1):
        raise ActionError(f"佐证日期应在{t.year}年1月1日之后，且不晚于今天。", field="date")
    e = Evidence.objects.create(task=t, source=EvidenceSource.MANUAL, date=date, text=text.strip()[:500],
                                confirmed_by=audit.user_or_none(acting_user))
    audit.record("duty.task_evidence", f"{t.org.name}：任务“{t.title}”手工佐证：{date:%Y-%m-%d} {e.text}",
                 actor=acting_user, org=t.org, person=t.owner, obj=t)
    engine.schedule([t.org_id], changed=TASK_EVIDENCE)
    return e


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


# --- 明责: responsibility lists ------------------------------------------------------------------------
def _check_issuer(user, issuer) -> None:
    if user is not None and not can_in_org(user, CHANGE, issuer):
        raise ActionError("只有制定模板的党组织（或其上级）的管理员可以修改、发布责任清单模板。", field="issuer")


def _draft(template, acting_user) -> ResponsibilityTemplate:
    t = ResponsibilityTemplate.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=template.pk)
    _check_issuer(acting_user, t.issuer)
    if t.published_at:
        raise ActionError("模板已发布，不能再修改；如需调整，请制定新的模板。")
    return t


def _check_template_fields(*, issuer, year, role, title) -> None:
    if issuer.type not in ISSUER_TYPES:
        raise ActionError("责任清单模板由机关工委、党组（党委）或机关党委制定；党支部按上级发布的模板建立责任书。",
                          field="issuer")
    if role not in ResponsibilityRole.values:
        raise ActionError("请选择责任主体。", field="role")
    if not 2000 <= (year or 0) <= 2100:
        raise ActionError("请填写年度（如 2025）。", field="year")
    if not (title or "").strip():
        raise ActionError("请填写名称。", field="title")


@transaction.atomic
def do_create_template(*, issuer, year: int, role: str, title: str, acting_user=None) -> ResponsibilityTemplate:
    _check_template_fields(issuer=issuer, year=year, role=role, title=title)
    _check_issuer(acting_user, issuer)
    t = ResponsibilityTemplate.objects.create(issuer=issuer, year=year, role=role, title=title.strip()[:200],
                                              created_by=audit.user_or_none(acting_user))
    audit.record("duty.template", f"{issuer.name}制定{year}年责任清单模板“{t.title}”（{t.get_role_display()}）",
                 actor=acting_user, org=issuer, obj=t)
    return t


@transaction.atomic
def do_update_template(template, *, year: int, role: str, title: str, acting_user=None) -> ResponsibilityTemplate:
    t = _draft(template, acting_user)
    _check_template_fields(issuer=t.issuer, year=year, role=role, title=title)
    if year != t.year and t.items.filter(due__isnull=False).exclude(due__year=year).exists():
        raise ActionError("有事项的完成时限不在新的年度内，请先删除这些事项。", field="year")
    before = audit.snapshot(t, ("year", "role", "title"))
    t.year, t.role, t.title = year, role, title.strip()[:200]
    t.save(update_fields=["year", "role", "title"])
    audit.record("duty.template_update", f"{t.issuer.name}修改责任清单模板“{t.title}”", actor=acting_user, org=t.issuer,
                 obj=t, before=before, after=audit.snapshot(t, ("year", "role", "title")))
    return t


def parse_rules(text: str) -> str:
    """"orglife-02， BR-05" → "ORGLIFE-02,BR-05"; an ID the rules list does not have is refused."""
    ids = [x.strip().upper() for x in (text or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(",")]
    ids = list(dict.fromkeys(x for x in ids if x))
    r = engine.registry
    unknown = [x for x in ids if r.get(x) is None and x not in r.aggregates and x not in r.enforced]
    if unknown:
        raise ActionError(f"没有编号为 {'、'.join(unknown)} 的规则（规则编号见预警中心或 docs/rules.md）。", field="rules")
    return ",".join(ids)


@transaction.atomic
def do_add_template_item(template, *, text: str, due: dt.date | None = None, rules: str = "",
                         evidence_source: str = EvidenceSource.MANUAL, meeting_type: str = "",
                         acting_user=None) -> TemplateItem:
    t = _draft(template, acting_user)
    if not (text or "").strip():
        raise ActionError("请填写责任事项。", field="text")
    if due is not None and due.year != t.year:
        raise ActionError(f"完成时限应在{t.year}年内（留空为{t.year}年12月31日）。", field="due")
    check_evidence_source(evidence_source, meeting_type)
    last = t.items.order_by("-order").values_list("order", flat=True).first() or 0
    i = TemplateItem.objects.create(template=t, order=last + 1, text=text.strip()[:500], due=due,
                                    rules=parse_rules(rules), evidence_source=evidence_source,
                                    meeting_type=meeting_type or "")
    audit.record("duty.template_item", f"责任清单模板“{t.title}”增加事项：{i.text}", actor=acting_user, org=t.issuer,
                 obj=t)
    return i


@transaction.atomic
def do_remove_template_item(item: TemplateItem, *, acting_user=None) -> None:
    t = _draft(item.template, acting_user)
    audit.record("duty.template_item_remove", f"责任清单模板“{t.title}”删除事项：{item.text}", actor=acting_user,
                 org=t.issuer, obj=t)
    item.delete()


@transaction.atomic
def do_publish_template(template, *, acting_user=None) -> ResponsibilityTemplate:
    t = ResponsibilityTemplate.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=template.pk)
    _check_issuer(acting_user, t.issuer)
    if t.published_at:
        raise ActionError(f"模板已于{timezone.localtime(t.published_at):%Y-%m-%d}发布。")
    if not t.items.exists():
        raise ActionError("模板还没有责任事项，不能发布。")
    t.published_at = timezone.now()
    t.save(update_fields=["published_at"])
    audit.record("duty.template_publish", f"{t.issuer.name}发布{t.year}年责任清单模板“{t.title}”", actor=acting_user,
                 org=t.issuer, obj=t)
    return t


def unit_people(org):
    """Who a unit may name in a 责任书: the people of its subtree, and those holding a post in it (a 党组成员
    belongs to a branch elsewhere in the tree)."""
    from django.db.models import Q

    from dangjian.orgs.models import Post
    from dangjian.people.models import Person

    posts = Post.objects.current(timezone.localdate()).filter(org=org).values("person_id")
    return Person.objects.filter(Q(org__path__subtree=org.path) | Q(pk__in=posts))


@transaction.atomic
def do_instantiate(template, *, org, people, acting_user=None) -> list[ResponsibilityList]:
    """One 责任书 per person, its items copied from the template (text, due date)."""
    t = ResponsibilityTemplate.objects.select_related("issuer").get(pk=template.pk)
    if not t.published_at:
        raise ActionError("模板尚未发布，不能据以建立责任书。", field="template")
    if org.type == "group":
        raise ActionError("党小组不单独建立责任书，请选择党支部或上级党组织。", field="org")
    if not org.path.startswith(t.issuer.path):
        raise ActionError(f"该党组织不在模板制定单位（{t.issuer.name}）之下。", field="org")
    if acting_user is not None and not can_in_org(acting_user, CHANGE, org):
        raise ActionError("只有该单位党组织的管理员可以建立责任书。", field="org")
    people = list({p.pk: p for p in people}.values())
    if not people:
        raise ActionError("请选择责任人。", field="people")
    allowed = set(unit_people(org).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True))
    if outside := [p.name for p in people if p.pk not in allowed]:
        raise ActionError(f"{'、'.join(outside)}不是{org.name}（或其下级）的人员，也未在该组织任职。", field="people")
    have = ResponsibilityList.objects.filter(template=t, org=org, person__in=people)
    if have := list(have.values_list("person__name", flat=True)):
        raise ActionError(f"{'、'.join(have)}已有“{t.title}”责任书（{org.name}），不能重复建立。", field="people")
    template_items = list(t.items.order_by("order", "pk"))
    user = audit.user_or_none(acting_user)
    lists = ResponsibilityList.objects.bulk_create([
        ResponsibilityList(template=t, person=p, org=org, year=t.year, created_by=user) for p in people])
    ResponsibilityItem.objects.bulk_create([
        ResponsibilityItem(list=lst, template_item=ti, text=ti.text, due=ti.due or dt.date(t.year, 12, 31))
        for lst in lists for ti in template_items])
    for lst in lists:
        audit.record("duty.list", f"{org.name}为{lst.person.name}建立{t.year}年责任书“{t.title}”", actor=acting_user,
                     org=org, person=lst.person, obj=lst)
    engine.schedule([org.pk, *(p.org_id for p in people)], changed=LIST_RECORDS)
    return lists


@transaction.atomic
def do_sign(lst: ResponsibilityList, *, acting_user) -> ResponsibilityList:
    """The named person signs their 责任书 (an act in the system, not a scanned page)."""
    lst = ResponsibilityList.objects.select_for_update(of=("self",)).select_related("person", "org", "template").get(
        pk=lst.pk)
    if getattr(acting_user, "person_id", None) != lst.person_id:
        raise ActionError(f"责任书须由责任人{lst.person.name}本人签署。")
    if lst.signed_at:
        raise ActionError(f"责任书已于{timezone.localtime(lst.signed_at):%Y-%m-%d %H:%M}签署。")
    lst.signed_at, lst.signed_by = timezone.now(), acting_user
    lst.save(update_fields=["signed_at", "signed_by"])
    audit.record("duty.sign", f"{lst.person.name}签署{lst.year}年责任书“{lst.template.title}”", actor=acting_user,
                 org=lst.org, person=lst.person, obj=lst)
    # (nothing a rule reads has changed: no re-judging)
    return lst


def may_evidence(user, lst: ResponsibilityList) -> bool:
    """The person themself, or an administrator of the unit that holds the list."""
    return getattr(user, "person_id", None) == lst.person_id or can_in_org(user, CHANGE, lst.org)


def _item(item, acting_user) -> ResponsibilityItem:
    i = ResponsibilityItem.objects.select_for_update(of=("self",)).select_related(
        "list__person", "list__org", "template_item").get(pk=item.pk)
    if acting_user is not None and not may_evidence(acting_user, i.list):
        raise ActionError("佐证由责任人本人或所在单位党组织的管理员确认。")
    return i


def _rejudge(lst: ResponsibilityList) -> None:
    engine.schedule([lst.org_id, lst.person.org_id], changed=LIST_RECORDS)


@transaction.atomic
def do_confirm_evidence(item: ResponsibilityItem, *, source: str, ref_id: int, acting_user=None) -> Evidence:
    """Confirm a record as the item's evidence — only one that really is among its candidates."""
    i = _item(item, acting_user)
    found = next((c for c in sources.candidates(i, acting_user) if c.source == source and c.ref_id == ref_id), None)
    if found is None:
        raise ActionError("该记录不是此事项的佐证候选（不属于本人或本组织、不在本年度完成时限之内，或已确认）。",
                          field="ref_id")
    e = Evidence.objects.create(item=i, source=found.source, ref_id=found.ref_id, date=found.date,
                                text=found.text[:500], confirmed_by=audit.user_or_none(acting_user))
    audit.record("duty.evidence", f"{i.list.person.name}“{i.text}”确认佐证：{found.date:%Y-%m-%d} {found.text}",
                 actor=acting_user, org=i.list.org, person=i.list.person, obj=i.list, source=source, ref_id=ref_id)
    _rejudge(i.list)
    return e


@transaction.atomic
def do_add_manual_evidence(item: ResponsibilityItem, *, date: dt.date, text: str, acting_user=None) -> Evidence:
    """Where no record shows what was done: a note, dated, by the person or the unit."""
    i = _item(item, acting_user)
    if not (text or "").strip():
        raise ActionError("请写明履责情况。", field="text")
    if date is None or date.year != i.list.year or date > timezone.localdate():
        raise ActionError(f"佐证日期应在{i.list.year}年内，且不晚于今天。", field="date")
    e = Evidence.objects.create(item=i, source=EvidenceSource.MANUAL, date=date, text=text.strip()[:500],
                                confirmed_by=audit.user_or_none(acting_user))
    audit.record("duty.evidence", f"{i.list.person.name}“{i.text}”手工佐证：{date:%Y-%m-%d} {e.text}",
                 actor=acting_user, org=i.list.org, person=i.list.person, obj=i.list)
    _rejudge(i.list)
    return e


@transaction.atomic
def do_remove_evidence(evidence: Evidence, *, reason: str, acting_user=None) -> None:
    """Withdraw a confirmation (or a manual note) of an item, or of a task still open: the record stays a
    candidate, the reason is audited."""
    e = Evidence.objects.select_for_update(of=("self",)).get(pk=evidence.pk)
    if e.task_id is not None:
        t = _open_task(e.task, acting_user)
        if not (reason or "").strip():
            raise ActionError("请说明撤销的理由。", field="reason")
        audit.record("duty.task_evidence_remove", f"{t.org.name}：任务“{t.title}”撤销佐证：{e.text}（理由：{reason.strip()}）",
                     actor=acting_user, org=t.org, person=t.owner, obj=t, source=e.source, ref_id=e.ref_id)
        e.delete()
        engine.schedule([t.org_id], changed=TASK_EVIDENCE)
        return
    i = _item(e.item, acting_user)
    if not (reason or "").strip():
        raise ActionError("请说明撤销的理由。", field="reason")
    audit.record("duty.evidence_remove", f"{i.list.person.name}“{i.text}”撤销佐证：{e.text}（理由：{reason.strip()}）",
                 actor=acting_user, org=i.list.org, person=i.list.person, obj=i.list, source=e.source, ref_id=e.ref_id)
    e.delete()
    _rejudge(i.list)
