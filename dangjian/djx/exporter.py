"""Writing the database (or one subtree, or what one user may see) as a DJX v1 document.

Ids in the file are the records' `external_id` when they have one (so data that came in by DJX goes
out with the ids it came with) and otherwise stable generated ones (`org-12`, `p-345`, `u-3`). The
output is canonical — fixed section and key order, empty optional values left out — so that export →
import → export gives the same document.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import F
from django.utils import timezone

from dangjian.core import audit, crypto
from dangjian.core.params import id_param
from dangjian.core.permissions import VIEW, VIEW_ID_NUMBER
from dangjian.orglife.choices import NOT_IN_DJX_V1, AttendanceStatus, MeetingState
from dangjian.orglife.models import Appraisal, AppraisalGrade, Attendance, Critique, Meeting, Resolution, Talk
from dangjian.orgs.models import Org, Post, Unit
from dangjian.people.models import Person

from .importer import in_chunks
from .validation import FORMAT, SECTIONS

PREFIX = {"units": "u", "orgs": "org", "people": "p", "meetings": "m"}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def natural_key(value: str):
    # odd places of the split are the digit runs (any Unicode decimal digits, which int() reads); "²" is not one
    return [int(t) if i % 2 else t for i, t in enumerate(re.split(r"(\d+)", value))]


class _Ids:
    """File ids for one section: external ids first (first come keeps it), then generated ones."""

    def __init__(self, prefix: str, rows: list[tuple[int, str]]):
        self.map: dict[int, str] = {}
        used: set[str] = set()
        for pk, ext in rows:
            if ext and ext not in used:
                self.map[pk] = ext
                used.add(ext)
        for pk, _ext in rows:
            if pk in self.map:
                continue
            candidate, n = f"{prefix}-{pk}", 1
            while candidate in used:
                n += 1
                candidate = f"{prefix}-{pk}-{n}"
            self.map[pk] = candidate
            used.add(candidate)

    def get(self, pk: int | None) -> str | None:
        return self.map.get(pk) if pk is not None else None


def _compact(record: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k in keep or v not in (None, "", [], False)}


def export_document(*, user=None, org: Org | None = None, title: str | None = None,
                    log: bool = True) -> dict:
    """The DJX document for `org`'s subtree (or everything), as `user` may see it (`user` None:
    the system operator, who sees everything including ID numbers)."""
    orgs_qs = Org.objects.active()
    if user is not None:
        orgs_qs = orgs_qs.restrict(user, VIEW)
    if org is not None:
        orgs_qs = orgs_qs.filter(path__subtree=org.path)
    orgs = list(orgs_qs.order_by("path").values(
        "pk", "path", "name", "type", "unit_id", "founded", "committee_elected", "term_years",
        "village_or_community", "external_id"))
    org_pks = [o["pk"] for o in orgs]
    by_path = {o["path"]: o["pk"] for o in orgs}
    org_ids = _Ids(PREFIX["orgs"], [(o["pk"], o["external_id"]) for o in orgs])
    org_order = {pk: i for i, pk in enumerate(org_pks)}

    people_qs = Person.objects.all()
    if user is not None:
        people_qs = people_qs.restrict(user, VIEW)
    if org is not None:
        people_qs = people_qs.filter(org__path__subtree=org.path)
    whole = org is None and user is None
    people = [p for p in people_qs.values(
        "pk", "external_id", "name", "gender", "birth_date", "id_number_encrypted", "ethnicity",
        "education", "org_id", "group_id", "status", "probationary_date", "full_member_date",
        "dues_category", "unit_id", "leading_cadre", "on_probation_sanction", "lost_contact_since",
        "away_since", "away_fixed_location").iterator(chunk_size=2000)
        if p["org_id"] in org_order or (whole and p["org_id"] is None)]
    person_ids = _Ids(PREFIX["people"], [(p["pk"], p["external_id"]) for p in people])
    person_pks = {p["pk"] for p in people}
    if user is None:
        may_see_number = person_pks
    else:
        may_see_number = {pk for chunk in in_chunks(p["pk"] for p in people if p["id_number_encrypted"])
                          for pk in Person.objects.restrict(user, VIEW_ID_NUMBER).filter(pk__in=chunk)
                          .values_list("pk", flat=True)}

    joint: dict[int, list[int]] = {}
    for org_pk, unit_pk in Org.joint_units.through.objects.values_list("org_id", "unit_id") \
            .order_by("org_id", "unit_id").iterator(chunk_size=2000):
        if org_pk in org_order:
            joint.setdefault(org_pk, []).append(unit_pk)

    # Units: everything for a whole export; otherwise those the exported records point at, with
    # their parent departments, as far as the user may see them.
    units_qs = Unit.objects.all()
    if user is not None:
        units_qs = units_qs.restrict(user, VIEW)
    all_units = {u["pk"]: u for u in units_qs.values("pk", "name", "parent_id", "head_id", "external_id")}
    if whole:
        wanted = set(all_units)
    else:
        wanted = {o["unit_id"] for o in orgs} | {p["unit_id"] for p in people} | \
                 {u for us in joint.values() for u in us}
        parents = dict(Unit.objects.values_list("pk", "parent_id")) if wanted else {}
        for pk in list(wanted):
            while pk is not None and pk in parents:
                wanted.add(pk)
                pk = parents[pk]
        wanted = {pk for pk in wanted if pk in all_units}
    units = [all_units[pk] for pk in all_units if pk in wanted]
    unit_ids = _Ids(PREFIX["units"], sorted((u["pk"], u["external_id"]) for u in units))

    out_units = sorted((_compact({
        "id": unit_ids.get(u["pk"]), "name": u["name"],
        "parent": unit_ids.get(u["parent_id"]) if u["parent_id"] in wanted else None,
        "head": person_ids.get(u["head_id"]) if u["head_id"] in person_pks else None,
    }, keep=("id", "name")) for u in units), key=lambda r: natural_key(r["id"]))

    out_orgs = []
    for o in orgs:
        parent_pk = by_path.get(o["path"][:-Org.steplen])
        out_orgs.append(_compact({
            "id": org_ids.get(o["pk"]), "name": o["name"], "type": o["type"],
            "parent": org_ids.get(parent_pk),
            "unit": unit_ids.get(o["unit_id"]) if o["unit_id"] in wanted else None,
            "founded": _iso(o["founded"]), "committee_elected": _iso(o["committee_elected"]),
            "term_years": o["term_years"], "village_or_community": o["village_or_community"],
            "joint_units": [unit_ids.get(u) for u in joint.get(o["pk"], []) if u in wanted],
        }, keep=("id", "name", "type", "parent")))

    people.sort(key=lambda p: (org_order.get(p["org_id"], len(org_order)),
                               natural_key(person_ids.get(p["pk"]))))
    revealed = 0
    out_people = []
    for p in people:
        number = None
        if p["id_number_encrypted"] and p["pk"] in may_see_number:
            number = crypto.decrypt(p["id_number_encrypted"])
            revealed += 1
        out_people.append(_compact({
            "id": person_ids.get(p["pk"]), "name": p["name"], "gender": p["gender"],
            "birth_date": _iso(p["birth_date"]), "id_number": number, "ethnicity": p["ethnicity"],
            "education": p["education"], "org": org_ids.get(p["org_id"]),
            "group": org_ids.get(p["group_id"]) if p["group_id"] in org_order else None,
            "status": p["status"], "probationary_date": _iso(p["probationary_date"]),
            "full_member_date": _iso(p["full_member_date"]), "dues_category": p["dues_category"],
            "unit": unit_ids.get(p["unit_id"]) if p["unit_id"] in wanted else None,
            "leading_cadre": p["leading_cadre"], "on_probation_sanction": p["on_probation_sanction"],
            "lost_contact_since": _iso(p["lost_contact_since"]), "away_since": _iso(p["away_since"]),
            "away_fixed_location": p["away_fixed_location"],
        }, keep=("id", "name", "status", "dues_category")))

    person_order = {pk: i for i, pk in enumerate(p["pk"] for p in people)}
    posts_qs = Post.objects.all() if org is None else Post.objects.filter(org__path__subtree=org.path)
    posts = [p for p in posts_qs.values(
        "person_id", "org_id", "role", "start", "end", "approved").iterator(chunk_size=2000)
        if p["person_id"] in person_pks and p["org_id"] in org_order]
    posts.sort(key=lambda p: (org_order[p["org_id"]], person_order[p["person_id"]], p["role"],
                              p["start"] or dt.date.min))
    out_posts = [_compact({
        "person": person_ids.get(p["person_id"]), "org": org_ids.get(p["org_id"]), "role": p["role"],
        "start": _iso(p["start"]), "end": _iso(p["end"]), "approved": _iso(p["approved"]),
    }, keep=("person", "org", "role")) for p in posts]

    out_meetings, out_talks, out_appraisals = _orglife(user, org_ids, org_order, person_ids, person_order)
    out_recruitment = _recruitment(user, org_ids, org_order, person_ids, person_order)
    from dangjian.dues.djx import export_dues

    out_dues = export_dues({pk: person_ids.get(pk) for pk in person_order}, timezone.localdate())
    from dangjian.membership.djx import export_transfers
    from dangjian.study.djx import export_study

    out_transfers = export_transfers({pk: person_ids.get(pk) for pk in person_order},
                                     {pk: org_ids.get(pk) for pk in org_order})
    out_study = export_study({pk: person_ids.get(pk) for pk in person_order})
    from dangjian.supervision.djx import export_rectifications

    out_rectifications = export_rectifications({pk: org_ids.get(pk) for pk in org_order},
                                               {pk: person_ids.get(pk) for pk in person_order})
    from dangjian.elections.djx import export_elections

    out_elections = export_elections({pk: org_ids.get(pk) for pk in org_order},
                                     {pk: person_ids.get(pk) for pk in person_order})
    from dangjian.assessment.djx import export_reports

    out_reports = export_reports({pk: org_ids.get(pk) for pk in org_order},
                                 {pk: person_ids.get(pk) for pk in person_order})

    meta: dict[str, Any] = {"as_of": timezone.localdate().isoformat(),
                            "title": title or (f"{org.name} 数据导出" if org is not None else "全部数据导出")}
    from dangjian.core.models import JurisdictionSetting

    settings = dict(JurisdictionSetting.objects.order_by("key").values_list("key", "value"))
    if settings:
        meta["settings"] = settings
    doc: dict[str, Any] = {"format": FORMAT, "meta": meta}
    doc.update({s: [] for s in SECTIONS})
    doc.update(units=out_units, orgs=out_orgs, people=out_people, posts=out_posts, meetings=out_meetings,
               talks=out_talks, appraisals=out_appraisals, recruitment=out_recruitment, dues=out_dues,
               transfers=out_transfers, study=out_study, rectifications=out_rectifications, elections=out_elections,
               reports=out_reports)
    if log:
        # Exporting full ID numbers is an unmasked view of them: it goes in the audit trail.
        audit.record("djx.export", f"导出 DJX 文件（{meta['title']}）：组织 {len(out_orgs)} 个，人员 "
                     f"{len(out_people)} 名，会议 {len(out_meetings)} 次" +
                     (f"，含完整公民身份号码 {revealed} 个" if revealed else ""),
                     actor=user, org=org, orgs=len(out_orgs), people=len(out_people), meetings=len(out_meetings),
                     id_numbers=revealed)
    return doc


def _orglife(user, org_ids: _Ids, org_order: dict[int, int], person_ids: _Ids, person_order: dict[int, int]):
    """Meetings (held ones: an announcement is a plan, not a record), talks and 民主评议 grades of the
    exported orgs (not the types DJX v1 lacks, `NOT_IN_DJX_V1`). References to people outside the export are left out (a scoped export must not
    point at records it does not carry), and `expected` is always written: it is the recorded fact,
    which membership data alone (DJX has no date a person left) could not re-derive."""
    # (a 党组会议 has no type in DJX v1: left out, as import would refuse it)
    meetings_qs = Meeting.objects.filter(state=MeetingState.HELD).exclude(type__in=NOT_IN_DJX_V1)
    talks_qs, appraisals_qs = Talk.objects.all(), Appraisal.objects.all()
    if user is not None:
        meetings_qs, talks_qs, appraisals_qs = (qs.restrict(user, VIEW) for qs in (meetings_qs, talks_qs, appraisals_qs))
    meetings = [m for m in meetings_qs.values("pk", "external_id", "org_id", "type", "date", "topic", "chair_id",
                                              "lecturer_id", "minutes").iterator(chunk_size=2000)
                if m["org_id"] in org_order]
    meeting_ids = _Ids(PREFIX["meetings"], sorted((m["pk"], m["external_id"]) for m in meetings))
    pks = [m["pk"] for m in meetings]
    att: dict[int, list] = {}
    votes: dict[int, list] = {}
    crit: dict[int, list] = {}
    for chunk in in_chunks(pks):
        for mid, pid, status, reason in Attendance.objects.filter(meeting_id__in=chunk).values_list(
                "meeting_id", "person_id", "status", "reason"):
            if pid in person_order:
                att.setdefault(mid, []).append((person_order[pid], pid, status, reason))
        for row in Resolution.objects.filter(meeting_id__in=chunk).order_by("order", "pk").values(
                "meeting_id", "motion", "eligible", "present", "yes", "no", "abstain", "written_yes"):
            votes.setdefault(row.pop("meeting_id"), []).append(row)
        for mid, author, target, text in Critique.objects.filter(meeting_id__in=chunk).order_by(
                "order", "pk").values_list("meeting_id", "author_id", "target_id", "text"):
            if author in person_order and (target is None or target in person_order):
                crit.setdefault(mid, []).append({"from": person_ids.get(author), "to": person_ids.get(target),
                                                 "text": text or None})
    meetings.sort(key=lambda m: (org_order[m["org_id"]], m["date"], natural_key(meeting_ids.get(m["pk"]))))
    out_meetings = []
    for m in meetings:
        rows = sorted(att.get(m["pk"], []))
        out_meetings.append(_compact({
            "id": meeting_ids.get(m["pk"]), "org": org_ids.get(m["org_id"]), "type": m["type"],
            "date": _iso(m["date"]), "topic": m["topic"],
            "chair": person_ids.get(m["chair_id"]) if m["chair_id"] in person_order else None,
            "lecturer": person_ids.get(m["lecturer_id"]) if m["lecturer_id"] in person_order else None,
            "expected": [person_ids.get(pid) for _, pid, _, _ in rows],
            "present": [person_ids.get(pid) for _, pid, st, _ in rows if st == AttendanceStatus.PRESENT],
            "excused": {person_ids.get(pid): reason or None for _, pid, st, reason in rows
                        if st == AttendanceStatus.EXCUSED} or None,
            "minutes": m["minutes"],
            "critiques": [{k: v for k, v in c.items() if k == "from" or v is not None} for c in crit.get(m["pk"], [])],
            # The tallies as recorded, zeros included where they decide the outcome.
            "votes": [{k: v for k, v in row.items() if k in ("eligible", "present", "yes") or v}
                      for row in votes.get(m["pk"], [])],
        }, keep=("id", "org", "type", "date")))

    talks = [t for t in talks_qs.values("date", "a_id", "b_id", "topic").iterator(chunk_size=2000)
             if t["a_id"] in person_order and t["b_id"] in person_order]
    talks.sort(key=lambda t: (t["date"], person_order[t["a_id"]], person_order[t["b_id"]]))
    out_talks = [_compact({"date": _iso(t["date"]), "a": person_ids.get(t["a_id"]), "b": person_ids.get(t["b_id"]),
                           "topic": t["topic"]}, keep=("date", "a", "b")) for t in talks]

    appraisals = [a for a in appraisals_qs.values("pk", "org_id", "year") if a["org_id"] in org_order]
    grades: dict[int, list] = {}
    for chunk in in_chunks([a["pk"] for a in appraisals]):
        for aid, pid, grade in AppraisalGrade.objects.filter(appraisal_id__in=chunk).values_list(
                "appraisal_id", "person_id", "grade"):
            if pid in person_order:
                grades.setdefault(aid, []).append((person_order[pid], pid, grade))
    appraisals.sort(key=lambda a: (org_order[a["org_id"]], a["year"]))
    out_appraisals = [_compact({"org": org_ids.get(a["org_id"]), "year": a["year"],
                                "grades": {person_ids.get(pid): g for _, pid, g in sorted(grades.get(a["pk"], []))} or None},
                               keep=("org", "year")) for a in appraisals]
    return out_meetings, out_talks, out_appraisals


def find_org(ref: str) -> Org | None:
    """An org named on the command line: its primary key, its exchange id, or `org-<pk>`."""
    ref = ref.strip()
    org = Org.objects.filter(external_id=ref).order_by("path").first()
    if org is None and id_param(ref) is not None:
        org = Org.objects.filter(pk=id_param(ref)).first()
    if org is None and ref.startswith(PREFIX["orgs"] + "-") and id_param(ref[4:]) is not None:
        org = Org.objects.filter(pk=id_param(ref[4:])).first()
    return org


def _recruitment(user, org_ids: _Ids, org_order: dict[int, int], person_ids: _Ids, person_order: dict[int, int]):
    """One recruitment file per person (DJX has one: the open file, else the latest), with the steps
    not voided. People and orgs outside the export are left out of `persons` and `by`."""
    from dangjian.recruitment.models import RecruitmentEvent, RecruitmentFile

    files_qs = RecruitmentFile.objects.all() if user is None else RecruitmentFile.objects.restrict(user, VIEW)
    latest: dict[int, dict] = {}
    # (the open file first, else the one that ended last)
    for f in files_qs.order_by(F("closed").desc(nulls_first=True), "-id").values(
            "pk", "person_id", "org_id", "closed", "closed_reason", "planned_leave", "person__org_id"):
        if f["person_id"] in person_order and f["org_id"] in org_order:
            latest.setdefault(f["person_id"], f)
    events: dict[int, list] = {}
    persons: dict[int, list] = {}
    pks = [f["pk"] for f in latest.values()]
    through = RecruitmentEvent.persons.through.objects
    for chunk in in_chunks(pks):
        rows = list(RecruitmentEvent.objects.filter(file_id__in=chunk, voided_at__isnull=True).order_by("date", "pk")
                    .values("pk", "file_id", "step", "date", "conclusion", "days", "hours", "eligible", "present",
                            "yes", "written_yes", "candidates_in_vote", "approver_id", "months", "docs",
                            "publicity_for", "end_date"))
        for eid, pid in through.filter(recruitmentevent_id__in=[r["pk"] for r in rows]).order_by("id").values_list(
                "recruitmentevent_id", "person_id"):
            if pid in person_order:
                persons.setdefault(eid, []).append(person_ids.get(pid))
        for r in rows:
            events.setdefault(r["file_id"], []).append(r)

    def num(v):
        return None if v is None else (int(v) if v == int(v) else float(v))

    out = []
    for pid, f in sorted(latest.items(), key=lambda kv: person_order[kv[0]]):
        # The platform's own keys only where they say something (a plain file stays plain DJX v1).
        own = _compact({"org": org_ids.get(f["org_id"]) if f["org_id"] != f["person__org_id"] else None,
                        "planned_leave": _iso(f["planned_leave"]), "closed": _iso(f["closed"]),
                        "closed_reason": f["closed_reason"] or None}, keep=())
        out.append({"person": person_ids.get(pid), **own, "events": [_compact({
            "step": e["step"], "date": _iso(e["date"]), "persons": persons.get(e["pk"]),
            "conclusion": e["conclusion"] or None, "days": num(e["days"]), "hours": num(e["hours"]),
            "eligible": e["eligible"], "present": e["present"], "yes": e["yes"], "written_yes": e["written_yes"],
            "candidates_in_vote": e["candidates_in_vote"],
            "by": org_ids.get(e["approver_id"]) if e["approver_id"] in org_order else None,
            "months": e["months"], "docs": e["docs"] or None,
            "end": _iso(e["end_date"]), "for": e["publicity_for"] or None},
            # (a tally of 0 is a fact: kept)
            keep=("step", "date", *(k for k in ("eligible", "present", "yes") if e[k] is not None)))
            for e in events.get(f["pk"], [])]})
    return out
