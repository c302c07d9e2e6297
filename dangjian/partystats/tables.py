"""党内统计年报 tables derived from the records, for any subtree and year (see docs/partystats.md).

Every cell is a conditional count in SQL: one aggregate query per table (plus one for the row labels), grouped by
the direct sub-organisation of the chosen root that the person was in on the day. No per-person Python.

The as-of rule: the tables describe the members on the 统计截止日期 — 31 December of the year, or today for the
running year. A person is a member of the subtree on day D when
  * admitted by D: 入党日期 (probationary_date) ≤ D (without one: 转正日期 ≤ D; without either, a member by status),
  * not gone on D: their status on D (the status before their first status change dated after D, from the status
    history; without one the current status, a leaving status whose 起始日期 is after D not yet in force) is not
    转出/除名/去世/停止党籍,
  * and in the subtree on D: the organisation they were in on D is in it — the organisation their first completed
    transfer after D (by 报到日期) left (none for a 转入 from outside the platform), or without a transfer after D
    their present one. They are counted in the row of that organisation.
The history and the transfers enter the SQL as subqueries, never as id lists.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from dangjian.core.periods import add_years
from dangjian.membership.models import Transfer
from dangjian.orgs.choices import COMMITTEE_ONLY_ROLES, OrgType
from dangjian.orgs.models import Org, Post
from dangjian.people.choices import LEFT_STATUSES, MEMBER_STATUSES, PersonnelCategory, Status
from dangjian.people.models import Person

OWN_ROW = "本级"


# --- the periods and bands -------------------------------------------------------------------------
def as_of(year: int, today: dt.date | None = None) -> dt.date:
    """统计截止日期: 31 December, or today for the running year."""
    today = today or timezone.localdate()
    return min(dt.date(year, 12, 31), today)


# 年龄: age on the as-of day, in whole years. (lowest age, highest age or None)
AGE_BANDS = [("30岁及以下", None, 30), ("31—35岁", 31, 35), ("36—40岁", 36, 40), ("41—45岁", 41, 45),
             ("46—50岁", 46, 50), ("51—55岁", 51, 55), ("56—60岁", 56, 60), ("61岁及以上", 61, None)]

# 入党时间 (probationary_date) periods as the 党内统计公报 publishes them: (label, first day, last day)
JOIN_PERIODS = [("新中国成立前", None, dt.date(1949, 9, 30)),
                ("1949.10—1966.4", dt.date(1949, 10, 1), dt.date(1966, 4, 30)),
                ("1966.5—1976.10", dt.date(1966, 5, 1), dt.date(1976, 10, 31)),
                ("1976.11—1978.12", dt.date(1976, 11, 1), dt.date(1978, 12, 31)),
                ("1979.1—2002.10", dt.date(1979, 1, 1), dt.date(2002, 10, 31)),
                ("2002.11—2012.10", dt.date(2002, 11, 1), dt.date(2012, 10, 31)),
                ("2012.11以后", dt.date(2012, 11, 1), None)]

# 学历: the roster's values (people.choices.EDUCATION_CHOICES) and the common spellings of imported rosters.
EDUCATION = [("研究生", {"研究生", "博士研究生", "硕士研究生", "博士", "硕士"}),
             ("大学本科", {"大学本科", "本科"}),
             ("大学专科", {"大学专科", "专科", "大专"}),
             ("中专", {"中专", "中等专科", "中技"}),
             ("高中及以下", {"高中", "高中中技", "初中及以下", "初中", "小学"})]
HAN = {"汉族", "汉"}


def age_q(low: int | None, high: int | None, day: dt.date) -> Q:
    """Age on `day` between low and high (inclusive): born after day−(high+1) years, on or before day−low years."""
    q = Q(birth_date__isnull=False)
    if high is not None:
        q &= Q(birth_date__gt=add_years(day, -(high + 1)))
    if low is not None:
        q &= Q(birth_date__lte=add_years(day, -low))
    return q


def _period_q(lookup: str, first: dt.date | None, last: dt.date | None) -> Q:
    q = Q(**{f"{lookup}__isnull": False})
    if first:
        q &= Q(**{f"{lookup}__gte": first})
    if last:
        q &= Q(**{f"{lookup}__lte": last})
    return q


# --- who is a member of the subtree on a day -----------------------------------------------------
class Moves:
    """Where a person was registered on a day, from the completed transfers (never id lists in the SQL): the
    organisation their first completed transfer after the day (by 报到日期, then record) left — a move on the
    platform (`do_move_person`) is a transfer out of the old organisation into the new, a 转入 from outside the
    platform left none (they were not on the platform: ""), a 转出 out of the platform left theirs —; without a
    transfer after the day, their present organisation. A chain of moves (A → B → A) is read from its first link."""

    def __init__(self, root: Org, since: dt.date):
        self.since = since
        self.path = root.path

    @staticmethod
    def _after(day: dt.date):
        return Transfer.objects.filter(cancelled_on__isnull=True, reported_on__isnull=False, reported_on__gt=day)

    def path_on(self, day: dt.date):
        """The path of the person's organisation on `day` ("" for none), one SQL expression."""
        assert day >= self.since
        first = self._after(day).filter(person_id=OuterRef("pk")).order_by("reported_on", "pk")
        return Case(When(pk__in=self._after(day).values("person_id"),
                         then=Coalesce(Subquery(first.values("from_org__path")[:1]), Value(""))),
                    default=Coalesce(F("org__path"), Value("")), output_field=CharField())

    def candidates(self, day: dt.date) -> tuple[Q, Q]:
        """Everyone who can have been in the subtree on `day` or later, as two disjoint sets counted by separate
        queries (an OR of the two makes PostgreSQL scan every person of the installation): registered in it now
        (the org path index), and registered elsewhere now but moved out of an organisation in it after `day`
        (from the transfers). A superset; `inside` decides."""
        here = Q(org__path__startswith=self.path)
        return here, ~here & Q(
            pk__in=self._after(day).filter(from_org__path__startswith=self.path).values("person_id"))

    def inside(self, annotation: str) -> Q:
        return Q(**{f"{annotation}__startswith": self.path})


