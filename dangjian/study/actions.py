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
