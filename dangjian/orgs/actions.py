"""State changes of the organisation tree. Views, API, imports and the CLI all call these."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError

from .choices import ALLOWED_CHILDREN, COMMITTEE_ROLES, OrgType, PostRole
from .models import Org, Post, Unit

ORG_FIELDS = ("name", "short_name", "type", "unit_id", "founded", "committee_elected", "term_years",
              "village_or_community", "term_extension_until", "term_extension_approved")


def _check_child_type(parent: Org | None, org_type: str) -> None:
    if parent is None:
        if org_type != OrgType.WORK_COMMITTEE and org_type not in (OrgType.LEADING_GROUP, OrgType.COMMITTEE):
            raise ActionError("只有机关工委、党组（党委）或机关党委可以作为最上级组织。", field="parent")
        return
    if org_type not in ALLOWED_CHILDREN[OrgType(parent.type)]:
        raise ActionError(f"{parent.get_type_display()}下不能设立{OrgType(org_type).label}"
                          f"（可设：{'、'.join(OrgType(t).label for t in ALLOWED_CHILDREN[OrgType(parent.type)]) or '无'}）。",
                          field="type")


@transaction.atomic
def do_create_org(*, name: str, type: str, parent: Org | None = None, acting_user=None,
                  joint_units=(), **fields) -> Org:
    _check_child_type(parent, type)
    if parent is not None and parent.is_dissolved:
        raise ActionError("上级组织已撤销，不能在其下设立组织。", field="parent")
    kwargs = dict(name=name.strip(), type=type, **fields)
    org = (Org.objects.add_root(kwargs) if parent is None
           else Org.objects.add_child(Org.objects.get(pk=parent.pk), kwargs))
    if joint_units:
        org.joint_units.set(joint_units)
    audit.record("org.create", f"设立{org.get_type_display()}“{org.name}”", actor=acting_user,
                 org=org, obj=org, after=audit.snapshot(org, ORG_FIELDS))
    engine.schedule([org.pk])
    return org


@transaction.atomic
def do_update_org(org: Org, *, acting_user=None, joint_units=None, **changes) -> Org:
    org = Org.objects.select_for_update().get(pk=org.pk)
    if "type" in changes and changes["type"] != org.type:
        parent = Org.objects.get_parent(org)
        _check_child_type(parent, changes["type"])
        for child in Org.objects.get_children(org):
            if child.type not in ALLOWED_CHILDREN[OrgType(changes["type"])]:
                raise ActionError(f"下级有{child.get_type_display()}“{child}”，不能改为{OrgType(changes['type']).label}。",
                                  field="type")
    before = audit.snapshot(org, ORG_FIELDS)
    for k, v in changes.items():
        if k not in ORG_FIELDS and k != "unit":
            raise ActionError(f"不能直接修改字段 {k}")
        setattr(org, k, v)
    org.save()
    if joint_units is not None:
        org.joint_units.set(joint_units)
    after = audit.snapshot(org, ORG_FIELDS)
    diff_before = {k: v for k, v in before.items() if after[k] != v}
    diff_after = {k: after[k] for k in diff_before}
    verb, summary = "org.update", f"修改组织“{org.name}”的信息"
    if set(diff_before) == {"name"}:
        verb, summary = "org.rename", f"组织“{before['name']}”更名为“{org.name}”"
    audit.record(verb, summary, actor=acting_user, org=org, obj=org, before=diff_before, after=diff_after)
    engine.schedule([org.pk])
    return org


def do_rename_org(org: Org, name: str, *, acting_user=None) -> Org:
    if not name.strip():
        raise ActionError("名称不能为空。", field="name")
    return do_update_org(org, name=name.strip(), acting_user=acting_user)


@transaction.atomic
def do_move_org(org: Org, new_parent: Org, *, acting_user=None) -> Org:
    org = Org.objects.get(pk=org.pk)
    new_parent = Org.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(org.path):
        raise ActionError("不能把组织移动到它自己或它的下级组织之下。", field="parent")
    if new_parent.is_dissolved:
        raise ActionError("目标上级组织已撤销。", field="parent")
    _check_child_type(new_parent, org.type)
    old_parent = Org.objects.get_parent(org)
    Org.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    audit.record("org.move", f"组织“{org.name}”由“{old_parent}”调整到“{new_parent}”之下",
                 actor=acting_user, org=org, obj=org, before={"parent": old_parent}, after={"parent": new_parent})
    engine.schedule([org.pk, new_parent.pk] + ([old_parent.pk] if old_parent else []))
    return org


@transaction.atomic
def do_merge_orgs(source: Org, target: Org, *, on: dt.date | None = None, acting_user=None) -> Org:
    """合并: everything of `source` (people, party groups, child orgs) goes to `target`; `source`
    is dissolved and remembers where it went."""
    from dangjian.people.models import Person

    on = on or timezone.localdate()
    source = Org.objects.select_for_update().get(pk=source.pk)
    target = Org.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise ActionError("不能将组织与自身合并。", field="target")
    if target.path.startswith(source.path):
        raise ActionError("不能并入自己的下级组织。", field="target")
    if source.is_dissolved or target.is_dissolved:
        raise ActionError("已撤销的组织不能合并。", field="target")
    if source.type != target.type:
        raise ActionError(f"只能合并同类组织（{source.get_type_display()}不能并入{target.get_type_display()}）。",
                          field="target")
    moved_people = Person.objects.filter(org=source).update(org=target)
    for child in list(Org.objects.get_children(source)):
        Org.objects.move(child, Org.objects.get(pk=target.pk), pos="last-child")
    Post.objects.filter(org=source, end__isnull=True).update(end=on)
    source = Org.objects.get(pk=source.pk)
    source.dissolved, source.merged_into = on, target
    source.save(update_fields=["dissolved", "merged_into"])
    audit.record("org.merge", f"组织“{source.name}”并入“{target.name}”，转入人员 {moved_people} 名",
                 actor=acting_user, org=target, obj=source, merged_into=target, people=moved_people)
    engine.schedule([source.pk, target.pk])
    return target


@transaction.atomic
def do_dissolve_org(org: Org, *, on: dt.date | None = None, reason: str = "", acting_user=None) -> Org:
    from dangjian.people.choices import ACTIVE_STATUSES
    from dangjian.people.models import Person

    on = on or timezone.localdate()
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.is_dissolved:
        raise ActionError("该组织已撤销。")
    if Person.objects.filter(org=org, status__in=ACTIVE_STATUSES).exists():
        raise ActionError("该组织仍有党员或发展对象，请先转移组织关系或合并到其他组织。")
    if Org.objects.active().filter(path__subtree=org.path).exclude(pk=org.pk).exists():
        raise ActionError("该组织仍有未撤销的下级组织，请先撤销或调整下级组织。")
    Post.objects.filter(org=org, end__isnull=True).update(end=on)
    org.dissolved = on
    org.save(update_fields=["dissolved"])
    audit.record("org.dissolve", f"撤销组织“{org.name}”" + (f"：{reason}" if reason else ""),
                 actor=acting_user, org=org, obj=org, reason=reason)
    engine.schedule([org.pk])
    return org


# --- posts ---------------------------------------------------------------------------------------
POST_FIELDS = ("person_id", "org_id", "role", "start", "end", "approved")


@transaction.atomic
def do_appoint(*, person, org: Org, role: str, start: dt.date | None = None, approved=None,
               end=None, acting_user=None) -> Post:
    if org.is_dissolved:
        raise ActionError("组织已撤销，不能任职。", field="org")
    if role in COMMITTEE_ROLES and org.type not in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH):
        raise ActionError(f"{org.get_type_display()}不设{PostRole(role).label}。", field="role")
    if role == PostRole.GROUP_LEADER and org.type != OrgType.GROUP:
        raise ActionError("党小组长只能在党小组任职。", field="role")
    if role in (PostRole.LEADING_GROUP_MEMBER, PostRole.FIRST_RESPONSIBLE) and org.type != OrgType.LEADING_GROUP:
        raise ActionError("党组成员、党组书记只能在党组（党委）任职。", field="role")
    if end and start and end < start:
        raise ActionError("免职日期不能早于任职日期。", field="end")
    post = Post.objects.create(person=person, org=org, role=role, start=start, end=end, approved=approved)
    audit.record("post.appoint", f"{person}任{org}{post.get_role_display()}", actor=acting_user,
                 org=org, person=person, obj=post, after=audit.snapshot(post, POST_FIELDS))
    engine.schedule([org.pk, person.org_id])
    return post


@transaction.atomic
def do_update_post(post: Post, *, acting_user=None, **changes) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    before = audit.snapshot(post, POST_FIELDS)
    for k, v in changes.items():
        if k not in ("start", "end", "approved", "role"):
            raise ActionError(f"不能直接修改字段 {k}")
        setattr(post, k, v)
    if post.end and post.start and post.end < post.start:
        raise ActionError("免职日期不能早于任职日期。", field="end")
    post.save()
    audit.record("post.update", f"修改{post.person}在{post.org}的职务信息", actor=acting_user,
                 org=post.org, person=post.person, obj=post, before=before,
                 after=audit.snapshot(post, POST_FIELDS))
    engine.schedule([post.org_id, post.person.org_id])
    return post


def do_end_post(post: Post, *, on: dt.date | None = None, acting_user=None) -> Post:
    return do_update_post(post, end=on or timezone.localdate(), acting_user=acting_user)


@transaction.atomic
def do_record_election(org: Org, *, elected_on: dt.date, acting_user=None) -> Org:
    """换届完成: the new committee's election date starts a new term (TERM-01)."""
    return do_update_org(org, committee_elected=elected_on, term_extension_until=None,
                         term_extension_approved=None, acting_user=acting_user)