# --- the 党籍状态 on a day, from the status history ------------------------------------------------
# `people.actions.do_change_status` (also used by dispositions, transfers, recruitment) records every change as an
# AuditEvent "person.status" with the day it took effect (data.on) and the status before and after. The status on
# day D is the status before the first change dated after D; without a later change it is the current status
# (records imported with only a current status and its 起始日期 keep the older rule: a leaving status whose
# 起始日期 is after D was not yet in force on D).
STATUS_EVENT = "person.status"
GONE = frozenset(LEFT_STATUSES) | {Status.SUSPENDED}


def _text(path: str):
    # The JSON value as text with plain text lookups (a KeyTransform's own lookups decode the right-hand side).
    return Cast(KT(path), CharField())


def _changes_after(day: dt.date):
    from dangjian.core.models import AuditEvent

    return AuditEvent.objects.filter(verb=STATUS_EVENT, person__isnull=False).alias(
        on=_text("data__on")).filter(on__gt=day.isoformat())


def _first_change_after(day: dt.date):
    earlier = _changes_after(day).filter(person_id=OuterRef("person_id")).filter(
        Q(on__lt=OuterRef("on")) | Q(on=OuterRef("on"), pk__lt=OuterRef("pk")))
    return _changes_after(day).filter(~Exists(earlier)).alias(before=_text("data__before__status"))


def _changed_after(day: dt.date) -> Q:
    return Q(pk__in=_changes_after(day).values("person_id"))


def status_was(day: dt.date, statuses) -> Q:
    """The person's 党籍状态 on `day` was one of `statuses`, a leaving status (停止党籍 …) by then in force."""
    statuses = set(statuses)
    by_history = Q(pk__in=_first_change_after(day).filter(before__in=statuses).values("person_id"))
    current = Q(status__in=statuses - GONE) | (
        Q(status__in=statuses & GONE) & (Q(status_since__isnull=True) | Q(status_since__lte=day)))
    return by_history | (~_changed_after(day) & current)


def _not_gone(day: dt.date, before) -> Q:
    """Not (yet) gone on `day`: by the history, the status before the first later change is one of `before`;
    without one, a member now, or gone only after the day (its 起始日期 is later)."""
    by_history = Q(pk__in=_first_change_after(day).filter(before__in=before).values("person_id"))
    current = Q(status__in=MEMBER_STATUSES) | Q(status__in=GONE, status_since__gt=day)
    return by_history | (~_changed_after(day) & current)


