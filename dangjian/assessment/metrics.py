"""The computed indicators: each metric reads the records of a year for every org assessed at once (a
few aggregate queries for the whole scope, whatever its size) and gives each org a Value — a share
(numerator/denominator, for score items) or a count (for deductions and bonuses) — with the sentence that
explains it. Nobody types these numbers: they are the records the platform already holds.

An org's records include its subtree (a branch's 党小组, a 机关党委's branches). Periods follow the
engine's convention: a month or quarter counts once it has ended by the scoring date."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.db.models.functions import ExtractMonth, ExtractQuarter

from dangjian.orgs.models import Org


@dataclass(frozen=True)
class Value:
    num: int
    den: int | None = None          # None: a count, not a share
    text: str = ""

    @property
    def applicable(self) -> bool:
        return self.den is None or self.den > 0


@dataclass
class Scope:
    """The orgs assessed (target id → path) and every org below them mapped to the target it belongs to
    (its nearest assessed ancestor-or-self). `paths` bound every query: the issuer's subtree, or only the
    targets' subtrees when a few orgs are re-scored (an assessor's mark)."""
    year: int
    as_of: dt.date
    paths: tuple[str, ...]
    targets: dict[int, str]
    owner: dict[int, int]           # org id → target id
    types: dict[int, str]           # org id → type (orgs under a target only)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        return min(self.as_of, dt.date(self.year, 12, 31))

    def within(self, lookup: str = "org") -> Q:
        if not self.paths:
            return Q(pk__in=[])
        return Q(*[Q(**{f"{lookup}__path__startswith": p}) for p in self.paths], _connector=Q.OR)


def build_scope(issuer: Org, target_type: str, year: int, as_of: dt.date, only: list[int] | None = None) -> Scope:
    orgs = Org.objects.filter(path__startswith=issuer.path)
    if only is not None:
        paths = tuple(Org.objects.filter(pk__in=only, path__startswith=issuer.path).values_list("path", flat=True))
        orgs = orgs.filter(Q(*[Q(path__startswith=p) for p in paths], _connector=Q.OR)) if paths else orgs.none()
    else:
        paths = (issuer.path,)
    rows = list(orgs.values_list("pk", "path", "type", "dissolved"))
    targets = {pk: path for pk, path, typ, dissolved in rows
               if typ == target_type and pk != issuer.pk and (dissolved is None or dissolved.year >= year)
               and (only is None or pk in only)}
    by_path = {path: pk for pk, path in targets.items()}
    owner, types = {}, {}
    for pk, path, typ, _ in rows:
        for k in range(len(path), 0, -Org.steplen):
            t = by_path.get(path[:k])
            if t is not None:
                owner[pk], types[pk] = t, typ
                break
    return Scope(year=year, as_of=as_of, paths=paths, targets=targets, owner=owner, types=types)


REGISTRY: dict[str, "Metric"] = {}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str                       # "share" | "count"
    definition: str
    fn: object

    def __call__(self, scope: Scope) -> dict[int, Value]:
        return self.fn(scope)


def metric(key: str, label: str, kind: str, definition: str):
    def deco(fn):
        REGISTRY[key] = Metric(key, label, kind, definition, fn)
        return fn
    return deco


def choices(kind: str | None = None) -> list[tuple[str, str]]:
    return [(m.key, m.label) for m in REGISTRY.values() if kind is None or m.kind == kind]


def _share(counts: dict[int, list[int]], scope: Scope, what: str, unit: str = "项") -> dict[int, Value]:
    out = {}
    for t in scope.targets:
        num, den = counts.get(t, (0, 0))
        out[t] = Value(num, den, f"{what}{num}/{den}{unit}" if den else f"没有应计入的{what.rstrip('：')}")
    return out


@metric("meetings_held", "三会一课、主题党日按期召开率", "share",
        "已结束的每个月有支委会、主题党日，每个季度有党员大会、党课（每年一次的按年）的，计为按期召开；"
        "按期召开的期数 ÷ 应召开的期数。只计党支部。")
def meetings_held(scope: Scope) -> dict[int, Value]:
    from dangjian.core import engine
    from dangjian.orglife.choices import MeetingState
    from dangjian.orglife.models import Meeting

    lecture_per = engine.effective_settings().get("lecture_per") or "quarter"
    months = months_ended(scope.year, scope.as_of)
    quarters = months // 3
    yearly_lecture = lecture_per == "year"
    # Counted in SQL: the distinct months (quarters, the year) with a held meeting, per branch and type,
    # among the periods that have ended — one row per (branch, type), whatever the number of meetings.
    held = Meeting.objects.filter(scope.within(), org__type="branch", state=MeetingState.HELD,
                                  date__gte=scope.start)
    got: dict[tuple[int, str], int] = {}
    if months:
        rows = held.filter(type__in=("committee", "theme_day"), date__lte=_month_end(scope.year, months))
        got.update(((o, t), n) for o, t, n in rows.values_list("org_id", "type").annotate(
            n=Count(ExtractMonth("date"), distinct=True)).order_by())
    if quarters:
        qtypes = ["member_assembly"] + ([] if yearly_lecture else ["lecture"])
        rows = held.filter(type__in=qtypes, date__lte=_month_end(scope.year, 3 * quarters))
        got.update(((o, t), n) for o, t, n in rows.values_list("org_id", "type").annotate(
            n=Count(ExtractQuarter("date"), distinct=True)).order_by())
    if yearly_lecture and months == 12:
        rows = held.filter(type="lecture", date__lte=dt.date(scope.year, 12, 31))
        got.update(((o, "lecture"), 1) for o in rows.values_list("org_id", flat=True).distinct())
    # A branch owes the periods it existed through (from its founding to its dissolution) and only while it
    # has members, as the org-life rules judge it.
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    branches = {pk: (f, d) for pk, f, d in Org.objects.filter(pk__in=[b for b, t in scope.types.items() if t == "branch"])
                .values_list("pk", "founded", "dissolved")}
    with_members = set(Person.objects.filter(org_id__in=list(branches), status__in=list(MEMBER_STATUSES))
                       .values_list("org_id", flat=True).distinct())
    # The few branches founded or dissolved within the year: their meetings are counted month by month, only
    # in the periods they owe.
    start, end = dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)
    partial = [b for b, (f, d) in branches.items()
               if b in with_members and ((f and start < f <= end) or (d and start <= d <= end))]
    if partial:
        for key in [k for k in got if k[0] in partial]:
            del got[key]
        slots = defaultdict(set)
        for o, t, m in held.filter(org_id__in=partial, date__lte=_month_end(scope.year, max(months, 1))).values_list(
                "org_id", "type", "date__month").distinct():
            f, d = branches[o]
            if t in ("committee", "theme_day"):
                if m <= months and _existed(f, d, dt.date(scope.year, m, 1), _month_end(scope.year, m)):
                    slots[(o, t)].add(m)
            elif t == "lecture" and yearly_lecture:
                if months == 12 and _existed(f, d, start, end):
                    slots[(o, t)].add(0)
            else:
                q = (m - 1) // 3
                if (q + 1) * 3 <= months and _existed(f, d, dt.date(scope.year, 3 * q + 1, 1), _month_end(scope.year, 3 * q + 3)):
                    slots[(o, t)].add(q)
        got.update({k: len(v) for k, v in slots.items()})
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for b, (founded, dissolved) in branches.items():
        if b not in with_members:
            continue
        owed = _owed(scope.year, months, founded, dissolved, yearly_lecture)
        c = counts[scope.owner[b]]
        for t, n in owed.items():
            c[0] += min(got.get((b, t), 0), n)
            c[1] += n
    return _share(counts, scope, "按期召开：", "期")


def _existed(founded, dissolved, first: dt.date, last: dt.date) -> bool:
    """The branch existed through the whole period (founded by its first day, not dissolved by its last)."""
    return (founded is None or founded <= first) and (dissolved is None or dissolved > last)


def _owed(year: int, months: int, founded, dissolved, yearly_lecture: bool) -> dict[str, int]:
    """Periods of each meeting type a branch owes among the ended months of `year`: those it existed through."""
    def existed(first: dt.date, last: dt.date) -> bool:
        return _existed(founded, dissolved, first, last)

    monthly = sum(1 for m in range(1, months + 1) if existed(dt.date(year, m, 1), _month_end(year, m)))
    quarterly = sum(1 for q in range(months // 3) if existed(dt.date(year, 3 * q + 1, 1), _month_end(year, 3 * q + 3)))
    lecture = (1 if months == 12 and existed(dt.date(year, 1, 1), dt.date(year, 12, 31)) else 0) if yearly_lecture \
        else quarterly
    return {"committee": monthly, "theme_day": monthly, "member_assembly": quarterly, "lecture": lecture}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def months_ended(year: int, as_of: dt.date) -> int:
    """How many months of `year` have ended by `as_of` (a month ends on its last day)."""
    if as_of.year != year:
        return 12 if as_of.year > year else 0
    return as_of.month if (as_of + dt.timedelta(days=1)).month != as_of.month else as_of.month - 1


@metric("dues_paid", "党费按月交纳率", "share",
        "当年已结束的各月中应交党费的人月（已核定且未经批准免交），足额交纳（不少交）的人月 ÷ 应交人月。")
def dues_paid(scope: Scope) -> dict[int, Value]:
    from dangjian.core import engine
    from dangjian.dues.ledger import accounts
    from dangjian.people.models import Person

    from dangjian.dues.models import DuesBase, DuesPayment

    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    # Only members with dues records have a ledger: the others are not loaded at all.
    people = Person.objects.filter(scope.within()).filter(
        Q(pk__in=DuesBase.objects.values("person_id")) | Q(pk__in=DuesPayment.objects.values("person_id")))
    for acc in accounts(people, scope.end, engine.effective_settings()).values():
        t = scope.owner.get(acc.org_id)
        if t is None:
            continue
        for m in acc.months:
            if m.month.year != scope.year or m.due is None or (m.exempt == "exempt" and m.exempt_approved):
                continue
            counts[t][1] += 1
            counts[t][0] += 1 if (not m.unpaid and m.short == 0) else 0     # 按时足额: nothing short
    return _share(counts, scope, "足额交纳：", "人月")


@metric("rectification_on_time", "问题按期整改销号率", "share",
        "整改时限在当年、不晚于评分日期的问题，在时限内经审核销号的 ÷ 全部。")
def rectification_on_time(scope: Scope) -> dict[int, Value]:
    from dangjian.supervision.models import Rectification

    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for org_id, deadline, closed, approved in Rectification.objects.filter(
            scope.within(), deadline__gte=scope.start, deadline__lte=scope.end).values_list(
            "org_id", "deadline", "closed", "approved"):
        t = scope.owner.get(org_id)
        if t is None:
            continue
        counts[t][1] += 1
        counts[t][0] += 1 if (closed and approved and closed <= deadline) else 0
    return _share(counts, scope, "按期销号：", "个")


@metric("tasks_on_time", "工作任务按期完成率", "share",
        "完成时限在当年、不晚于评分日期的工作任务，在时限内完成的 ÷ 全部。")
def tasks_on_time(scope: Scope) -> dict[int, Value]:
    from dangjian.duty.models import Task

    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for org_id, deadline, done_on in Task.objects.filter(
            scope.within(), deadline__gte=scope.start, deadline__lte=scope.end).values_list(
            "org_id", "deadline", "done_on"):
        t = scope.owner.get(org_id)
        if t is None:
            continue
        counts[t][1] += 1
        counts[t][0] += 1 if (done_on and done_on <= deadline) else 0
    return _share(counts, scope, "按期完成：", "项")


@metric("recruitment_clean", "发展党员纪实无否决性问题率", "share",
        "在办的发展党员纪实中，本人没有未消除的“BLOCK”级发展党员预警（DEV-）的 ÷ 全部在办纪实。")
def recruitment_clean(scope: Scope) -> dict[int, Value]:
    from dangjian.core.models import Finding
    from dangjian.recruitment.models import RecruitmentFile

    open_files = RecruitmentFile.objects.filter(scope.within()).filter(Q(closed__isnull=True) | Q(closed__gt=scope.end))
    files = list(open_files.values_list("org_id", "person_id"))
    blocked = set(Finding.objects.filter(open_at_end(scope), person_id__in=open_files.values("person_id"),
                                         severity="BLOCK", rule_id__startswith="DEV-").values_list("person_id", flat=True))
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for org_id, person_id in files:
        t = scope.owner.get(org_id)
        if t is None:
            continue
        counts[t][1] += 1
        counts[t][0] += 0 if person_id in blocked else 1
    return _share(counts, scope, "无否决性问题：", "份")


def open_at_end(scope: Scope) -> Q:
    """Findings open at the end of the scoring date: known by then and not resolved before (a waived one does
    not count). A past year's result is not lowered by what was found later."""
    from dangjian.core.models import FindingState

    end = timezone.make_aware(dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time.min))
    return Q(first_seen__lt=end) & (Q(state=FindingState.OPEN) | Q(state=FindingState.RESOLVED, resolved_at__gte=end))


