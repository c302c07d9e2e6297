"""Periods as findings name them: "2025" (year), "2025Q2" (quarter), "2025-04" (month).

A period has *ended* on its last day (djx.md: a quarter with no 党员大会 is a finding from the
quarter's last day on)."""
from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import CharField, Func


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
