"""Where the evidence of a responsibility item or of a task comes from: the records that already exist. A
lecture the person gave, a meeting their organisation held, a talk, a visit to their contact point … is
found here and offered as a candidate; the person (or the unit's administrator) only confirms it. Nothing
is typed twice; manual evidence is for what no record shows.

Both are seen by the finders as a `Subject`: whose records ("本人"), which organisation's ("本组织"), the
window of days, and the kind of source asked for.

* a responsibility item: its list's person and org, 1 January of the list's year up to the item's due date,
  the source (and meeting type) of its template item;
* a task of the 工作要点: its owner and its org, 1 January of the task's year up to its deadline, its own
  source (and meeting type). A task without an owner has no "本人" records.

`candidates_for(items)` and `task_candidates_for(tasks)` answer for a whole page with one query per kind of
source (plus one for what is already confirmed), never one per item or task. What is already confirmed for
the item (task) is left out."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from dangjian.core.permissions import VIEW

from .choices import PERSONAL_SOURCES, EvidenceSource as S

MEETING, TALK, VISIT, STUDY, RECTIFICATION = ("orglife.meeting", "orglife.talk", "duty.contactvisit",
                                             "study.studyrecord", "supervision.rectification")


@dataclass(frozen=True)
class Candidate:
    source: str      # the record's model label (Evidence.source)
    ref_id: int
    date: dt.date
    text: str


@dataclass(frozen=True)
class Subject:
    """What evidence is sought for, as the finders see it (a responsibility item or a task)."""
    pk: int
    person_id: int | None    # whose own records count ("本人")
    org_id: int              # whose organisation's records count ("本组织")
    first: dt.date           # the window of days, both ends included
    last: dt.date
    kind: str                # EvidenceSource
    meeting_type: str        # "" or the one type of meeting asked for


def item_subject(item) -> Subject:
    """An item needs `list` and `template_item` loaded."""
    ti = item.template_item
    return Subject(item.pk, item.list.person_id, item.list.org_id, dt.date(item.list.year, 1, 1), item.due,
                   ti.evidence_source, ti.meeting_type)


def task_subject(task) -> Subject:
    return Subject(task.pk, task.owner_id, task.org_id, dt.date(task.year, 1, 1), task.deadline,
                   task.evidence_source, task.meeting_type)


def candidates(item, user=None) -> list[Candidate]:
    return candidates_for([item], user)[item.pk]


def task_candidates(task, user=None) -> list[Candidate]:
    return task_candidates_for([task], user)[task.pk]


def candidates_for(items, user=None) -> dict[int, list[Candidate]]:
    """item id → its candidates by date. The items need `list` and `template_item` loaded
    (`select_related("list", "template_item")`). With `user`, only records that user may see (a page, an
    action); without, all of them (the engine)."""
    return _found([item_subject(i) for i in items], "item_id", user)


def task_candidates_for(tasks, user=None) -> dict[int, list[Candidate]]:
    """task id → its candidates by date (no related objects needed)."""
    return _found([task_subject(t) for t in tasks], "task_id", user)


def _visible(qs, user, via_meeting: bool = False):
    """The records `user` may see (through `restrict()`); None: the engine, which judges everything.
    Attendance has no org of its own: it is seen through its meeting."""
    if user is None:
        return qs
    if via_meeting:
        from dangjian.orglife.models import Meeting

        return qs.filter(meeting_id__in=Meeting.objects.restrict(user, VIEW).values("pk"))
    return qs.restrict(user, VIEW)


def _found(subjects: list[Subject], fk: str, user=None) -> dict[int, list[Candidate]]:
    """The candidates of each subject: one query per kind of source, and one for the records already
    confirmed as its evidence (`Evidence.<fk>`: "item_id" or "task_id")."""
    from .models import Evidence

    out: dict[int, list[Candidate]] = {s.pk: [] for s in subjects}
    by_kind: dict[str, list[Subject]] = {}
    for s in subjects:
        if s.kind == S.MANUAL or (s.kind in PERSONAL_SOURCES and s.person_id is None):
            continue                    # (nobody's own records to look at)
        by_kind.setdefault(s.kind, []).append(s)
    if not by_kind:
        return out
    confirmed = set(Evidence.objects.filter(**{f"{fk}__in": [s.pk for g in by_kind.values() for s in g]},
                                            ref_id__isnull=False).values_list(fk, "source", "ref_id"))
    for kind, group in by_kind.items():
        lo, hi = min(s.first for s in group), max(s.last for s in group)
        for s, c in FINDERS[kind](group, lo, hi, user):
            if s.first <= c.date <= s.last and (s.pk, c.source, c.ref_id) not in confirmed:
                out[s.pk].append(c)
    for found in out.values():
        found.sort(key=lambda c: (c.date, c.source, c.ref_id))
    return out


def _meeting_text(row, prefix="meeting__", note="") -> str:
    from dangjian.orglife.choices import MeetingType

    return (f"{row[prefix + 'org__name']}{MeetingType(row[prefix + 'type']).label}"
            f"“{row[prefix + 'topic']}”{note}")


def _lectures(subjects, lo, hi, user=None):
    from dangjian.orglife.choices import MeetingState, MeetingType
    from dangjian.orglife.models import Meeting

    rows: dict[int, list] = {}
    for r in _visible(Meeting.objects.filter(type=MeetingType.LECTURE, state=MeetingState.HELD, date__range=(lo, hi),
                                             lecturer_id__in={i.person_id for i in subjects}), user).values(
            "pk", "lecturer_id", "date", "type", "topic", "org__name"):
        rows.setdefault(r["lecturer_id"], []).append(r)
    for i in subjects:
        for r in rows.get(i.person_id, ()):
            yield i, Candidate(MEETING, r["pk"], r["date"], _meeting_text(r, "", "（本人授课）"))


def _meetings_held(subjects, lo, hi, user=None):
    from dangjian.orglife.choices import MeetingState
    from dangjian.orglife.models import Meeting

    rows: dict[int, list] = {}
    for r in _visible(Meeting.objects.filter(state=MeetingState.HELD, date__range=(lo, hi),
                                             org_id__in={i.org_id for i in subjects}), user).values(
            "pk", "org_id", "date", "type", "topic", "org__name"):
        rows.setdefault(r["org_id"], []).append(r)
    for i in subjects:
        wanted = i.meeting_type
        for r in rows.get(i.org_id, ()):
            if not wanted or r["type"] == wanted:
                yield i, Candidate(MEETING, r["pk"], r["date"], _meeting_text(r, ""))


def _meetings_attended(subjects, lo, hi, user=None):
    from dangjian.orglife.choices import ORG_LIFE_TYPES, AttendanceStatus, MeetingState
    from dangjian.orglife.models import Attendance

    rows: dict[int, list] = {}
    for r in _visible(Attendance.objects.filter(status=AttendanceStatus.PRESENT, meeting__state=MeetingState.HELD,
                                                meeting_date__range=(lo, hi),
                                                person_id__in={i.person_id for i in subjects}), user, True).values(
            "person_id", "meeting_id", "meeting_date", "meeting__type", "meeting__topic", "meeting__org__name"):
        rows.setdefault(r["person_id"], []).append(r)
    for i in subjects:
        wanted = i.meeting_type
        for r in rows.get(i.person_id, ()):
            if (r["meeting__type"] == wanted) if wanted else (r["meeting__type"] in ORG_LIFE_TYPES):
                yield i, Candidate(MEETING, r["meeting_id"], r["meeting_date"], _meeting_text(r, note="（本人出席）"))


def _talks(subjects, lo, hi, user=None):
    from dangjian.orglife.models import Talk

    people = {i.person_id for i in subjects}
    rows: dict[int, list] = {}
    for r in _visible(Talk.objects.filter(Q(a_id__in=people) | Q(b_id__in=people), date__range=(lo, hi)), user).values(
            "pk", "a_id", "b_id", "a__name", "b__name", "date", "topic"):
        for pid in {r["a_id"], r["b_id"]} & people:
            rows.setdefault(pid, []).append(r)
    for i in subjects:
        for r in rows.get(i.person_id, ()):
            yield i, Candidate(TALK, r["pk"], r["date"],
                               f"谈心谈话：{r['a__name']}与{r['b__name']}" + (f"（{r['topic']}）" if r["topic"] else ""))


def _contact_visits(subjects, lo, hi, user=None):
    """Visits logged at the person's 联系点, and meetings of that branch they attended (as DUTY-03 counts)."""
    from dangjian.orglife.choices import AttendanceStatus, MeetingState
    from dangjian.orglife.models import Attendance

    from .choices import VisitKind
    from .models import ContactPoint, ContactVisit

    points = list(ContactPoint.objects.filter(leader_id__in={i.person_id for i in subjects}).values(
        "pk", "leader_id", "branch_id", "branch__name", "since", "until"))
    if not points:
        return
    rows: dict[int, list[Candidate]] = {}
    by_pk = {p["pk"]: p for p in points}
    for v in _visible(ContactVisit.objects.filter(point_id__in=list(by_pk), date__range=(lo, hi)), user).values(
            "pk", "point_id", "date", "kind", "note"):
        p = by_pk[v["point_id"]]
        rows.setdefault(p["leader_id"], []).append(Candidate(
            VISIT, v["pk"], v["date"], f"到联系点{p['branch__name']}{VisitKind(v['kind']).label}"
                                       + (f"：{v['note']}" if v["note"] else "")))
    spans: dict[tuple[int, int], list] = {}
    for p in points:
        spans.setdefault((p["leader_id"], p["branch_id"]), []).append((p["since"], p["until"]))
    for r in _visible(Attendance.objects.filter(
            status=AttendanceStatus.PRESENT, meeting__state=MeetingState.HELD, meeting_date__range=(lo, hi),
            person_id__in={p["leader_id"] for p in points}, meeting__org_id__in={p["branch_id"] for p in points}),
            user, True).values(
            "person_id", "meeting__org_id", "meeting_id", "meeting_date", "meeting__type", "meeting__topic",
            "meeting__org__name"):
        if any(since <= r["meeting_date"] and (until is None or r["meeting_date"] <= until)
               for since, until in spans.get((r["person_id"], r["meeting__org_id"]), ())):
            rows.setdefault(r["person_id"], []).append(Candidate(
                MEETING, r["meeting_id"], r["meeting_date"], _meeting_text(r, note="（出席联系点会议）")))
    for i in subjects:
        for c in rows.get(i.person_id, ()):
            yield i, c


