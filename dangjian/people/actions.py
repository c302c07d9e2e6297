"""State changes of people. Status changes only here, each with its history."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, bulk, crypto, engine
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
    if qs.exists():
        # Not naming the holder: they may be outside the acting user's scope.
        raise ActionError("该公民身份号码已登记，请勿重复录入；如需调整组织关系，请联系上级党组织。", field="id_number")


def _check_dates(p: Person) -> None:
    if p.full_member_date and p.probationary_date and p.full_member_date < p.probationary_date:
        raise ActionError("转正日期不能早于入党日期。", field="full_member_date")
    if p.birth_date and p.birth_date > timezone.localdate():
        raise ActionError("出生日期不能晚于今天。", field="birth_date")


def _check_group(p: Person) -> None:
    # A party group's parent is the branch whose path it extends.
    if p.group_id and (p.org is None or p.group.path[:-p.group.steplen] != p.org.path):
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
def do_move_person(person: Person, new_org, *, on: dt.date | None = None, acting_user=None, **letter) -> Person:
    """Within the system: move a person's 组织关系 to another org (the dues/transfer module adds
    letters for transfers across systems). A party member's move leaves a completed 系统内转接 record
    (membership.Transfer, out of the old org into the new one, reported on the day of the move) — what the
    party statistics and the member's history read; `letter` (letter_no, valid_until, reason) fills in its
    介绍信 when the move is made by one. The record is on the returned person as `transfer` (None if none)."""
    from dangjian.membership.choices import Direction
    from dangjian.membership.models import Transfer
    from dangjian.orgs.choices import OrgType

    p = Person.objects.select_for_update().get(pk=person.pk)
    if new_org.is_dissolved:
        raise ActionError("目标组织已撤销。", field="org")
    if new_org.type in (OrgType.WORK_COMMITTEE, OrgType.LEADING_GROUP, OrgType.GROUP):
        raise ActionError("组织关系应转入党支部（或机关党委、总支直属）。", field="org")
    old = p.org
    p.org, p.group = new_org, None
    p.save(update_fields=["org", "group", "updated"])
    p.transfer = None
    if old is not None and old.pk != new_org.pk and p.status in MEMBER_STATUSES:
        day = on or timezone.localdate()
        p.transfer = Transfer.objects.create(
            person=p, direction=Direction.OUT, org=old, from_org=old, to_org=new_org, letter_date=day,
            reported_on=day, letter_no=(letter.get("letter_no") or "").strip()[:60],
            valid_until=letter.get("valid_until"), reason=(letter.get("reason") or "").strip()[:200] or "系统内转接",
            created_by=audit.user_or_none(acting_user))
    audit.record("person.move", f"“{p.name}”组织关系由“{old}”转到“{new_org}”", actor=acting_user,
                 org=new_org, person=p, obj=p, before={"org": old}, after={"org": new_org},
                 on=on or timezone.localdate())
    engine.schedule([new_org.pk] + ([old.pk] if old else []))
    return p


def is_member(person: Person) -> bool:
    return person.status in MEMBER_STATUSES


# --- Excel 党员花名册 import (dangjian.people.roster parses the sheet; this applies it) -------------
# Rows arrive already parsed: {"row": <sheet row number>, "id_number": <normalised, checksum-valid>,
# "fields": {model field: value}}; a field that is absent (or None) keeps its current value on an
# update. Pseudo-fields "lost_contact" / "away" (bool) say 是否失联 / 是否流动; the matching
# "*_since" date is kept, taken from the row, or set to today.
from dataclasses import dataclass, field as _dc_field  # noqa: E402

from .choices import Gender  # noqa: E402

ROSTER_LABELS = {
    "name": "姓名", "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期",
    "id_number": "公民身份号码", "education": "学历", "personnel_category": "人员类别",
    "org_id": "所在党组织", "status": "党籍状态", "application_date": "申请入党日期",
    "probationary_date": "入党日期", "full_member_date": "转正日期", "unit_id": "工作单位",
    "job_title": "工作单位及职务", "phone": "联系电话", "dues_category": "党费类别",
    "leading_cadre": "党员领导干部", "lost_contact": "是否失联", "lost_contact_since": "失联日期",
    "away": "是否流动", "away_since": "外出日期",
}
ROSTER_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "personnel_category",
                 "org_id", "status", "application_date", "probationary_date", "full_member_date",
                 "unit_id", "job_title", "phone", "dues_category", "leading_cadre",
                 "lost_contact_since", "away_since")
# Members are registered in a 党支部, or directly in a 党总支 / 机关党委 (as do_move_person allows).
ROSTER_ORG_TYPES = frozenset({"committee", "general_branch", "branch"})
# Sanctions need a documented reason on the person page, not a spreadsheet cell.
_NOT_BY_IMPORT = frozenset({Status.REMOVED, Status.SUSPENDED})
_CHUNK = 900  # below SQLite's 999 bound parameters per query
_STATUS_VALUES = frozenset(Status.values)
_STATUS_LABELS = dict(Status.choices)


@dataclass
class RosterPlanRow:
    row: int
    action: str = "create"          # create | update | same | error
    errors: list = _dc_field(default_factory=list)
    person: Person | None = None
    changes: dict = _dc_field(default_factory=dict)
    before: dict = _dc_field(default_factory=dict)


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    org_ids: frozenset = frozenset()

    def __str__(self):
        return f"新增 {self.created} 人，更新 {self.updated} 人，无变化 {self.unchanged} 人"


class RosterImportError(ActionError):
    """The sheet has problems; nothing was imported. `errors` lists each as 第N行 列：问题."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        head = "；".join(self.errors[:5]) + ("……" if len(self.errors) > 5 else "")
        super().__init__(f"花名册有 {len(self.errors)} 处问题，未导入任何数据：{head}")


