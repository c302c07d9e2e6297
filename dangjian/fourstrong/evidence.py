"""Evidence attached automatically (佐证材料): what a branch's records of the year say, computed from the records
the platform already holds — nobody types these numbers. Each item is a count or a share with a sentence and a
link to the records it came from. The application page shows them live while the branch fills it in; they are
frozen into the application when it is submitted.

A branch's records include its 党小组. Counts run from 1 January to the as-of date (at most 31 December); the study
hours a member needs (32, or 56 for the committee) are pro-rated to the part of the year that has passed; the
shares that the 考核 module computes (三会一课按期召开率, 党费足额交纳率, 问题按期整改销号率, 发展党员纪实) are its
metrics, so the two modules never disagree."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse


@dataclass(frozen=True)
class EvidenceKind:
    key: str
    label: str
    kind: str        # "count" | "share" | "text"


REGISTRY: dict[str, EvidenceKind] = {k.key: k for k in (
    EvidenceKind("member_assembly", "支部党员大会（次）", "count"),
    EvidenceKind("committee", "支委会（次）", "count"),
    EvidenceKind("group", "党小组会（次）", "count"),
    EvidenceKind("lecture", "党课（次）", "count"),
    EvidenceKind("theme_day", "主题党日（次）", "count"),
    EvidenceKind("org_life", "组织生活会（次）", "count"),
    EvidenceKind("on_schedule", "三会一课、主题党日按期召开率", "share"),
    EvidenceKind("attendance", "组织生活出勤率", "share"),
    EvidenceKind("study_hours", "党员学习培训学时达标率（32/56学时）", "share"),
    EvidenceKind("dues_paid", "党费按月足额交纳率", "share"),
    EvidenceKind("committee_term", "班子在任期内", "share"),
    EvidenceKind("last_election", "最近一次换届选举", "text"),
    EvidenceKind("secretary_lectures", "书记讲党课（次）", "count"),
    EvidenceKind("rectifications", "问题按期整改销号率", "share"),
    EvidenceKind("recruitment", "发展党员纪实规范率", "share"),
)}
MEETING_KEYS = ("member_assembly", "committee", "group", "lecture", "theme_day", "org_life")


def choices(with_text: bool = False) -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in REGISTRY.values() if with_text or k.kind != "text"]


def _item(key, num, den=None, text="", url="", **extra) -> dict:
    return {"key": key, "label": REGISTRY[key].label, "kind": REGISTRY[key].kind, "num": num, "den": den,
            "text": text, "url": url, **extra}


def value_for_minimum(item: dict) -> Decimal | None:
    """The number a criterion's minimum is compared with: a count, or a share in percent; None when a share has
    nothing to count (no meeting due yet), which meets any minimum."""
    if item is None:
        return None
    if item["kind"] == "count":
        return Decimal(item["num"] or 0)
    if item["kind"] == "share":
        if not item["den"]:
            return None
        return (Decimal(item["num"]) * 100 / Decimal(item["den"])).quantize(Decimal("0.01"))
    return None


def shown(item: dict) -> str:
    if item["kind"] == "share":
        if not item["den"]:
            return "—（没有应计入的事项）"
        pct = value_for_minimum(item)
        return f"{pct.normalize():f}%（{item['num']}/{item['den']}）"
    if item["kind"] == "count":
        return str(item["num"])
    return item["text"]


def collect(org, year: int, as_of: dt.date) -> dict:
    """Every evidence item for `org` (a branch) in `year`, counted up to `as_of`."""
    from dangjian.assessment import metrics
    from dangjian.elections.models import Election
    from dangjian.orglife.choices import AttendanceStatus, MeetingState
    from dangjian.orglife.models import Attendance, Meeting
    from dangjian.orgs.models import Org, Post
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person
    from dangjian.study.models import StudyRecord

    start, end = dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31))
    sub = Q(org__path__startswith=org.path)
    items: dict[str, dict] = {}
    meetings_url = reverse("orglife:meeting_list")

    held = Meeting.objects.filter(sub, state=MeetingState.HELD, date__gte=start, date__lte=end)
    counts = dict(held.filter(type__in=MEETING_KEYS).values_list("type").annotate(n=Count("pk")).order_by())
    for t in MEETING_KEYS:
        q = urlencode({"within": org.pk, "type": t, "year": year, "state": MeetingState.HELD})
        items[t] = _item(t, counts.get(t, 0), url=f"{meetings_url}?{q}")

    # 出勤率: the attendance rows of the held meetings of the year — present ÷ all (present, excused, absent).
    att = dict(Attendance.objects.filter(meeting__in=held).values_list("status").annotate(n=Count("pk")).order_by())
    total = sum(att.values())
    present = att.get(AttendanceStatus.PRESENT, 0)
    items["attendance"] = _item("attendance", present, total, f"出席{present}人次，应到{total}人次",
                                url=f"{meetings_url}?{urlencode({'within': org.pk, 'year': year})}")

    # 学时: each member against 32 (a member) or 56 (the branch committee's members: EDU-02).
    from dangjian.core import engine
    from dangjian.study.rules import CADRE_ORG_TYPES, CADRE_ROLES

    settings = engine.effective_settings()
    need_member, need_cadre = int(settings["study_hours_member"]), int(settings["study_hours_cadre"])
    members = list(Person.objects.filter(sub, status__in=list(MEMBER_STATUSES)).values_list("pk", flat=True))
    hours = dict(StudyRecord.objects.filter(person_id__in=members, date__gte=start, date__lte=end).order_by()
                 .values("person_id").annotate(h=Sum("hours")).values_list("person_id", "h"))
    cadres = set(Post.objects.filter(person_id__in=members, role__in=CADRE_ROLES, org__type__in=CADRE_ORG_TYPES)
                 .exclude(end__lt=start).exclude(start__gt=end).values_list("person_id", flat=True))
    # Pro-rated to the part of the year that has passed by the as-of date (an application written in June is held to
    # about half of the year's hours, not to all of them); the whole year's hours from 31 December.
    elapsed, days = (end - start).days + 1, (dt.date(year, 12, 31) - start).days + 1
    met = sum(1 for p in members
              if Decimal(hours.get(p) or 0) * days >= (need_cadre if p in cadres else need_member) * elapsed)
    if elapsed < days:
        share = Decimal(elapsed) / days

        def due(need: int) -> Decimal:
            return (need * share).quantize(Decimal("0.1"))

        text = (f"按截至{end:%m月%d日}已过全年的{(share * 100).quantize(Decimal('1'))}%折算：达到{due(need_member)}学时"
                f"（全年{need_member}学时；班子成员{due(need_cadre)}学时，全年{need_cadre}学时）的{met}人，共{len(members)}人")
    else:
        text = f"达到{need_member}学时（班子成员{need_cadre}学时）的{met}人，共{len(members)}人"
    items["study_hours"] = _item("study_hours", met, len(members), text,
                                 url=f"{reverse('study:study_list')}?{urlencode({'org': org.pk, 'year': year})}")

    # The 考核 module's metrics, scoped to this branch alone.
    parent = Org.objects.get_parent(org) or org
    scope = metrics.build_scope(parent, org.type, year, end, only=[org.pk]) if parent.pk != org.pk else None
    for key, metric, url in (("on_schedule", "meetings_held", meetings_url + "?" + urlencode({"within": org.pk, "year": year})),
                             ("dues_paid", "dues_paid", reverse("dues:collect")),
                             ("rectifications", "rectification_on_time", reverse("supervision:rectification_list")),
                             ("recruitment", "recruitment_clean", reverse("recruitment:recruitment_list"))):
        v = metrics.REGISTRY[metric](scope).get(org.pk) if scope is not None else None
        items[key] = _item(key, v.num if v else 0, v.den if v else 0, v.text if v else "", url=url)

    # 班子: the committee's term and its last election.
    term_end = org.term_end
    if org.committee_elected:
        within = term_end is None or term_end >= end or (org.term_extension_until and org.term_extension_until >= end)
        text = f"本届{org.committee_elected:%Y-%m-%d}选举产生，任期至{term_end:%Y-%m-%d}" if term_end else \
            f"本届{org.committee_elected:%Y-%m-%d}选举产生"
        if org.term_extension_until:
            text += f"（批准延期至{org.term_extension_until:%Y-%m-%d}）"
        items["committee_term"] = _item("committee_term", 1 if within else 0, 1, text,
                                        url=reverse("orgs:org_detail", kwargs={"pk": org.pk}))
    else:
        items["committee_term"] = _item("committee_term", 0, 1, "没有本届选举日期的记录",
                                        url=reverse("orgs:org_detail", kwargs={"pk": org.pk}))
    # (the last 换届: a 增补 fills a vacancy within the term)
    last = (Election.objects.filter(org=org, date__isnull=False, date__lte=end, by_election=False)
            .order_by("-date", "-pk").first())
    items["last_election"] = _item(
        "last_election", 1 if last else 0, None,
        f"{last.date:%Y-%m-%d} {last.get_kind_display()}选举（应选{last.seats}名）" if last else "平台上没有换届选举记录",
        url=reverse("elections:election_detail", kwargs={"pk": last.pk}) if last else reverse("elections:election_list"))

    # 书记讲党课: the 党课 of the year given by whoever was the branch's secretary on the day.
    secretaries = list(Post.objects.filter(org=org, role="secretary").exclude(end__lt=start).exclude(start__gt=end)
                       .values_list("person_id", "start", "end"))
    lectures = [m for m in Meeting.objects.filter(sub, state=MeetingState.HELD, type="lecture", date__gte=start,
                                                  date__lte=end, lecturer_id__in=[s[0] for s in secretaries])
                .order_by("date").values("pk", "date", "topic", "lecturer_id")
                if any(p == m["lecturer_id"] and (s is None or s <= m["date"]) and (e is None or e >= m["date"])
                       for p, s, e in secretaries)]
    items["secretary_lectures"] = _item(
        "secretary_lectures", len(lectures), None, "、".join(f"{m['date']:%m-%d}《{m['topic']}》" for m in lectures),
        url=f"{meetings_url}?{urlencode({'within': org.pk, 'type': 'lecture', 'year': year})}",
        links=[{"url": reverse("orglife:meeting_detail", kwargs={"pk": m["pk"]}),
                "text": f"{m['date']:%Y-%m-%d} {m['topic']}"} for m in lectures])
    return {"year": year, "as_of": end.isoformat(), "items": items}


def ordered(evidence: dict) -> list[dict]:
    items = (evidence or {}).get("items") or {}
    return [dict(items[k], shown=shown(items[k])) for k in REGISTRY if k in items]
