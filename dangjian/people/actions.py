"""State changes of people. Status changes only here, each with its history."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, crypto, engine
from dangjian.core.errors import ActionError

from .choices import MEMBER_STATUSES, TRANSITIONS, Status
from .models import Person

# Fields a plain edit may change (status, org and ID number have their own actions).
EDITABLE = ("name", "gender", "ethnicity", "birth_date", "education", "group", "application_date",
            "probationary_date", "full_member_date", "dues_category", "unit", "job_title", "personnel_category", "phone",
            "leading_cadre", "on_probation_sanction", "lost_contact_since", "away_since",
            "away_fixed_location", "external_id")
# What a member may change on their own record.
SELF_EDITABLE = ("phone", "education", "job_title")


def validate_id_number(value: str, birth_date: dt.date | None = None) -> str:
    v = crypto.normalize_id_number(value)
    problem = crypto.id_number_problem(v)
    if problem:
        raise ActionError(problem, field="id_number")
    if birth_date and crypto.id_number_birth_date(v) != birth_date:
        raise ActionError("公民身份号码中的出生日期与填写的出生日期不一致。", field="id_number")
    return v


def _check_unique_id_number(value: str, exclude_pk=None) -> None:
    qs = Person.objects.by_id_number(value)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    other = qs.first()
    if other:
        raise ActionError(f"该公民身份号码已登记（{other.name}），请勿重复录入。", field="id_number")


def _check_dates(p: Person) -> None:
    if p.full_member_date and p.probationary_date and p.full_member_date < p.probationary_date:
        raise ActionError("转正日期不能早于入党日期。", field="full_member_date")
    if p.birth_date and p.birth_date > timezone.localdate():
        raise ActionError("出生日期不能晚于今天。", field="birth_date")


def _check_group(p: Person) -> None:
    if p.group_id and (p.group.get_parent().pk if p.group else None) != p.org_id:
        raise ActionError("党小组须是所在党支部下设的党小组。", field="group")


@transaction.atomic
def do_create_person(*, name: str, org, status: str, id_number: str = "", acting_user=None,
                     **fields) -> Person:
    if status not in Status.values:
        raise ActionError(f"未知的党籍状态：{status}", field="status")
    p = Person(name=name.strip(), org=org, status=status, status_since=fields.pop("status_since", None), **fields)
    if id_number:
        v = validate_id_number(id_number, p.birth_date)
        _check_unique_id_number(v)
        p.id_number = v
        p.birth_date = p.birth_date or crypto.id_number_birth_date(v)
    _check_dates(p)
    _check_group(p)
    p.save()
    audit.record("person.create", f"登记人员“{p.name}”（{p.get_status_display()}）", actor=acting_user,
                 org=org, person=p, obj=p, after={"status": p.status, "org": org})
    engine.schedule([p.org_id])
    return p


@transaction.atomic
def do_update_person(person: Person, *, acting_user=None, allowed=EDITABLE, **changes) -> Person:
    p = Person.objects.select_for_update().get(pk=person.pk)
    before = {}
    for k, v in changes.items():
        if k not in allowed:
            raise ActionError(f"不能在此修改“{Person._meta.get_field(k).verbose_name if k in {f.name for f in Person._meta.fields} else k}”。", field=k)
        old = getattr(p, k)
        if old != v:
            before[k] = old
            setattr(p, k, v)
    if not before:
        return p
    _check_dates(p)
    _check_group(p)
    p.save()
    audit.record("person.update", f"修改“{p.name}”的信息：" + "、".join(
        str(Person._meta.get_field(k).verbose_name) for k in before), actor=acting_user, org=p.org,
        person=p, obj=p, before=before, after={k: getattr(p, k) for k in before})
    engine.schedule([p.org_id])
    return p


@transaction.atomic
def do_set_id_number(person: Person, id_number: str, *, acting_user=None) -> Person:
    p = Person.objects.select_for_update().get(pk=person.pk)
    v = validate_id_number(id_number, p.birth_date) if id_number else ""
    if v:
        _check_unique_id_number(v, exclude_pk=p.pk)
    had = bool(p.id_number_encrypted)
    p.id_number = v
    p.save(update_fields=["id_number_encrypted", "id_number_digest", "updated"])
    # Never the number itself, masked or not, beyond the masked form.
    audit.record("person.id_number", f"{'变更' if had else '登记'}“{p.name}”的公民身份号码",
                 actor=acting_user, org=p.org, person=p, obj=p, after={"id_number": crypto.mask_id_number(v)})
    return p


def do_reveal_id_number(person: Person, *, acting_user) -> str:
    """Show the full number to an authorised role; every such view is logged."""
    audit.record("person.id_number.view", f"查看“{person.name}”的完整公民身份号码", actor=acting_user,
                 org=person.org, person=person, obj=person)
    return person.id_number


@transaction.atomic
def do_change_status(person: Person, new_status: str, *, on: dt.date | None = None, reason: str = "",
                     acting_user=None, force: bool = False) -> Person:
    """党籍状态 changes: 转正, 停止党籍, 恢复, 除名, 去世, 转出 … Each keeps its history.
    `force` is for imports of historical data, which may state any status."""
    p = Person.objects.select_for_update().get(pk=person.pk)
    on = on or timezone.localdate()
    if new_status not in Status.values:
        raise ActionError(f"未知的党籍状态：{new_status}", field="status")
    if new_status == p.status:
        raise ActionError(f"“{p.name}”已经是{p.get_status_display()}。", field="status")
    if not force and new_status not in TRANSITIONS[Status(p.status)]:
        allowed = "、".join(Status(s).label for s in TRANSITIONS[Status(p.status)]) or "无"
        raise ActionError(f"{p.get_status_display()}不能直接变为{Status(new_status).label}（可变为：{allowed}）。",
                          field="status")
    if new_status in (Status.REMOVED, Status.SUSPENDED) and not reason.strip():
        raise ActionError("除名、停止党籍须注明依据或理由。", field="reason")
    old = p.status
    p.status, p.status_since = new_status, on
    if new_status == Status.PROBATIONARY and not p.probationary_date:
        p.probationary_date = on
    if new_status == Status.FULL and old == Status.PROBATIONARY:
        p.full_member_date = on
    p.save()
    audit.record("person.status", f"“{p.name}”由{Status(old).label}变为{Status(new_status).label}"
                 + (f"：{reason}" if reason else ""), actor=acting_user, org=p.org, person=p, obj=p,
                 before={"status": old}, after={"status": new_status}, on=on, reason=reason)
    engine.schedule([p.org_id])
    return p


@transaction.atomic
def do_move_person(person: Person, new_org, *, on: dt.date | None = None, acting_user=None) -> Person:
    """Within the system: move a person's 组织关系 to another org (the dues/transfer module adds
    letters for transfers across systems)."""
    from dangjian.orgs.choices import OrgType

    p = Person.objects.select_for_update().get(pk=person.pk)
    if new_org.is_dissolved:
        raise ActionError("目标组织已撤销。", field="org")
    if new_org.type in (OrgType.WORK_COMMITTEE, OrgType.LEADING_GROUP, OrgType.GROUP):
        raise ActionError("组织关系应转入党支部（或机关党委、总支直属）。", field="org")
    old = p.org
    p.org, p.group = new_org, None
    p.save(update_fields=["org", "group", "updated"])
    audit.record("person.move", f"“{p.name}”组织关系由“{old}”转到“{new_org}”", actor=acting_user,
                 org=new_org, person=p, obj=p, before={"org": old}, after={"org": new_org},
                 on=on or timezone.localdate())
    engine.schedule([new_org.pk] + ([old.pk] if old else []))
    return p


def is_member(person: Person) -> bool:
    return person.status in MEMBER_STATUSES
