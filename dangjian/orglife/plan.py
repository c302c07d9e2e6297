"""年度计划: what the organisational-life rules require of one org in one year, as a calendar.

"What is required" is read from the rules themselves — each item names the rule whose finding it
prevents, takes its period (month, quarter, year) from that rule's registered `period`, and the
[P] parameters from the same effective settings the engine judges with (`lecture_per` decides
whether 党课 is a quarterly or a yearly item; `orglife_records_from` and the org's founding date
drop periods the rules do not judge; `talk_before_meeting_days` is the 谈心谈话 window before the
组织生活会). A plan that disagreed with the warnings centre would teach secretaries to ignore one.

Each item is 已完成 (with the date of the first held meeting that satisfies it), 待办, or 已逾期 —
overdue from the period's last day on, the day the rule's finding appears.

The suggested dates are suggestions: 主题党日 on the branch's usual day of the month (the most
frequent day of its past 主题党日), else the first working Friday; the others on fixed weekdays so
that the calendar does not pile every meeting onto one day.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from dangjian.core.engine import registry
from dangjian.core.periods import bounds, has_ended, human
from dangjian.orgs.choices import COMMITTEE_ONLY_ROLES, OrgType, PostRole
from dangjian.orgs.models import Org, Post

from .choices import SECRETARY_ORG_TYPES, MeetingState, MeetingType
from .models import Appraisal, Meeting, Talk

DONE, TODO, OVERDUE = "done", "todo", "overdue"
STATUS_LABELS = {DONE: "已完成", TODO: "待办", OVERDUE: "已逾期"}
# Fixed-date public holidays (元旦, 劳动节, 国庆节): a suggested working day avoids them. The movable
# ones (春节, 清明, 端午, 中秋) change yearly and are left to the secretary.
HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5)} | {(10, d) for d in range(1, 8)}


@dataclass
class PlanItem:
    uid: str                 # stable across downloads: org, year, duty and period
    org_id: int
    org_name: str
    rule_id: str
    meeting_type: str        # MeetingType value ("" for 谈心谈话)
    title: str               # 主题党日, 支部党员大会 …
    period: str              # the rule's period label ("2026-03", "2026Q1", "2026")
    date: dt.date            # suggested date
    status: str = TODO
    done_on: dt.date | None = None
    meeting_id: int | None = None
    note: str = ""           # why it is required (with the parameter it was derived from)
    name: str = ""           # the duty without the page's qualifier, for the calendar's summary

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def period_label(self) -> str:
        return human(self.period)

    @property
    def rule(self):
        return registry.get(self.rule_id)

    @property
    def citation(self) -> str:
        r = self.rule
        return r.citation if r else ""

    @property
    def when(self) -> dt.date:
        """Where the item sits in the calendar: the day it was done (in the plan's year), else the
        suggested day — a quarter's 党员大会 held in its first month shows in that month."""
        return self.done_on if self.done_on and self.done_on.year == self.date.year else self.date

    @property
    def weekday(self) -> str:
        return "一二三四五六日"[self.date.weekday()]

    @property
    def summary(self) -> str:
        return f"{self.name or self.title}（{self.org_name}）"


@dataclass
class _Facts:
    """Everything about the org's year the plan needs, read with a fixed number of queries."""

    held: dict = field(default_factory=lambda: defaultdict(list))   # (org_id, type) → [(date, id)]
    appraised: dict = field(default_factory=dict)                    # org_id → meeting date or None
    talks: list = field(default_factory=list)                        # dates of the branch's talks
    posts: list = field(default_factory=list)                        # the org's posts (dicts)
    lectures_by: dict = field(default_factory=lambda: defaultdict(list))  # lecturer id → [(date, id)]
    usual_theme_day: int | None = None


# --- dates -----------------------------------------------------------------------------------------
def _working(d: dt.date) -> bool:
    return d.weekday() < 5 and (d.month, d.day) not in HOLIDAYS


def nth_weekday(year: int, month: int, weekday: int, n: int = 1) -> dt.date:
    """The n-th working `weekday` (0 = Monday) of the month; the last one if the month has fewer."""
    days = [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    hits = [d for d in days if d.weekday() == weekday and _working(d)]
    return hits[min(n, len(hits)) - 1]


def last_weekday(year: int, month: int, weekday: int) -> dt.date:
    days = [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    return [d for d in days if d.weekday() == weekday and _working(d)][-1]


def theme_day(year: int, month: int, usual: int | None) -> dt.date:
    """主题党日 "每月相对固定1天": the usual day of the month (a weekend or holiday moves to the
    working day before it, within the month), else the first working Friday."""
    if usual:
        d = dt.date(year, month, min(usual, calendar.monthrange(year, month)[1]))
        while not _working(d) and d.day > 1:
            d -= dt.timedelta(days=1)
        if _working(d):
            return d
    return nth_weekday(year, month, 4, 1)


def usual_day(days: list[int]) -> int | None:
    """The most frequent day of the month (the latest of equally frequent ones wins: habits change)."""
    if not days:
        return None
    counts = Counter(days)
    best = max(counts.values())
    return [d for d in reversed(days) if counts[d] == best][0]


# --- facts -----------------------------------------------------------------------------------------
def _facts(org: Org, year: int, groups: list[Org]) -> _Facts:
    f = _Facts()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ids = [org.pk] + [g.pk for g in groups]
    for oid, mtype, day, mid in (Meeting.objects.filter(org_id__in=ids, state=MeetingState.HELD,
                                                         date__gte=start, date__lte=end)
                                 .order_by("date", "id").values_list("org_id", "type", "date", "id")):
        f.held[(oid, mtype)].append((day, mid))
    if org.type == OrgType.BRANCH:
        # The usual day: from the last two years of 主题党日 up to the plan's year.
        past = (Meeting.objects.filter(org=org, state=MeetingState.HELD, type=MeetingType.THEME_DAY,
                                       date__gte=dt.date(year - 2, 1, 1), date__lte=end)
                .order_by("date").values_list("date", flat=True))
        f.usual_theme_day = usual_day([d.day for d in past])
        for a in Appraisal.objects.filter(org=org, year=year).select_related("meeting").order_by("id"):
            f.appraised.setdefault(org.pk, a.meeting.date if a.meeting_id and a.meeting else None)
        f.talks = list(Talk.objects.filter(org=org, date__gte=dt.date(year - 1, 1, 1), date__lte=end)
                       .order_by("date").values_list("date", flat=True))
    f.posts = list(Post.objects.filter(org=org).order_by().values("person_id", "person__name", "role", "start",
                                                                     "end"))
    if org.type in SECRETARY_ORG_TYPES:
        secretaries = {p["person_id"] for p in f.posts
                       if p["role"] in (PostRole.SECRETARY, PostRole.FIRST_RESPONSIBLE)}
        for lid, day, mid in (Meeting.objects.filter(state=MeetingState.HELD, type=MeetingType.LECTURE,
                                                     lecturer_id__in=secretaries, date__gte=start,
                                                     date__lte=end)
                              .order_by("date", "id").values_list("lecturer_id", "date", "id")):
            # Given anywhere (often in another org, maybe out of the reader's scope): no link.
            f.lectures_by[lid].append((day, None))
    return f


def _holds(p: dict, start: dt.date, end: dt.date) -> bool:
    return (p["start"] is None or p["start"] <= start) and (p["end"] is None or p["end"] >= end)


def _overlaps(p: dict, start: dt.date, end: dt.date) -> bool:
    return (p["start"] is None or p["start"] <= end) and (p["end"] is None or p["end"] >= start)


# --- the plan --------------------------------------------------------------------------------------
def _periods(kind: str, year: int) -> list[str]:
    if kind == "month":
        return [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    if kind == "quarter":
        return [f"{year:04d}Q{q}" for q in range(1, 5)]
    return [f"{year:04d}"]


def _rule_kind(rule_id: str) -> str:
    r = registry.get(rule_id)
    return (r.period if r and r.period else "year")


def year_plan(org: Org, year: int, settings: dict, today: dt.date | None = None) -> list[PlanItem]:
    """The items the rules require of `org` (a branch with its party groups, a party group, a
    leading group, a committee) in `year`, sorted by suggested date."""
    today = today or timezone.localdate()
    groups = []
    if org.type == OrgType.BRANCH:
        groups = list(Org.objects.filter(path__startswith=org.path, depth=org.depth + 1, type=OrgType.GROUP,
                                         dissolved__isnull=True)
                      .order_by("path").only("pk", "name", "founded", "path", "dissolved", "type"))
    facts = _facts(org, year, groups)
    records_from = _records_from(settings)
    items: list[PlanItem] = []

    def judged(target: Org, label: str) -> bool:
        start, end = bounds(label)
        if records_from and records_from > start:
            return False
        if target.founded and target.founded > start:
            return False
        return not (target.dissolved and target.dissolved < end)

    def add(target: Org, rule_id: str, mtype: str, title: str, label: str, day: dt.date, note: str,
            done: tuple | None):
        item = PlanItem(uid=f"{target.pk}-{label}-{mtype or 'talk'}-{rule_id}", org_id=target.pk,
                        org_name=target.name, rule_id=rule_id, meeting_type=mtype, title=title, period=label,
                        date=day, note=note, name=title.split("（")[0] if target is not org else "")
        if done:
            item.status, item.done_on, item.meeting_id = DONE, done[0], done[1]
        elif has_ended(label, today):
            item.status = OVERDUE
        items.append(item)

    def first_held(target: Org, mtype: str, label: str):
        start, end = bounds(label)
        return next(((d, mid) for d, mid in facts.held.get((target.pk, mtype), ()) if start <= d <= end), None)

    def periodic(target: Org, rule_id: str, mtype: str, title: str, kind: str, suggest, note: str, needed=None):
        for label in _periods(kind, year):
            if not judged(target, label) or (needed and not needed(label)):
                continue
            add(target, rule_id, mtype, title, label, suggest(label), note, first_held(target, mtype, label))

    def month_of(label):
        return bounds(label)[0].month

    usual = facts.usual_theme_day
    theme = lambda label: theme_day(year, month_of(label), usual)  # noqa: E731

    if org.type == OrgType.BRANCH:
        periodic(org, "ORGLIFE-03", MeetingType.THEME_DAY, "主题党日", _rule_kind("ORGLIFE-03"), theme,
                 "每月相对固定1天开展" + (f"（本支部通常在每月{usual}日）" if usual else "（建议每月第一个工作日周五）"))
        committee = lambda label: any(p["role"] in COMMITTEE_ONLY_ROLES and _holds(p, *bounds(label))  # noqa: E731
                                      for p in facts.posts)
        periodic(org, "BR-06", MeetingType.COMMITTEE, "支委会", _rule_kind("BR-06"),
                 lambda label: nth_weekday(year, month_of(label), 1, 1), "设有支部委员会的，一般每月召开1次",
                 needed=committee)
        for g in groups:
            # "…党支部第一党小组" under "…党支部": the group's own part of the name is enough here.
            short = g.name[len(org.name):] if g.name.startswith(org.name) and g.name != org.name else g.name
            periodic(g, "BR-07", MeetingType.GROUP, f"党小组会（{short}）", _rule_kind("BR-07"),
                     lambda label: nth_weekday(year, month_of(label), 2, 2), "一般每月召开1次")
        # 党员大会 in the quarter's middle month, on the theme day (they are often held together).
        periodic(org, "BR-05", MeetingType.MEMBER_ASSEMBLY, "支部党员大会", _rule_kind("BR-05"),
                 lambda label: theme_day(year, month_of(label) + 1, usual), "一般每季度召开1次")
        per = settings.get("lecture_per")
        kind = per if per in ("quarter", "year") else "quarter"
        lecture_day = ((lambda label: theme_day(year, month_of(label) + 2, usual)) if kind == "quarter"
                       else (lambda label: theme_day(year, 6, usual)))
        periodic(org, "ORGLIFE-02", MeetingType.LECTURE, "支部党课", kind, lecture_day,
                 f"按参数 lecture_per={per}：" + ("每季度至少1次" if kind == "quarter" else "每年至少1次"))
        _q4_duties(org, year, settings, facts, judged, add, first_held)
    elif org.type == OrgType.GROUP:
        periodic(org, "BR-07", MeetingType.GROUP, "党小组会", _rule_kind("BR-07"),
                 lambda label: nth_weekday(year, month_of(label), 2, 2), "一般每月召开1次")
    if org.type == OrgType.LEADING_GROUP:
        label = f"{year:04d}"
        if judged(org, label) and any(p["role"] in (PostRole.LEADING_GROUP_MEMBER, PostRole.FIRST_RESPONSIBLE)
                                      and _overlaps(p, *bounds(label)) for p in facts.posts):
            add(org, "DLH-01", MeetingType.DEMOCRATIC_LIFE, "领导班子民主生活会", label,
                nth_weekday(year, 12, 3, 2), "每年召开1次，一般安排在第四季度",
                first_held(org, MeetingType.DEMOCRATIC_LIFE, label))
    if org.type in SECRETARY_ORG_TYPES:
        label = f"{year:04d}"
        seen = set()
        for p in facts.posts:
            if p["role"] not in (PostRole.SECRETARY, PostRole.FIRST_RESPONSIBLE) or p["person_id"] in seen:
                continue
            if not _overlaps(p, *bounds(label)) or not judged(org, label):
                continue
            seen.add(p["person_id"])
            given = facts.lectures_by.get(p["person_id"], [])
            add(org, "ORGLIFE-02", MeetingType.LECTURE, f"书记讲党课（{p['person__name']}）", label,
                last_weekday(year, 6, 4), "党委（党组）书记每年至少讲1次党课",
                given[0] if given else None)
            items[-1].uid += f"-{p['person_id']}"
    items.sort(key=lambda i: (i.when, i.title))
    return items


def _q4_duties(org, year, settings, facts, judged, add, first_held):
    """组织生活会 and 民主评议 in the fourth quarter, with the 谈心谈话 that must come before it."""
    label = f"{year:04d}"
    if not judged(org, label):
        return
    ol_day = nth_weekday(year, 12, 3, 2)
    held_ol = first_held(org, MeetingType.ORG_LIFE, label)
    window = int(settings.get("talk_before_meeting_days") or 0)
    # Talks belong in the window before the meeting (TALK-01): before the held one, or the suggested day.
    anchor = held_ol[0] if held_ol else ol_day
    talk_day = anchor - dt.timedelta(days=min(window, 30) if window else 0)
    talk = next((d for d in facts.talks if anchor - dt.timedelta(days=window) <= d <= anchor), None)
    add(org, "TALK-01", "", "谈心谈话（组织生活会前）", label, talk_day,
        f"组织生活会召开前{window}天内开展（参数 talk_before_meeting_days={window}）",
        (talk, None) if talk else None)
    add(org, "ORGLIFE-04", MeetingType.ORG_LIFE, "组织生活会", label, ol_day,
        "每年至少召开1次，一般安排在第四季度", held_ol)
    held_da = first_held(org, MeetingType.DEMOCRATIC_APPRAISAL, label)
    if held_da is None and org.pk in facts.appraised:
        # The rule accepts registered grades as the appraisal having taken place.
        held_da = (facts.appraised[org.pk] or dt.date(year, 12, 31), None)
    add(org, "ORGLIFE-06", MeetingType.DEMOCRATIC_APPRAISAL, "民主评议党员", label,
        ol_day + dt.timedelta(days=7), "一般每年开展1次，通常与组织生活会结合进行", held_da)


def _records_from(settings: dict) -> dt.date | None:
    value = settings.get("orglife_records_from")
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def by_month(items: list[PlanItem]) -> list[tuple[int, list[PlanItem]]]:
    months: dict[int, list[PlanItem]] = {m: [] for m in range(1, 13)}
    for i in items:
        months[i.when.month].append(i)
    return list(months.items())


# --- iCalendar (RFC 5545), written by hand -------------------------------------------------------
def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1) without splitting a UTF-8 character; each
    continuation starts with one space, which counts toward its 75."""
    out, cur, size, limit = [], [], 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append("".join(cur))
            cur, size, limit = [" "], 1, 75
        cur.append(ch)
        size += n
    out.append("".join(cur))
    return "\r\n".join(out)


def to_ics(org: Org, year: int, items: list[PlanItem], *, host: str = "plan.dangjian",
           stamp: dt.datetime | None = None) -> str:
    stamp = (stamp or timezone.now()).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//dangjian//年度组织生活计划//ZH",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(f'{org.name}{year}年组织生活计划')}",
             "X-WR-TIMEZONE:Asia/Shanghai"]
    for i in items:
        status = {DONE: f"已完成（{i.done_on:%Y-%m-%d}）" if i.done_on else "已完成",
                  TODO: "待办", OVERDUE: "已逾期"}[i.status]
        description = (f"{i.period_label}应完成：{i.title}。{i.note}。状态：{status}。"
                       f"规则 {i.rule_id}，依据：{i.citation}")
        day = i.when
        lines += ["BEGIN:VEVENT", f"UID:{i.uid}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(('【已完成】' if i.status == DONE else '') + i.summary)}",
                  f"DESCRIPTION:{_escape(description)}", "TRANSP:TRANSPARENT",
                  f"STATUS:{'CONFIRMED' if i.status == DONE else 'TENTATIVE'}",
                  f"CATEGORIES:{_escape('组织生活')}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
