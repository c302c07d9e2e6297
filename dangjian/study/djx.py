"""DJX `study` (djx.md): `person`, `date`, `hours`, `kind`, `title` — one record of study hours. The same
file twice changes nothing (the same person, date, hours, kind and title). The hours a 中心组学习 or a training
class credits are not part of DJX v1: not exported, and a row repeating one is not imported beside it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from .choices import StudyKind
from .models import StudyRecord

KIND_ALIASES = {label: value for value, label in StudyKind.choices}


def import_study(imp, count) -> None:
    from dangjian.people.models import Person

    rows = [(i, r) for i, r in enumerate(imp.doc.get("study") or []) if isinstance(r, dict)]
    if not rows:
        return
    orgs_of = dict(Person.objects.filter(pk__in={imp.people[r["person"]] for _, r in rows}).values_list("pk", "org_id"))
    have = set()
    if imp.match_existing:
        have = set(StudyRecord.objects.filter(person_id__in=list(orgs_of)).values_list(
            "person_id", "date", "hours", "kind", "title"))
    # The hours a 中心组学习 or a training class credits are kept with them (DJX v1 has no section for them): a
    # row that is such a record again (an older export, another system's) is not added beside it.
    credited = set(StudyRecord.objects.filter(person_id__in=list(orgs_of)).filter(
        Q(meeting__isnull=False) | Q(training_class__isnull=False)).values_list("person_id", "date", "kind", "title"))
    new = []
    for i, r in rows:
        pid = imp.people[r["person"]]
        try:
            hours = Decimal(str(r.get("hours") if r.get("hours") is not None else "0")).quantize(Decimal("0.1"))
        except InvalidOperation:
            imp.fail(f"study[{i}].hours", "学时不是数字")
            continue
        kind = r.get("kind") or StudyKind.CENTRALIZED
        kind = kind if kind in StudyKind.values else KIND_ALIASES.get(kind, StudyKind.OTHER)
        title = (r.get("title") or "")[:200]
        day = dt.date.fromisoformat(r["date"])
        if orgs_of.get(pid) is None:
            imp.fail(f"study[{i}].person", "本人没有所在党组织，无法登记学习记录")
            continue
        key = (pid, day, hours, kind, title)
        if key in have or (pid, day, kind, title) in credited:
            count.unchanged += 1
            continue
        have.add(key)
        new.append(StudyRecord(person_id=pid, org_id=orgs_of[pid], date=day, hours=hours, kind=kind, title=title))
        count.created += 1
    if not imp.errors:
        StudyRecord.objects.bulk_create(new, batch_size=5000)


def export_study(person_ids: dict[int, str]) -> list[dict]:
    out = []
    # Only the records entered as such: credited hours (a 中心组学习's, a class's) are not in DJX v1.
    for pid, day, hours, kind, title in StudyRecord.objects.filter(
            person_id__in=list(person_ids), meeting__isnull=True, training_class__isnull=True).order_by(
            "person_id", "date", "pk").values_list("person_id", "date", "hours", "kind", "title"):
        r = {"person": person_ids[pid], "date": day.isoformat(), "hours": int(hours) if hours == int(hours) else
             float(str(hours)), "kind": kind}
        if title:
            r["title"] = title
        out.append(r)
    return out
