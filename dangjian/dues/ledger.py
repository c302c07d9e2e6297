"""The dues ledger, derived: for each member and month, what was due, what was paid (confirmed) and
what is owed. The rules, the collector's branch-month screen, the member's own page and the reports all
read it from here, so a month is judged the same everywhere.

Which months are expected of a member: from the first month the platform holds a record for them (a 核定
or a payment; djx.md: "from their first row") to the last month that has ended by the date, while they
are a member (not after 停止党籍, 除名, 转出 or death)."""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from .calc import MoneyError, compute_with_settings
from .choices import ExemptionKind, PaymentState
from .models import DuesBase, DuesExemption, DuesPayment

ZERO = Decimal("0.00")


def first_of(d: dt.date) -> dt.date:
    return d.replace(day=1)


def next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def last_ended_month(as_of: dt.date) -> dt.date:
    """The last month that has ended by `as_of` (a month ends on its last day)."""
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    this = first_of(as_of)
    return this if as_of.day == last_day else first_of(this - dt.timedelta(days=1))


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], first_of(start)
    while m <= end:
        out.append(m)
        m = next_month(m)
    return out


@dataclass
class Month:
    month: dt.date
    due: Decimal | None           # None: no 核定 in effect yet (the due cannot be judged)
    paid: Decimal = ZERO          # confirmed and paid by the date
    declared: Decimal = ZERO      # declared by the member, not confirmed yet
    extra: Decimal = ZERO         # voluntary extra paid on top (FEE-11)
    exempt: str = ""              # "" | exempt | reduce
    exempt_approved: bool = True
    last_paid_on: dt.date | None = None

    @property
    def unpaid(self) -> bool:
        """Nothing was paid for a month that owed something (an exemption counts only when approved)."""
        exempt = self.exempt == ExemptionKind.EXEMPT and self.exempt_approved
        return self.paid == ZERO and not exempt and (self.due is None or self.due > ZERO)

    @property
    def total(self) -> Decimal:
        """All that was paid for the month, the voluntary extra included."""
        return self.paid + self.extra

    @property
    def short(self) -> Decimal:
        return max(ZERO, (self.due or ZERO) - self.paid) if self.due is not None else ZERO


@dataclass
class Account:
    person_id: int
    name: str
    org_id: int | None
    external_id: str
    status: str
    category: str
    probationary_date: dt.date | None
    months: list[Month] = field(default_factory=list)
    extras: list[tuple[dt.date, Decimal, bool]] = field(default_factory=list)   # (month, extra, remitted)

    def unpaid_runs(self) -> list[list[Month]]:
        runs, cur = [], []
        for m in self.months:
            if m.unpaid:
                cur.append(m)
            else:
                if cur:
                    runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        return runs

    def upto(self, month) -> "Account":
        """The same account with the months after `month` left out (the ledger of a screen that shows the
        running month gives the arrears, as of the last ended month, without a second pass)."""
        from dataclasses import replace

        return replace(self, months=[m for m in self.months if m.month <= month])

    def current_run(self) -> list[Month]:
        runs = self.unpaid_runs()
        return runs[-1] if runs and self.months and runs[-1][-1] is self.months[-1] else []


def accounts(people_qs, as_of: dt.date, settings: dict, *, until: dt.date | None = None) -> dict[int, Account]:
    """The ledger of the members of `people_qs` who have dues records, up to the last month ended by
    `as_of` (or to `until`, a month, for a screen showing the running month)."""
    end = until or last_ended_month(as_of)
    people = {p["pk"]: p for p in people_qs.order_by().values(
        "pk", "name", "org_id", "external_id", "status", "status_since", "dues_category", "probationary_date")}
    if not people:
        return {}
    ids = list(people)
    bases, exemptions, payments = defaultdict(list), defaultdict(list), defaultdict(list)
    for chunk in _chunks(ids):
        for b in DuesBase.objects.filter(person_id__in=chunk, start__lte=end).order_by("start").values(
                "person_id", "start", "base", "category", "amount"):
            bases[b["person_id"]].append(b)
        for e in DuesExemption.objects.filter(person_id__in=chunk).values(
                "person_id", "kind", "start", "end", "amount", "approval"):
            exemptions[e["person_id"]].append(e)
        for p in DuesPayment.objects.filter(person_id__in=chunk, month__lte=end).filter(
                Q(paid_on__isnull=True) | Q(paid_on__lte=as_of)).values(
                "person_id", "month", "amount", "extra", "paid_on", "state", "remitted_on"):
            payments[p["person_id"]].append(p)
    out = {}
    for pk, p in people.items():
        starts = [b["start"] for b in bases[pk]] + [x["month"] for x in payments[pk] if x["state"] == PaymentState.CONFIRMED]
        if not starts:
            continue
        first = first_of(min(starts))
        last = end
        if p["status"] not in MEMBER_STATUSES:
            # No longer a member: nothing is due after they left (without the date, after their last record).
            left = first_of(p["status_since"]) - dt.timedelta(days=1) if p["status_since"] else first_of(max(starts))
            last = min(last, left)
        acc = Account(pk, p["name"], p["org_id"], p["external_id"], p["status"], p["dues_category"],
                      p["probationary_date"])
        by_month: dict[dt.date, Month] = {}
        pb = bases[pk]
        i = -1
        for m in months(first, last):
            while i + 1 < len(pb) and pb[i + 1]["start"] <= m:
                i += 1
            due = pb[i]["amount"] if i >= 0 else None
            if due is None and acc.category not in ("in_service", "annual_salary", "self_employed", "retired"):
                try:     # the fixed amounts (FEE-06) need no base
                    due = compute_with_settings(ZERO, acc.category, settings).amount
                except MoneyError:
                    due = None
            row = Month(m, due)
            for e in exemptions[pk]:
                if e["start"] <= m and (e["end"] is None or m <= e["end"]):
                    row.exempt = e["kind"]
                    row.exempt_approved = bool((e["approval"] or "").strip())
                    if row.exempt_approved:     # (without the approval nothing is reduced: FEE-08)
                        row.due = ZERO if e["kind"] == ExemptionKind.EXEMPT else (
                            e["amount"] if e["amount"] is not None else row.due)
            by_month[m] = row
            acc.months.append(row)
        for x in payments[pk]:
            row = by_month.get(first_of(x["month"]))
            if x["extra"] and x["extra"] > ZERO and x["state"] == PaymentState.CONFIRMED:
                acc.extras.append((x["month"], x["extra"], x["remitted_on"] is not None))
            if row is None:
                continue
            if x["state"] == PaymentState.CONFIRMED:
                row.paid += x["amount"] - (x["extra"] or ZERO)
                row.extra += x["extra"] or ZERO
                if x["paid_on"] and (row.last_paid_on is None or x["paid_on"] > row.last_paid_on):
                    row.last_paid_on = x["paid_on"]
            else:
                row.declared += x["amount"]
        out[pk] = acc
    return out


def _chunks(ids, size=20_000):
    ids = sorted(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


__all__ = ["accounts", "Account", "Month", "last_ended_month", "months", "first_of", "next_month", "Person"]
