"""Demo 党费: every member of every branch 核定 each January (last year and this year) from a base that
fits their category, and paid month by month up to the last month that has ended — with a few
realistic problems planted and listed in `problems` (months unpaid, six months unpaid, a payment short
by some 分, a large voluntary extra not yet remitted, a branch that did not publish last year's
collection). One approved exemption shows what is not a problem. Deterministic for a seed; written in
bulk. Not at province scale (tens of millions of rows)."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dangjian.dues.calc import compute
from dangjian.dues.choices import BaseReason, Channel, ExemptionKind
from dangjian.dues.ledger import first_of, last_ended_month, months
from dangjian.dues.models import DuesBase, DuesExemption, DuesPayment, DuesPublication
from dangjian.orgs.choices import OrgType
from dangjian.people.choices import MEMBER_STATUSES, DuesCategory
from dangjian.people.models import Person

BASE_RANGE = {DuesCategory.IN_SERVICE: (2600, 14000), DuesCategory.ANNUAL_SALARY: (8000, 30000),
              DuesCategory.SELF_EMPLOYED: (2000, 9000), DuesCategory.RETIRED: (3500, 8500)}


@dataclass
class DuesStats:
    members: int = 0
    payments: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"党费：{self.members} 名党员按月交纳，交纳记录 {self.payments} 笔"


def default_for(scale: str) -> bool:
    return scale != "province"


def load(as_of: dt.date, seed: int) -> DuesStats:
    rng = random.Random(seed * 53 + 11)
    stats = DuesStats()
    end = last_ended_month(as_of)
    start = dt.date(as_of.year - 1, 1, 1)
    # (a member out of contact pays nothing: they are EDU-03's, not a dues case)
    people = list(Person.objects.filter(status__in=list(MEMBER_STATUSES), org__type=OrgType.BRANCH,
                                        lost_contact_since__isnull=True).order_by("pk")
                  .values("pk", "name", "org_id", "dues_category", "status", "probationary_date"))
    if not people:
        return stats
    # The planted problems, each on a different member (chosen deterministically).
    pool = [p for p in people if p["status"] == "full" and p["dues_category"] == DuesCategory.IN_SERVICE]
    picks = rng.sample(pool, min(len(pool), 5))
    roles = dict(zip(("arrears", "six", "short", "extra", "exempt"), picks))
    bases, payments, exemptions = [], [], []
    for p in people:
        first = start
        if p["status"] == "probationary" and p["probationary_date"] and p["probationary_date"] > start:
            first = first_of(p["probationary_date"])          # FEE-07: from the month of the vote
        lo_hi = BASE_RANGE.get(p["dues_category"])
        base = Decimal(rng.randrange(lo_hi[0], lo_hi[1])) if lo_hi else Decimal("0")
        mine = []
        for year in range(start.year, as_of.year + 1):
            b_start = max(first, dt.date(year, 1, 1))
            if b_start > end or b_start.year != year:
                continue
            if year > start.year and lo_hi:
                base = (base * Decimal("1.03")).quantize(Decimal("1"))      # a yearly raise
            amount = compute(f"{base:.2f}", p["dues_category"]).amount
            mine.append(DuesBase(person_id=p["pk"], start=b_start, base=base if lo_hi else None,
                                 category=p["dues_category"], amount=amount, reason=BaseReason.YEARLY
                                 if b_start.month == 1 else BaseReason.JOINED))
        bases += mine
        role = next((r for r, q in roles.items() if q is p), None)
        ms = months(first, end)
        unpaid = set()
        if role == "arrears":
            unpaid = set(ms[-4:])                              # the last four months: FEE-12
        elif role == "six":
            unpaid = set(ms[-7:])                              # seven months: FEE-13
        if role == "exempt":
            exemptions.append(DuesExemption(person_id=p["pk"], kind=ExemptionKind.EXEMPT, start=ms[-3], end=ms[-2],
                                            reason="住院治疗，无经常性收入", approval="机关党委〔%d〕5号" % as_of.year,
                                            approved_on=ms[-3]))
            unpaid = {ms[-3], ms[-2]}
        for m in ms:
            if m in unpaid:
                continue
            due = next(b.amount for b in reversed(mine) if b.start <= m)
            paid = due
            extra = Decimal("0.00")
            if role == "short" and m == ms[-2]:
                paid = due - Decimal("0.50")
            if role == "extra" and m == ms[-5]:
                extra = Decimal("1000.00")
            day = min(28, rng.randint(3, 25))
            payments.append(DuesPayment(person_id=p["pk"], org_id=p["org_id"], month=m, amount=paid + extra,
                                        extra=extra, paid_on=m.replace(day=day),
                                        channel=rng.choice((Channel.CASH, Channel.BANK, Channel.ONLINE))))
        stats.members += 1
    DuesBase.objects.bulk_create(bases, batch_size=5000)
    DuesPayment.objects.bulk_create(payments, batch_size=5000)
    DuesExemption.objects.bulk_create(exemptions)
    stats.payments = len(payments)
    # Every branch published last year's collection, except one.
    branches = sorted({p["org_id"] for p in people})
    skip = rng.choice(branches)
    DuesPublication.objects.bulk_create([DuesPublication(org_id=o, year=start.year, published_on=dt.date(
        start.year, 12, 28), note="支部党员大会通报") for o in branches if o != skip])
    from dangjian.orgs.models import Org

    names = {p["pk"]: p["name"] for p in picks}
    labels = {"arrears": "最近4个月未交纳党费（FEE-12）", "six": "连续7个月未交纳党费（FEE-13）",
              "short": "上上个月少交0.50元（FEE-02）", "extra": "自愿多交1000元未上缴中央（FEE-11）"}
    for role, label in labels.items():
        if role in roles:
            stats.problems.append(f"{names[roles[role]['pk']]}：{label}")
    stats.problems.append(f"{Org.objects.get(pk=skip).name}：没有公布{start.year}年党费收缴情况（FEE-16）")
    return stats