def _findings(scope: Scope, severity: str) -> dict[int, Value]:
    from dangjian.core.models import Finding

    counts = defaultdict(int)
    for org_id, n in (Finding.objects.filter(scope.within(), open_at_end(scope), severity=severity)
                      .values_list("org_id").annotate(n=Count("pk")).order_by()):
        if org_id in scope.owner:
            counts[scope.owner[org_id]] += n
    word = {"BLOCK": "严重", "WARN": "一般"}[severity]
    return {t: Value(counts.get(t, 0), None, f"未消除的{word}预警{counts.get(t, 0)}条") for t in scope.targets}


@metric("open_block_findings", "未消除的严重预警（条）", "count", "评分日期结束时本组织及下级未消除的 BLOCK 级预警条数（此后才发现的不计）。")
def open_block_findings(scope: Scope) -> dict[int, Value]:
    return _findings(scope, "BLOCK")


@metric("open_warn_findings", "未消除的一般预警（条）", "count", "评分日期结束时本组织及下级未消除的 WARN 级预警条数（此后才发现的不计）。")
def open_warn_findings(scope: Scope) -> dict[int, Value]:
    return _findings(scope, "WARN")


@metric("overdue_rectifications", "逾期未整改问题（个）", "count", "评分日期结束时已过整改时限仍未销号的问题个数。")
def overdue_rectifications(scope: Scope) -> dict[int, Value]:
    from dangjian.supervision.models import Rectification

    counts = defaultdict(int)
    # Open at the end of the scoring date (not closed by then), found by then, past its deadline.
    for org_id, n in (Rectification.objects.filter(scope.within(), found__lte=scope.end, deadline__lt=scope.end)
                      .filter(Q(closed__isnull=True) | Q(closed__gt=scope.end))
                      .values_list("org_id").annotate(n=Count("pk")).order_by()):
        if org_id in scope.owner:
            counts[scope.owner[org_id]] += n
    return {t: Value(counts.get(t, 0), None, f"逾期未销号{counts.get(t, 0)}个") for t in scope.targets}