def _chunks(seq, n=_CHUNK):
    seq = list(seq)
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _in_scope(scope, path: str | None) -> bool:
    return scope.everything or (path is not None and any(path.startswith(p) for p in scope.prefixes))


def _roster_err(plan: RosterPlanRow, key: str, problem: str) -> None:
    plan.errors.append(f"第{plan.row}行 {ROSTER_LABELS.get(key, key)}：{problem}")


def plan_roster_import(rows, *, acting_user, lock: bool = False) -> list[RosterPlanRow]:
    """Decide, without writing, what each row would do: create, update (matched by the blind index of
    the ID number), or nothing; and every problem that needs the database (scope, status rules,
    dates against the stored record, duplicates). A fixed number of queries, whatever the size."""
    from dangjian.core.permissions import ADD, CHANGE, user_scope
    from dangjian.orgs.models import Org

    rows = list(rows)
    add_scope, change_scope = user_scope(acting_user, ADD), user_scope(acting_user, CHANGE)
    today = timezone.localdate()

    org_ids = {r["fields"].get("org_id") for r in rows} - {None}
    orgs = {}
    for chunk in _chunks(org_ids):
        orgs.update({o.pk: o for o in Org.objects.filter(pk__in=chunk).only("id", "path", "type", "dissolved", "name")})

    digests = {}
    for r in rows:
        digests.setdefault(crypto.blind_index(r["id_number"]), []).append(r["row"])
    existing: dict[str, Person] = {}
    # Old keys' digests too (→ the current one): rows a key rotation has not reached yet are matched.
    aliases = crypto.blind_index_aliases(r["id_number"] for r in rows)
    for chunk in _chunks(list(aliases)):
        qs = Person.objects.filter(id_number_digest__in=chunk).select_related("org")
        if lock:
            qs = qs.select_for_update(of=("self",)) if _supports_for_update_of() else qs.select_for_update()
        existing.update({aliases[p.id_number_digest]: p for p in qs})

    def org_ok(org_id, scope) -> bool:
        o = orgs.get(org_id)
        return bool(o and o.dissolved is None and o.type in ROSTER_ORG_TYPES and _in_scope(scope, o.path))

    out = []
    for r in rows:
        plan = RosterPlanRow(row=r["row"])
        out.append(plan)
        f = {k: v for k, v in r["fields"].items() if v is not None}
        digest = crypto.blind_index(r["id_number"])
        if len(digests[digest]) > 1:
            others = "、".join(str(n) for n in digests[digest] if n != r["row"])
            _roster_err(plan, "id_number", f"与第{others}行重复，同一人只能填写一行")
        person = existing.get(digest)
        if person is None:
            plan.action = "create"
            for key in ("name", "status", "org_id"):
                if not f.get(key):
                    _roster_err(plan, key, "新增人员必须填写")
            if f.get("org_id") and not org_ok(f["org_id"], add_scope):
                _roster_err(plan, "org_id", "不在您可导入的组织范围内，请从下拉列表中选择")
            if f.get("status") and f["status"] not in _STATUS_VALUES:
                _roster_err(plan, "status", "无法识别，请从下拉列表中选择")
            after = dict(f)
            after.setdefault("birth_date", crypto.id_number_birth_date(r["id_number"]))
            after.setdefault("gender", _id_number_gender(r["id_number"]))
            for flag in ("lost_contact", "away"):
                on = after.pop(flag, None)
                if on and not after.get(f"{flag}_since"):
                    after[f"{flag}_since"] = today
                elif on is False:
                    after[f"{flag}_since"] = None
            plan.changes = after
            merged = after
        else:
            plan.person = person
            plan.action = "update"
            if not _in_scope(change_scope, person.org.path if person.org_id else None):
                # Same answer whether the number belongs to a branch next door or anywhere else.
                _roster_err(plan, "id_number", "该号码已在您管理范围以外的组织登记，不能通过本次导入修改；"
                                               "如需转入，请办理组织关系转接")
                plan.action = "error"
                continue
            changes = {}
            for key in ROSTER_FIELDS:
                if key in f and f[key] != getattr(person, key):
                    changes[key] = f[key]
            for flag in ("lost_contact", "away"):
                on, since = f.get(flag), f"{flag}_since"
                if on is False and getattr(person, since) is not None:
                    changes[since] = None
                elif on is False:
                    changes.pop(since, None)
                elif on and not f.get(since) and getattr(person, since) is None:
                    changes[since] = today
            if "org_id" in changes and not org_ok(changes["org_id"], change_scope):
                _roster_err(plan, "org_id", "不在您可导入的组织范围内，请从下拉列表中选择")
            new_status = changes.get("status")
            if new_status:
                old = Status(person.status)
                if new_status not in _STATUS_VALUES:
                    _roster_err(plan, "status", "无法识别，请从下拉列表中选择")
                elif new_status in _NOT_BY_IMPORT:
                    _roster_err(plan, "status", f"{Status(new_status).label}须在人员页面办理并注明依据，"
                                                "不能通过花名册变更")
                elif new_status not in TRANSITIONS[old]:
                    allowed = "、".join(Status(s).label for s in TRANSITIONS[old]) or "无"
                    _roster_err(plan, "status", f"{old.label}不能直接变为{Status(new_status).label}"
                                                f"（可变为：{allowed}）")
            plan.changes = changes
            plan.before = {k: getattr(person, k) for k in changes}
            merged = {k: getattr(person, k) for k in ROSTER_FIELDS} | changes
            if not changes:
                plan.action = "same"
        birth = merged.get("birth_date")
        if birth and birth != crypto.id_number_birth_date(r["id_number"]):
            _roster_err(plan, "birth_date", "与公民身份号码中的出生日期不一致")
        if birth and birth > today:
            _roster_err(plan, "birth_date", "不能晚于今天")
        gender = merged.get("gender")
        if gender and gender != _id_number_gender(r["id_number"]):
            _roster_err(plan, "gender", "与公民身份号码不一致（第17位单数为男、双数为女）")
        prob, full = merged.get("probationary_date"), merged.get("full_member_date")
        if prob and full and full < prob:
            _roster_err(plan, "full_member_date", "不能早于入党日期")
        if plan.errors:
            plan.action = "error"
    return out