def _study(subjects, lo, hi, user=None):
    from dangjian.study.choices import StudyKind
    from dangjian.study.models import StudyRecord

    rows: dict[int, list] = {}
    for r in _visible(StudyRecord.objects.filter(person_id__in={i.person_id for i in subjects},
                                                 date__range=(lo, hi)), user).values(
            "pk", "person_id", "date", "hours", "kind", "title"):
        rows.setdefault(r["person_id"], []).append(r)
    for i in subjects:
        for r in rows.get(i.person_id, ()):
            yield i, Candidate(STUDY, r["pk"], r["date"],
                               f"{StudyKind(r['kind']).label}{r['hours']}学时" + (f"：{r['title']}" if r["title"] else ""))


def _rectifications(subjects, lo, hi, user=None):
    from dangjian.supervision.choices import State
    from dangjian.supervision.models import Rectification

    rows: dict[int, list] = {}
    for r in _visible(Rectification.objects.filter(state=State.CLOSED, approved=True, closed__range=(lo, hi),
                                                   org_id__in={i.org_id for i in subjects}), user).values(
            "pk", "org_id", "closed", "problem"):
        rows.setdefault(r["org_id"], []).append(r)
    for i in subjects:
        for r in rows.get(i.org_id, ()):
            yield i, Candidate(RECTIFICATION, r["pk"], r["closed"], f"整改销号：{r['problem'][:80]}")