@transaction.atomic
def do_extend_term(org: Org, *, until: dt.date, approved_on: dt.date, acting_user=None) -> Org:
    """ELEC-01: a delay needs the parent's approval and is normally at most one year."""
    from dangjian.core.periods import add_years

    if not org.term_end:
        raise ActionError("缺少本届选举日期，无法计算任期，请先填写本届选举日期。", field="until")
    if until <= org.term_end:
        raise ActionError("延期截止日期应晚于任期届满日期。", field="until")
    if until > add_years(org.term_end, 1):
        raise ActionError("延期一般不超过1年（选举工作条例第三条）。", field="until", rule="ELEC-01")
    return do_update_org(org, term_extension_until=until, term_extension_approved=approved_on,
                         acting_user=acting_user)


# --- units ---------------------------------------------------------------------------------------
UNIT_FIELDS = ("name", "parent", "head")


def _clean_unit_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ActionError("请填写单位名称。", field="name")
    return name


def _check_unit_parent(unit: Unit | None, parent: Unit | None) -> None:
    """The units form a tree: the new parent must not be the unit itself nor one of its sub-units
    (a cycle would make "上级单位" endless in every export and page). Walks up from the parent:
    a chain of departments is a few levels deep."""
    if parent is None or unit is None or unit.pk is None:
        return
    seen: set[int] = set()
    node_id = parent.pk
    while node_id is not None and node_id not in seen:
        if node_id == unit.pk:
            what = "本单位" if parent.pk == unit.pk else "本单位的下级单位"
            raise ActionError(f"“{parent.name}”是{what}，不能作为“{unit.name}”的上级单位，"
                              f"否则会形成循环。请选择其他单位，或不指定上级单位。", field="parent")
        seen.add(node_id)
        node_id = Unit.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()


@transaction.atomic
def do_create_unit(*, name: str, parent: Unit | None = None, head=None, acting_user=None,
                   external_id: str = "") -> Unit:
    unit = Unit.objects.create(name=_clean_unit_name(name), parent=parent, head=head, external_id=external_id)
    audit.record("unit.create", f"登记机关单位“{unit.name}”", actor=acting_user, obj=unit,
                 after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def do_update_unit(unit: Unit, *, acting_user=None, **changes) -> Unit:
    for k in changes:
        if k not in UNIT_FIELDS:
            raise ActionError(f"不能直接修改字段 {k}")
    # The stored row (locked) is the "before"; the caller's instance is updated in place.
    current = Unit.objects.select_for_update().get(pk=unit.pk)
    if "name" in changes:
        changes["name"] = _clean_unit_name(changes["name"])
    if "parent" in changes:
        _check_unit_parent(current, changes["parent"])
    before = {k: getattr(current, k) for k in changes}
    for k, v in changes.items():
        setattr(unit, k, v)
    unit.save()
    audit.record("unit.update", f"修改机关单位“{unit.name}”", actor=acting_user, obj=unit,
                 before=before, after=changes)
    return unit