def member_q(day: dt.date) -> Q:
    """A party member on `day` by the person's own dates and status history (wherever they are): admitted by
    then (入党日期, or 转正日期, or — with neither recorded — a member by status on the day) and not gone (停止党籍,
    转出, 除名, 去世) on the day."""
    from dangjian.people.choices import PIPELINE_STATUSES

    joined = Q(probationary_date__lte=day) | Q(probationary_date__isnull=True, full_member_date__lte=day) | \
        (Q(probationary_date__isnull=True, full_member_date__isnull=True) & _not_gone(day, MEMBER_STATUSES))
    return joined & _not_gone(day, MEMBER_STATUSES | PIPELINE_STATUSES)


def full_q(day: dt.date) -> Q:
    """正式党员 on `day`: 转正 by then; without a 转正日期, anyone not (now) 预备党员 whose 入党日期 is unknown or
    more than a year before the day (the 预备期 is one year)."""
    return Q(full_member_date__lte=day) | (
        Q(full_member_date__isnull=True) & ~status_was(day, {Status.PROBATIONARY})
        & (Q(probationary_date__isnull=True) | Q(probationary_date__lte=add_years(day, -1))))


# --- the result shape ------------------------------------------------------------------------------
@dataclass
class Column:
    label: str
    q: Q
    key: str = ""


@dataclass
class Group:
    label: str                     # "" → the column's own header spans both header rows
    columns: list[Column]


@dataclass
class Row:
    label: str
    org_id: int | None
    values: list[int]


@dataclass
class Table:
    key: str
    number: str                    # 表号 as printed above the table
    title: str
    groups: list[Group]
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    @property
    def columns(self) -> list[Column]:
        return [c for g in self.groups for c in g.columns]

    @property
    def total(self) -> Row:
        return self.rows[0]

    @property
    def empty(self) -> bool:
        return not any(self.rows[0].values)

    def value(self, key: str, row: int = 0) -> int:
        keys = [c.key or c.label for c in self.columns]
        return self.rows[row].values[keys.index(key)]

    def as_dict(self) -> dict:
        return {"key": self.key, "number": self.number, "title": self.title, "note": self.note,
                "groups": [{"label": g.label, "columns": [c.key or c.label for c in g.columns],
                            "labels": [c.label for c in g.columns]} for g in self.groups],
                "rows": [{"label": r.label, "org": r.org_id, "values": r.values} for r in self.rows]}


@dataclass
class Report:
    root: Org
    year: int
    day: dt.date
    start: dt.date
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def as_dict(self) -> dict:
        return {"org": self.root.pk, "org_name": self.root.name, "year": self.year,
                "as_of": self.day.isoformat(), "start": self.start.isoformat(),
                "tables": [t.as_dict() for t in self.tables]}


# --- computing -------------------------------------------------------------------------------------
class _Rows:
    """Row keys: the direct sub-organisations of the root (their path prefix), the root's own people in 本级,
    and 合计 first."""

    def __init__(self, root: Org, since: dt.date):
        self.root = root
        self.moves = Moves(root, since)
        self.width = len(root.path) + Org.steplen
        self.children = list(Org.objects.filter(path__subtree=root.path, depth=root.depth + 1)
                             .exclude(type=OrgType.GROUP).order_by("path").values_list("path", "pk", "name"))

    def prefix(self, lookup: str):
        return Substr(lookup, 1, self.width)

    def build(self, columns: list[Column], grouped: dict[str, dict]) -> list[Row]:
        keys = [f"c{i}" for i in range(len(columns))]
        known = {path for path, _, _ in self.children}
        own = {k: 0 for k in keys}
        child_rows = []
        for path, pk, name in self.children:
            got = grouped.get(path, {})
            child_rows.append(Row(name, pk, [got.get(k) or 0 for k in keys]))
        for path, got in grouped.items():
            if path not in known:
                for k in keys:
                    own[k] += got.get(k) or 0
        total = [sum(r.values[i] for r in child_rows) + own[k] for i, k in enumerate(keys)]
        rows = [Row("合计", self.root.pk, total)]
        if child_rows and any(own.values()):
            rows.append(Row(OWN_ROW, self.root.pk, [own[k] for k in keys]))
        rows += child_rows
        return rows