def _id_number_gender(number: str) -> str:
    return Gender.MALE if int(number[16]) % 2 else Gender.FEMALE


def _supports_for_update_of() -> bool:
    from django.db import connection

    return connection.features.has_select_for_update_of


def _status_since(status, values: dict, today):
    if status == Status.FULL:
        return values.get("full_member_date") or today
    if status == Status.PROBATIONARY:
        return values.get("probationary_date") or today
    return today


@transaction.atomic
def do_import_roster(rows, *, acting_user) -> RosterResult:
    """Apply a parsed 花名册 in one transaction: all rows or none. Existing people (same ID number)
    are updated in the columns the sheet has; new ones are created. Bulk writes, a fixed number of
    queries per 900 rows; one summary AuditEvent plus one per person (masked ID number only)."""
    from dangjian.core.middleware import get_request_id
    from dangjian.core.models import AuditEvent
    from dangjian.core.permissions import ADD, user_scope
    from dangjian.orgs.models import Org

    if user_scope(acting_user, ADD).empty:
        raise ActionError("只有党组织管理员可以导入花名册。")
    rows = list(rows)
    plans = plan_roster_import(rows, acting_user=acting_user, lock=True)
    errors = [e for p in plans for e in p.errors]
    if errors:
        raise RosterImportError(errors)

    today, now = timezone.localdate(), timezone.now()
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    request_id = get_request_id() or ""
    result = RosterResult()
    touched: set[int] = set()
    new_people, new_ids, updated = [], [], []
    by_fields: dict[tuple, list] = {}
    for r, plan in zip(rows, plans):
        if plan.action == "create":
            values = dict(plan.changes)
            status = values["status"]
            p = Person(**values)
            p.status_since = _status_since(status, values, today) if status in MEMBER_STATUSES else None
            p.id_number = r["id_number"]   # encrypts and sets the blind index
            new_people.append(p)
            new_ids.append(r["id_number"])
            touched.add(p.org_id)
        elif plan.action == "update":
            p = plan.person
            fields = {"updated", *plan.changes}
            for k, v in plan.changes.items():
                setattr(p, k, v)
            if "org_id" in plan.changes:
                p.group_id = None           # a party group belongs to the old branch
                fields.add("group_id")
                touched.add(plan.before["org_id"])
            if "status" in plan.changes:
                p.status_since = _status_since(p.status, plan.changes, today)
                fields.add("status_since")
                if p.status == Status.FULL and plan.before["status"] == Status.PROBATIONARY and not p.full_member_date:
                    p.full_member_date = today
                    fields.add("full_member_date")
                if p.status == Status.PROBATIONARY and not p.probationary_date:
                    p.probationary_date = today
                    fields.add("probationary_date")
            p.updated = now
            by_fields.setdefault(tuple(sorted(fields)), []).append(p)
            updated.append(plan)
            touched.add(p.org_id)
        else:
            result.unchanged += 1

    bulk.insert_objects(Person, new_people, now)
    ids = {}
    for chunk in _chunks([p.id_number_digest for p in new_people]):
        ids.update(Person.objects.filter(id_number_digest__in=chunk).values_list("id_number_digest", "pk"))
    for p in new_people:
        p.pk = ids[p.id_number_digest]
    for fields, objs in by_fields.items():
        bulk.update_objects(Person, objs, fields)
    result.created, result.updated = len(new_people), len(updated)
    touched.discard(None)
    result.org_ids = frozenset(touched)

    names = {}
    for chunk in _chunks(touched):
        names.update(Org.objects.filter(pk__in=chunk).values_list("id", "name"))
    events = []
    for p, number in zip(new_people, new_ids):
        events.append(AuditEvent(
            actor=actor, request_id=request_id, verb="person.create", org_id=p.org_id, person=p,
            object_type="people.person", object_id=str(p.pk),
            summary=f"导入花名册：登记人员“{p.name}”（{_STATUS_LABELS[p.status]}）"[:500],
            data={"after": {"status": p.status, "org": {"id": p.org_id, "name": names.get(p.org_id, "")},
                            "id_number": crypto.mask_id_number(number)}, "source": "roster"}))
    for plan in updated:
        p = plan.person
        labels = "、".join(ROSTER_LABELS.get(k, k) for k in plan.changes)
        events.append(AuditEvent(
            actor=actor, request_id=request_id, verb="person.update", org_id=p.org_id, person=p,
            object_type="people.person", object_id=str(p.pk),
            summary=f"导入花名册：修改“{p.name}”的{labels}"[:500],
            data={"before": audit._jsonable(plan.before), "after": audit._jsonable(plan.changes),
                  "source": "roster"}))
        if "status" in plan.changes and plan.before.get("status") != p.status:
            # One 党籍状态 history (as `do_change_status` writes it; 党内统计 reads it), dated by its 起始日期.
            events.append(AuditEvent(
                actor=actor, request_id=request_id, verb="person.status", org_id=p.org_id, person=p,
                object_type="people.person", object_id=str(p.pk),
                summary=f"导入花名册：“{p.name}”由{_STATUS_LABELS[plan.before['status']]}变为"
                        f"{_STATUS_LABELS[p.status]}"[:500],
                data={"before": {"status": plan.before["status"]}, "after": {"status": p.status},
                      "on": (p.status_since or today).isoformat(), "reason": "导入花名册", "source": "roster"}))
    bulk.insert_objects(AuditEvent, events, now)
    audit.record("person.import", f"导入花名册：新增 {result.created} 人，更新 {result.updated} 人",
                 actor=acting_user, org=_common_ancestor(touched), created=result.created,
                 updated=result.updated, unchanged=result.unchanged, rows=len(rows))
    if result.created + result.updated >= 1000:
        from dangjian.core.db import refresh_planner_statistics

        transaction.on_commit(refresh_planner_statistics)
    # A durable marker: a process killed after the commit leaves the judging to the worker (docs/faults.md).
    from dangjian.core import owed

    owed.owe(touched, reason="导入花名册")
    return result


def _common_ancestor(org_ids):
    """The lowest org above all of `org_ids`, so that the summary event shows where it belongs."""
    from dangjian.orgs.models import Org

    paths = [p for chunk in _chunks(org_ids) for p in Org.objects.filter(pk__in=chunk).values_list("path", flat=True)]
    if not paths:
        return None
    prefix = paths[0]
    for p in paths[1:]:
        while not p.startswith(prefix):
            prefix = prefix[:-Org.steplen]
    return Org.objects.filter(path=prefix).first() if prefix else None


def do_log_roster_export(*, acting_user, count: int, revealed: int, org=None) -> None:
    """A 花名册 export is a bulk read of personal data; with full ID numbers it is an unmasked view
    and must be on the record (who, how many, which subtree)."""
    what = f"导出花名册 {count} 人" + (f"（含完整公民身份号码 {revealed} 人）" if revealed else "（身份证号已脱敏）")
    audit.record("person.export", what, actor=acting_user, org=org, count=count, revealed=revealed)
