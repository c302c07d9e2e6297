"""Periods as findings name them: "2025" (year), "2025Q2" (quarter), "2025-04" (month).

A period has *ended* on its last day (djx.md: a quarter with no 党员大会 is a finding from the
quarter's last day on)."""
from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import Aggregate, BigIntegerField, CharField, DateField, Func, IntegerField


def add_months(d: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (2024-02-29 + 12 → 2025-02-28)."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def add_years(d: dt.date, years: int) -> dt.date:
    return add_months(d, 12 * years)


def month_label(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def quarter_label(d: dt.date) -> str:
    return f"{d.year:04d}Q{(d.month - 1) // 3 + 1}"


def year_label(d: dt.date) -> str:
    return f"{d.year:04d}"


def bounds(label: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period label."""
    if "Q" in label:
        y, q = label.split("Q")
        y, q = int(y), int(q)
        start = dt.date(y, 3 * q - 2, 1)
        end_m = 3 * q
        return start, dt.date(y, end_m, calendar.monthrange(y, end_m)[1])
    if "-" in label:
        y, m = map(int, label.split("-"))
        return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
    y = int(label)
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def has_ended(label: str, as_of: dt.date) -> bool:
    return as_of >= bounds(label)[1]


def ended_periods(kind: str, start: dt.date, as_of: dt.date) -> list[str]:
    """Labels of the periods of `kind` ('month'|'quarter'|'year') from the one holding `start`
    up to the last one that has ended by `as_of`."""
    fmt = {"month": month_label, "quarter": quarter_label, "year": year_label}[kind]
    step = {"month": 1, "quarter": 3, "year": 12}[kind]
    out: list[str] = []
    d = dt.date(start.year, start.month if kind != "year" else 1, 1)
    if kind == "quarter":
        d = dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while True:
        label = fmt(d)
        if not has_ended(label, as_of):
            break
        out.append(label)
        d = add_months(d, step)
    return out


def whole_years_between(start: dt.date, end: dt.date) -> int:
    """Completed years from `start` to `end`: the same calendar date a year later counts as one."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    # 2024-02-29 → 2025-02-28 counts as a whole year (add_years clamps the same way).
    if years >= 0 and add_years(start, years + 1) <= end:
        years += 1
    return years


LABELS = {"month": month_label, "quarter": quarter_label, "year": year_label}
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")


def label_of(kind: str, d: dt.date) -> str:
    """The label of the period of `kind` ('month'|'quarter'|'year') that holds `d`."""
    return LABELS[kind](d)


def kind_of(label: str) -> str:
    return "quarter" if "Q" in label else "month" if "-" in label else "year"


def human(label: str) -> str:
    """"2025Q3" → "2025年第三季度", "2025-08" → "2025年8月", "2025" → "2025年"."""
    if "Q" in label:
        y, q = label.split("Q")
        return f"{y}年{QUARTER_NAMES[int(q) - 1]}"
    if "-" in label:
        y, m = label.split("-")
        return f"{y}年{int(m)}月"
    return f"{label}年"


def periods_ending_between(kind: str, after: dt.date, until: dt.date) -> list[str]:
    """Labels of the periods of `kind` whose last day is after `after` and on or before `until`
    (the periods that ended in the window (after, until])."""
    return [p for p in ended_periods(kind, after + dt.timedelta(days=1), until) if bounds(p)[1] > after]


def month_index(d: dt.date) -> int:
    """Months since year 0: consecutive months differ by one (a streak's length is a subtraction)."""
    return d.year * 12 + d.month - 1


def month_of_index(i: int) -> str:
    """"2025年3月" for a `month_index`."""
    return f"{i // 12}年{i % 12 + 1}月"


# --- the month of a date column, in the database ----------------------------------------------------
class MonthLabel(Func):
    """The month label ("2025-04", as `month_label`) of a date column, computed natively by the
    database. Django's TruncMonth/ExtractMonth run a Python function per row on SQLite, which costs
    more than reading the rows; a DateField is stored there as ISO text, so its first 7 characters
    are the label."""

    output_field = CharField()
    arity = 1
    template = "to_char(%(expressions)s, 'YYYY-MM')"   # PostgreSQL

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 7)", **extra)


class MonthIndex(Func):
    """`month_index` of a date column (months since year 0, an integer), computed natively."""

    output_field = IntegerField()
    arity = 1
    template = "(CAST(date_part('year', %(expressions)s) AS integer) * 12 + CAST(date_part('month', %(expressions)s) AS integer) - 1)"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(CAST(substr(%(expressions)s, 1, 4) AS integer) * 12 "
                                                          "+ CAST(substr(%(expressions)s, 6, 2) AS integer) - 1)",
                           **extra)


class DaysBefore(Func):
    """A date column minus a whole number of days, still a date (comparable with date columns and
    their indexes): PostgreSQL `date - integer`; SQLite `date(x, '-N days')`."""

    output_field = DateField()
    arity = 1

    def __init__(self, expression, days: int, **extra):
        self.days = int(days)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template=f"(%(expressions)s - {self.days})", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template=f"date(%(expressions)s, '-{self.days} days')", **extra)


class Bit(Func):
    """`1 << n` as a 64-bit integer (n in 0…62)."""

    output_field = BigIntegerField()
    arity = 1
    template = "(CAST(1 AS bigint) << (%(expressions)s))"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(1 << (%(expressions)s))", **extra)


MASK_BITS = 62


class BitOr(Aggregate):
    """OR of 64-bit integers: PostgreSQL's BIT_OR (no sort); on SQLite the SUM of the DISTINCT powers
    of two, which is the same number."""

    function = "BIT_OR"
    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="SUM", template="%(function)s(DISTINCT %(expressions)s)",
                           **extra)