def _count_people(rows: _Rows, root: Org, columns: list[Column], day: dt.date) -> list[Row]:
    """The members of the subtree on `day`, each in the row of the organisation they were in that day."""
    aggs = {f"c{i}": Count("pk", filter=c.q) for i, c in enumerate(columns)}
    grouped: dict[str, dict[str, int]] = {}
    for candidates in rows.moves.candidates(day):
        qs = (Person.objects.filter(candidates).annotate(at=rows.moves.path_on(day))
              .filter(rows.moves.inside("at") & member_q(day))
              .annotate(row=rows.prefix("at")).values("row").annotate(**aggs).order_by())
        for r in qs:
            cells = grouped.setdefault(r.pop("row"), {})
            for k, v in r.items():
                cells[k] = cells.get(k, 0) + (v or 0)
    return rows.build(columns, grouped)


def _member_columns(day: dt.date) -> list[Group]:
    return [Group("", [Column("党员总数", Q(), "total")]),
            Group("其中", [Column("女", Q(gender="female"), "female"),
                           Column("少数民族", ~Q(ethnicity__in=HAN) & ~Q(ethnicity=""), "minority"),
                           Column("预备党员", ~full_q(day), "probationary"),
                           Column("正式党员", full_q(day), "full")])]


def membership_table(rows, root, day) -> Table:
    """党员基本情况: total, 女, 民族, 正式/预备, 学历, 年龄."""
    edu_known = set().union(*(v for _, v in EDUCATION))
    groups = _member_columns(day) + [
        Group("民族", [Column("汉族", Q(ethnicity__in=HAN), "han"),
                       Column("少数民族", ~Q(ethnicity__in=HAN) & ~Q(ethnicity=""), "minority_again"),
                       Column("未填", Q(ethnicity=""), "ethnicity_unknown")]),
        Group("学历", [Column(label, Q(education__in=values), f"edu_{i}") for i, (label, values) in enumerate(EDUCATION)]
              + [Column("未填或其他", ~Q(education__in=edu_known), "edu_unknown")]),
    ]
    return _people_table("members", "党统1表", "党员基本情况", groups, rows, root, day,
                         note="学历按人员名册“学历”一项归类；“高中及以下”含高中、中技、初中及以下。")


def age_table(rows, root, day) -> Table:
    groups = [Group("", [Column("党员总数", Q(), "total")]),
              Group("年龄（截至统计截止日期的周岁）",
                    [Column(label, age_q(lo, hi, day), f"age_{i}") for i, (label, lo, hi) in enumerate(AGE_BANDS)]
                    + [Column("出生日期未填", Q(birth_date__isnull=True), "age_unknown")])]
    return _people_table("ages", "党统2表", "党员年龄情况", groups, rows, root, day,
                         note="周岁以统计截止日期计算：生日当天满岁。")


def join_period_table(rows, root, day) -> Table:
    groups = [Group("", [Column("党员总数", Q(), "total")]),
              Group("入党时间", [Column(label, _period_q("probationary_date", a, b), f"joined_{i}")
                                 for i, (label, a, b) in enumerate(JOIN_PERIODS)]
                    + [Column("未填", Q(probationary_date__isnull=True), "joined_unknown")])]
    return _people_table("join_periods", "党统3表", "党员入党时间情况", groups, rows, root, day,
                         note="入党时间为支部大会接收为预备党员的日期（人员名册“入党日期”）。")


def occupation_table(rows, root, day) -> Table:
    pc = PersonnelCategory
    col = lambda c: Column(c.label, Q(personnel_category=c.value), f"job_{c.value}")  # noqa: E731
    groups = [Group("", [Column("党员总数", Q(), "total")]),
              Group("党政机关工作人员", [col(pc.CIVIL_SERVANT), col(pc.CIVIL_SERVANT_LIKE)]),
              Group("企事业单位人员", [col(pc.PUBLIC_INSTITUTION), col(pc.ENTERPRISE)]),
              Group("", [Column("工勤人员（工人）", Q(personnel_category=pc.WORKER), "job_worker")]),
              Group("", [Column("离退休人员", Q(personnel_category=pc.RETIRED), "job_retired")]),
              Group("", [Column("其他职业或未填", Q(personnel_category__in=["", pc.OTHER]), "job_other")])]
    return _people_table("occupations", "党统4表", "党员职业情况", groups, rows, root, day,
                         note="职业按人员名册“人员类别”归类；机关党建平台没有农牧渔民、学生、军人等类别，列入“其他职业”。")


def _people_table(key, number, title, groups, rows, root, day, note="") -> Table:
    t = Table(key, number, title, groups, note=note)
    t.rows = _count_people(rows, root, t.columns, day)
    return t


