"""DJX `dues` (djx.md): one row per person and month — `base`, `due` (recomputed; a mismatch is
reported), `paid`, `paid_date`, `exempt` with its `approval`. Imported into the same records the screens
write (核定, payments, exemptions), so `check` and the live system judge one ledger. Importing the same
file again changes nothing: a 核定 is the same month's, a payment the same month, amount and date."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from .calc import MoneyError, compute_with_settings, money
from .choices import BaseReason, ExemptionKind
from .ledger import first_of
from .models import DuesBase, DuesExemption, DuesPayment

ZERO = Decimal("0.00")


def import_dues(imp, count) -> None:
    """`imp` is the DJX Importer (its maps of ids, its report and its scope)."""
    from dangjian.core import engine
    from dangjian.people.models import Person

    rows = [(i, r) for i, r in enumerate(imp.doc.get("dues") or []) if isinstance(r, dict)]
    if not rows:
        return
    settings = engine.effective_settings((imp.doc.get("meta") or {}).get("settings") or {})
    people = {p["pk"]: p for p in Person.objects.filter(pk__in={imp.people[r["person"]] for _, r in rows}).values(
        "pk", "org_id", "dues_category")}
    by_person = defaultdict(list)
    for i, r in rows:
        by_person[imp.people[r["person"]]].append((dt.date.fromisoformat(r["month"] + "-01"), i, r))
    have_bases, have_pay, have_ex = {}, defaultdict(lambda: ZERO), set()
    if imp.match_existing:
        ids = list(by_person)
        for b in DuesBase.objects.filter(person_id__in=ids).values("person_id", "start", "base", "amount"):
            have_bases[(b["person_id"], b["start"])] = (b["base"], b["amount"])
        have_pay = defaultdict(lambda: ZERO)     # (person, month) → what the platform already holds
        for pid_, m_, a_ in DuesPayment.objects.filter(person_id__in=ids, state="confirmed").values_list(
                "person_id", "month", "amount"):
            have_pay[(pid_, m_)] += a_
        have_ex = set(DuesExemption.objects.filter(person_id__in=ids).values_list("person_id", "start", "kind"))
    bases, payments, exemptions = [], [], []
    for pid, items in by_person.items():
        p = people[pid]
        items.sort(key=lambda x: x[0])
        current = None           # (base, amount) in effect
        for month, i, r in items:
            changed = False
            try:
                base = money(r["base"], "基数") if r.get("base") is not None else None
                due_given = money(r["due"], "应交金额") if r.get("due") is not None else None
                paid = money(r["paid"], "实交金额") if r.get("paid") is not None else ZERO
            except MoneyError as e:
                imp.fail(f"dues[{i}]", str(e))
                continue
            amount = None
            if base is not None:
                try:
                    amount = compute_with_settings(base, p["dues_category"], settings).amount
                except MoneyError as e:
                    imp.fail(f"dues[{i}].base", str(e))
                    continue
                if due_given is not None and due_given != amount:
                    imp.report.warnings.append(
                        f"dues[{i}].due：按基数 {base:.2f} 元计算应交 {amount:.2f} 元，文件中为 {due_given:.2f} 元（以计算结果为准）")
            elif due_given is not None:
                amount = due_given
            if current is None and amount is None:
                # The person's first row says nothing of the due: dues are expected from this month on
                # (djx.md: every month from the first row), the amount unknown until a row states it.
                current = (None, None)
                if have_bases.get((pid, month)) != current:
                    bases.append(DuesBase(person_id=pid, start=month, base=None, amount=None,
                                          category=p["dues_category"], reason=BaseReason.IMPORTED))
                    changed = True
            if amount is not None and (base, amount) != current:
                current = (base, amount)
                if have_bases.get((pid, month)) != current:
                    bases.append(DuesBase(person_id=pid, start=month, base=base, amount=amount,
                                          category=p["dues_category"], reason=BaseReason.IMPORTED))
                    changed = True
            paid_on = dt.date.fromisoformat(r["paid_date"]) if r.get("paid_date") else None
            held = have_pay[(pid, month)]
            if paid > held:
                # The row is the month's total: what the platform holds already is not paid again.
                add = paid - held
                due = current[1] if current else None
                payments.append(DuesPayment(person_id=pid, org_id=p["org_id"], month=month, amount=add,
                                            extra=min(add, max(ZERO, paid - due)) if due is not None else ZERO,
                                            paid_on=paid_on, note="导入"))
                changed = True
            elif paid < held:
                imp.report.warnings.append(f"dues[{i}].paid：文件中{month:%Y-%m}实交 {paid:.2f} 元，少于平台已记录的 "
                                           f"{held:.2f} 元，未作改动（交纳记录只增不删）")
            if r.get("exempt") and (pid, month, ExemptionKind.EXEMPT) not in have_ex:
                exemptions.append(DuesExemption(person_id=pid, kind=ExemptionKind.EXEMPT, start=month, end=month,
                                                reason="导入", approval=(r.get("approval") or "").strip()[:200]))
                changed = True
            if changed:
                count.created += 1
            else:
                count.unchanged += 1
    if imp.errors:
        return
    if imp.match_existing and bases:
        # (a 核定 of a month already held is replaced by the file's)
        keys = {(b.person_id, b.start) for b in bases}
        for pid in {k[0] for k in keys}:
            DuesBase.objects.filter(person_id=pid, start__in=[s for p_, s in keys if p_ == pid]).delete()
    DuesBase.objects.bulk_create(bases, batch_size=2000)
    DuesPayment.objects.bulk_create([x for x in payments if x.org_id], batch_size=2000)
    DuesExemption.objects.bulk_create(exemptions, batch_size=2000)


def export_dues(person_ids: dict[int, str], until: dt.date) -> list[dict]:
    """One row per person and month from their first record to `until`'s month: the base and due in
    effect, the confirmed payments' total and last date, an exemption with its approval."""
    from .ledger import accounts
    from dangjian.core import engine
    from dangjian.people.models import Person

    from django.db.models import Q

    ids = list(person_ids)
    if not ids or not Person.objects.filter(pk__in=ids).filter(
            Q(dues_bases__isnull=False) | Q(dues_payments__isnull=False)).exists():
        return []
    settings = engine.effective_settings()
    out = []
    accs = accounts(Person.objects.filter(pk__in=list(person_ids)), until, settings, until=first_of(until))
    base_rows = defaultdict(list)
    for b in DuesBase.objects.filter(person_id__in=list(accs)).order_by("start").values("person_id", "start", "base"):
        base_rows[b["person_id"]].append(b)
    approvals = [(e["person_id"], e["start"], e["end"], e["approval"]) for e in DuesExemption.objects.filter(
        person_id__in=list(accs)).order_by("-start").values("person_id", "start", "end", "approval")]
    for pid, acc in sorted(accs.items(), key=lambda kv: person_ids[kv[0]]):
        bases = base_rows[pid]
        j = -1
        for m in acc.months:
            while j + 1 < len(bases) and bases[j + 1]["start"] <= m.month:
                j += 1
            row = {"person": person_ids[pid], "month": f"{m.month:%Y-%m}"}
            if j >= 0 and bases[j]["base"] is not None:
                row["base"] = f"{bases[j]['base']:.2f}"
            if m.due is not None and not m.exempt:
                row["due"] = f"{m.due:.2f}"
            row["paid"] = f"{m.paid + m.extra:.2f}"
            if m.last_paid_on:
                row["paid_date"] = m.last_paid_on.isoformat()
            if m.exempt == ExemptionKind.EXEMPT:
                row["exempt"] = True
                approval = next((a for (p, s, e, a) in approvals if p == pid and s <= m.month and (e is None or m.month <= e)
                                 and a), "")
                if approval:
                    row["approval"] = approval
            out.append(row)
    return out