def month_masks(qs, *, date_field: str, first: dt.date, last: dt.date, group_by: tuple[str, ...]):
    """For each group of `qs` (rows `group_by`), the months of `date_field` in [first, last] as one
    Python int: bit i set when some row falls in month `month_index(first) + i`. The database does
    the work (`BitOr`), so millions of rows come back as one row
    per group — the set-wise shape the rules need. Returns {group key tuple: mask}."""
    from django.db.models import Case, When

    base, top = month_index(first), month_index(last)
    k = MonthIndex(date_field)
    columns = {}
    for c, lo in enumerate(range(base, top + 1, MASK_BITS)):
        hi = min(lo + MASK_BITS - 1, top)
        if lo == base and hi == top:    # the usual case: the whole window fits one 62-bit column
            columns[f"m{c}"] = BitOr(Bit(k - lo))
            continue
        columns[f"m{c}"] = BitOr(Case(When(**{f"{date_field}__gte": bounds(month_label(_month_start(lo)))[0],
                                              f"{date_field}__lte": bounds(month_label(_month_start(hi)))[1]},
                                           then=Bit(k - lo)), default=0, output_field=BigIntegerField()))
    rows = qs.filter(**{f"{date_field}__gte": first, f"{date_field}__lte": last}).order_by().values(
        *group_by).annotate(**columns).values_list(*group_by, *columns)
    n = len(group_by)
    out = {}
    for row in rows:
        mask = 0
        for c, v in enumerate(row[n:]):
            if v:
                mask |= int(v) << (c * MASK_BITS)
        out[row[:n]] = mask
    return out


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def period_mask(label: str, first: dt.date) -> int:
    """The bits of `month_masks` (relative to `first`) covering the period `label`; 0 when the period
    lies wholly before `first`."""
    start, end = bounds(label)
    base = month_index(first)
    lo, hi = max(month_index(start) - base, 0), month_index(end) - base
    if hi < 0 or hi < lo:
        return 0
    return ((1 << (hi - lo + 1)) - 1) << lo