CHANGE_KEYS = ("start", "in_new", "in_transfer", "in_other", "out_deceased", "out_removed", "out_suspended",
               "out_transfer", "out_other", "end")


def _change_kind(rows, start, day) -> Case:
    """Each person's line in 党员队伍变化情况, one SQL CASE over the annotations `at_start` / `at_end` (their
    organisation on each day): "stay" (a member of the subtree on both days), the first 增加 column that applies (a
    member at the end only), the first 减少 column (at the start only), or ""."""
    s = member_q(start) & rows.moves.inside("at_start")
    e = member_q(day) & rows.moves.inside("at_end")
    recruited = _period_q("probationary_date", start + dt.timedelta(days=1), day)
    ended = lambda status: status_was(day, {status})  # noqa: E731
    # Came from elsewhere: at the start in an organisation outside the subtree, or not on the platform.
    came = Case(When(s, then=Value("stay")), When(~rows.moves.inside("at_start"), then=Value("in_transfer")),
                When(recruited, then=Value("in_new")), default=Value("in_other"))
    # Why a member left: moved to an organisation outside the subtree, or their status at the end of the year.
    left = Case(When(~rows.moves.inside("at_end") | ended(Status.TRANSFERRED_OUT), then=Value("out_transfer")),
                When(ended(Status.DECEASED), then=Value("out_deceased")),
                When(ended(Status.REMOVED), then=Value("out_removed")),
                When(ended(Status.SUSPENDED), then=Value("out_suspended")), default=Value("out_other"))
    return Case(When(e, then=came), When(s, then=left), default=Value(""), output_field=CharField())


def _change_counts(kinds: dict[str, int]) -> dict[str, int]:
    out = {k: kinds.get(k, 0) for k in CHANGE_KEYS[1:-1]}
    out["start"] = kinds.get("stay", 0) + sum(v for k, v in out.items() if k.startswith("out_"))
    out["end"] = kinds.get("stay", 0) + sum(v for k, v in out.items() if k.startswith("in_"))
    return out


def changes_table(rows, root, day, start) -> Table:
    """党员队伍变化情况: 上年底 + 增加 − 减少 = 本年底; each person who is a member on exactly one of the two
    days falls in exactly one 增加 or 减少 column (the first that applies). One query groups the people by (row, line):
    the row of their organisation at the end (a member then), else at the start. A move within the subtree is no
    change for the root, and its member is in the row of the end for both days."""
    labels = {"start": "上年底党员数", "in_new": "发展党员", "in_transfer": "转入组织关系", "in_other": "恢复党籍及其他",
              "out_deceased": "死亡", "out_removed": "出党（开除、除名、退党）", "out_suspended": "停止党籍",
              "out_transfer": "转出组织关系", "out_other": "其他", "end": "本年底党员数"}
    col = lambda k: Column(labels[k], Q(), k)  # noqa: E731
    groups = [Group("", [col("start")]),
              Group("本年增加", [col(k) for k in ("in_new", "in_transfer", "in_other")]),
              Group("本年减少", [col(k) for k in ("out_deceased", "out_removed", "out_suspended", "out_transfer",
                                                   "out_other")]),
              Group("", [col("end")])]
    t = Table("changes", "党统5表", "党员队伍变化情况", groups,
              note=f"上年底为{start:%Y年%m月%d日}，本年底为统计截止日期。上年底党员数＋本年增加－本年减少＝本年底党员数。")
    keys = [c.key for c in t.columns]
    as_cells = lambda kinds: {f"c{i}": v for i, v in enumerate(_change_counts(kinds)[k] for k in keys)}  # noqa: E731
    by_row: dict[str, dict[str, int]] = {}
    # A member at the end is in the row of their organisation at the end, one who left in that of the start.
    e = member_q(day) & rows.moves.inside("at_end")
    for candidates in rows.moves.candidates(start):
        qs = (Person.objects.filter(candidates)
              .annotate(at_start=rows.moves.path_on(start), at_end=rows.moves.path_on(day))
              .annotate(kind=_change_kind(rows, start, day),
                        row=Case(When(e, then=rows.prefix("at_end")), default=rows.prefix("at_start"),
                                 output_field=CharField()))
              .exclude(kind="").values("row", "kind").annotate(n=Count("pk")).order_by())
        for r in qs:
            kinds = by_row.setdefault(r["row"], {})
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + r["n"]
    t.rows = rows.build(t.columns, {row: as_cells(kinds) for row, kinds in by_row.items()})
    return t