FINDERS = {S.LECTURE_GIVEN: _lectures, S.MEETING_HELD: _meetings_held, S.MEETING_ATTENDED: _meetings_attended,
           S.TALK: _talks, S.CONTACT_VISIT: _contact_visits, S.STUDY: _study,
           S.RECTIFICATION_CLOSED: _rectifications}


def stale(rows) -> set[int]:
    """The evidence (of `rows`) whose record no longer stands: deleted, a meeting cancelled, a problem
    reopened at 回头看. It stays listed, marked, but no longer evidences anything. One query per source."""
    from dangjian.orglife.choices import MeetingState
    from dangjian.orglife.models import Meeting, Talk
    from dangjian.study.models import StudyRecord
    from dangjian.supervision.choices import State
    from dangjian.supervision.models import Rectification

    from .models import ContactVisit

    wanted: dict[str, set[int]] = {}
    for e in rows:
        if e.ref_id is not None:
            wanted.setdefault(e.source, set()).add(e.ref_id)
    standing = {
        MEETING: lambda ids: Meeting.objects.filter(pk__in=ids, state=MeetingState.HELD),
        TALK: lambda ids: Talk.objects.filter(pk__in=ids),
        VISIT: lambda ids: ContactVisit.objects.filter(pk__in=ids),
        STUDY: lambda ids: StudyRecord.objects.filter(pk__in=ids),
        RECTIFICATION: lambda ids: Rectification.objects.filter(pk__in=ids, state=State.CLOSED, approved=True),
    }
    alive = {src: set(standing[src](ids).values_list("pk", flat=True)) if src in standing else ids
             for src, ids in wanted.items()}
    return {e.pk for e in rows if e.ref_id is not None and e.ref_id not in alive.get(e.source, ())}