def recruitment_table(rows, root, day, start) -> Table:
    """发展党员情况: new probationary members of the year (入党日期 in the year), whoever they are now."""
    recruited = _period_q("probationary_date", start + dt.timedelta(days=1), day)
    groups = [Group("", [Column("发展党员数", Q(), "total")]),
              Group("其中", [Column("女", Q(gender="female"), "female"),
                             Column("少数民族", ~Q(ethnicity__in=HAN) & ~Q(ethnicity=""), "minority"),
                             Column("35岁及以下", Q(birth_date__gt=add_years(day, -36)), "age_35"),
                             Column("大专及以上学历", Q(education__in=set().union(*(v for _, v in EDUCATION[:3]))),
                                    "college")])]
    t = Table("recruitment", "党统6表", "发展党员情况", groups,
              note="本年内由支部大会接收为预备党员的人数（按其现在所在党组织统计，含之后已转出的）；年龄按统计截止日期计算。")
    aggs = {f"c{i}": Count("pk", filter=c.q) for i, c in enumerate(t.columns)}
    qs = (Person.objects.filter(org__path__subtree=root.path).filter(recruited)
          .annotate(row=rows.prefix("org__path")).values("row").annotate(**aggs).order_by())
    grouped = {r.pop("row"): r for r in qs}
    t.rows = rows.build(t.columns, grouped)
    return t


def orgs_table(rows, root, day) -> Table:
    """党组织基本情况: the organisations existing on the day, by type; branches with a 支部委员会 (a committee
    post besides 书记/副书记 held on the day)."""
    existing = (Q(founded__isnull=True) | Q(founded__lte=day)) & (Q(dissolved__isnull=True) | Q(dissolved__gt=day))
    with_committee = Post.objects.filter(role__in=COMMITTEE_ONLY_ROLES).current(day).values("org_id")
    T = OrgType
    col = lambda t: Column(t.label, Q(type=t.value), f"org_{t.value}")  # noqa: E731
    groups = [Group("", [Column("党组织总数", ~Q(type=T.GROUP), "total")]),
              Group("", [col(T.LEADING_GROUP)]),
              Group("基层党组织", [Column("基层党组织合计", Q(type__in=[T.WORK_COMMITTEE, T.COMMITTEE,
                                                                    T.GENERAL_BRANCH, T.BRANCH]), "grassroots"),
                                   Column("基层党委（含机关工委、机关党委）", Q(type__in=[T.WORK_COMMITTEE, T.COMMITTEE]),
                                          "org_committee"),
                                   col(T.GENERAL_BRANCH), col(T.BRANCH)]),
              Group("党支部中", [Column("设支部委员会的", Q(type=T.BRANCH, pk__in=with_committee), "branch_committee"),
                                 Column("未设支部委员会的", Q(type=T.BRANCH) & ~Q(pk__in=with_committee),
                                        "branch_no_committee")]),
              Group("", [col(T.GROUP)])]
    t = Table("orgs", "党统7表", "党组织基本情况", groups,
              note="统计截止日期已成立且未撤销的组织；设支部委员会的：当日有组织、宣传、纪检委员或委员在任的党支部。")
    aggs = {f"c{i}": Count("pk", filter=c.q) for i, c in enumerate(t.columns)}
    qs = (Org.objects.filter(path__subtree=root.path).filter(existing)
          .annotate(row=rows.prefix("path")).values("row").annotate(**aggs).order_by())
    grouped = {r.pop("row"): r for r in qs}
    t.rows = rows.build(t.columns, grouped)
    return t


TABLES = ("members", "ages", "join_periods", "occupations", "changes", "recruitment", "orgs")


def compute(root: Org, year: int, *, today: dt.date | None = None, only: tuple[str, ...] = TABLES) -> Report:
    day = as_of(year, today)
    start = dt.date(year - 1, 12, 31)
    rows = _Rows(root, start)
    makers = {"members": lambda: membership_table(rows, root, day),
              "ages": lambda: age_table(rows, root, day),
              "join_periods": lambda: join_period_table(rows, root, day),
              "occupations": lambda: occupation_table(rows, root, day),
              "changes": lambda: changes_table(rows, root, day, start),
              "recruitment": lambda: recruitment_table(rows, root, day, start),
              "orgs": lambda: orgs_table(rows, root, day)}
    return Report(root, year, day, start, [makers[k]() for k in only])