@dataclass
class ItemState:
    code: str        # evidenced · pending · open · overdue
    label: str
    candidates: list[Candidate]
    overdue: bool


def states_for(items, today: dt.date, user=None) -> dict[int, ItemState]:
    """Each item's state as the pages show it: 已佐证, 待确认 N 条, 未到期, 逾期无佐证. The items need their
    evidence prefetched (`prefetch_related("evidence")`). Candidates are those `user` may see."""
    found = candidates_for(items, user)
    gone = stale([e for i in items for e in i.evidence.all()])
    out = {}
    for i in items:
        overdue = i.due < today
        for e in i.evidence.all():
            e.stale = e.pk in gone
        if any(e.pk not in gone for e in i.evidence.all()):
            out[i.pk] = ItemState("evidenced", "已佐证", found[i.pk], False)
        elif found[i.pk]:
            out[i.pk] = ItemState("pending", f"待确认 {len(found[i.pk])} 条", found[i.pk], overdue)
        else:
            out[i.pk] = ItemState("overdue" if overdue else "open", "逾期无佐证" if overdue else "未到期", [], overdue)
    return out


def items_with_state(lists, today: dt.date, user=None) -> list:
    """The lists with `item_rows`: their items (template item and evidence loaded), each with `st` (its
    state and candidates). A fixed number of queries however many lists and items."""
    from django.db.models import Prefetch

    from .models import Evidence, ResponsibilityItem

    lists = list(lists)
    items = list(ResponsibilityItem.objects.filter(list__in=[x.pk for x in lists])
                 .select_related("list", "template_item").prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("date", "pk")))
                 .order_by("list_id", "pk"))
    states = states_for(items, today, user)
    by_list: dict[int, list] = {}
    for i in items:
        i.st = states[i.pk]
        by_list.setdefault(i.list_id, []).append(i)
    for lst in lists:
        lst.item_rows = by_list.get(lst.pk, [])
    return lists
