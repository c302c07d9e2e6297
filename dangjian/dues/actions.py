"""党费 actions: set a member's 核定 (base and amount), record a branch's payments for a month in one go,
a member's own declaration and the collector's confirmation, an approved reduction or exemption, the
remittance of a large voluntary extra to the Central Committee, and the yearly publication. Each is
audited and re-judges the FEE rules of the orgs it touched."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from .calc import MoneyError, base_from_items, compute_with_settings, money
from .choices import BaseReason, Channel, ExemptionKind, PaymentState
from .ledger import first_of, next_month
from .models import DuesBase, DuesExemption, DuesPayment, DuesPublication, PayrollItem

RECORDS = (DuesBase, DuesExemption, DuesPayment, Person)


def _money(value, what: str, field: str) -> Decimal:
    try:
        return money(value, what)
    except MoneyError as e:
        raise ActionError(str(e), field=field) from None



def treatments() -> dict[str, str]:
    """FEE-15: the jurisdiction's table of payroll items, or the official defaults while it has none."""
    from .calc import DEFAULT_PAYROLL_ITEMS

    return dict(PayrollItem.objects.values_list("name", "treatment")) or dict(DEFAULT_PAYROLL_ITEMS)


@transaction.atomic
def do_set_base(person: Person, *, start: dt.date, category: str | None = None, base=None, items: dict | None = None,
                reason: str = BaseReason.YEARLY, acting_user=None) -> DuesBase:
    """核定 a member's monthly dues from `start`'s month: the base typed, or computed from payroll items
    (FEE-15), and the amount from the calculator. With the default re-basing (FEE-10: each January), a
    pay change during the year takes effect from the next January."""
    settings = engine.effective_settings()
    category = category or person.dues_category
    if items:
        try:
            base = base_from_items(items, treatments())
        except MoneyError as e:
            raise ActionError(str(e), field="items") from None
    base = _money(base if base is not None else "0", "计算基数", "base")
    try:
        dues = compute_with_settings(base, category, settings)
    except MoneyError as e:
        raise ActionError(str(e), field="category") from None
    start = first_of(start)
    if reason == BaseReason.PAY_CHANGE and settings.get("dues_rebase") == "yearly" and start.month != 1:
        start = dt.date(start.year + 1, 1, 1)
    row, created = DuesBase.objects.update_or_create(person=person, start=start, defaults={
        "base": base, "category": dues.category, "amount": dues.amount, "items": {k: str(v) for k, v in (items or {}).items()},
        "reason": reason, "created_by": audit.user_or_none(acting_user)})
    audit.record("dues.base", f"{person.name}自{start:%Y年%m月}起党费基数{base:.2f}元，每月应交{dues.amount:.2f}元"
                 f"（{dues.rate_label}，{dues.rule}）", actor=acting_user, org=person.org, person=person, obj=row,
                 after={"start": start, "base": base, "amount": dues.amount, "category": dues.category})
    engine.schedule([person.org_id], changed=RECORDS)
    return row


@transaction.atomic
def do_record_payments(org, month: dt.date, rows: list[dict], *, acting_user=None) -> list[DuesPayment]:
    """The collector records a branch's payments for one month on one screen. `rows`: {"person", "amount",
    "paid_on", "channel"} per member who paid; an amount above the due is a voluntary extra (FEE-11).
    All rows are checked first; one bad row refuses the whole batch, naming the member."""
    month = first_of(month)
    today = timezone.localdate()
    if month > first_of(today):
        raise ActionError("不能登记尚未到来的月份。", field="month")
    members = {p.pk: p for p in Person.objects.filter(org=org, pk__in=[r["person"] for r in rows])}
    from .ledger import accounts

    settings = engine.effective_settings()
    acc = accounts(Person.objects.filter(pk__in=list(members)), today, settings, until=month)
    out, problems = [], []
    same = set(DuesPayment.objects.filter(person_id__in=list(members), month=month).values_list(
        "person_id", "amount", "paid_on"))
    for r in rows:
        p = members.get(r["person"])
        if p is None:
            problems.append(f"人员{r['person']}不是{org.name}的党员")
            continue
        try:
            amount = money(r["amount"], f"{p.name}的交纳金额")
        except MoneyError as e:
            problems.append(str(e))
            continue
        if amount == 0:
            continue
        if r.get("channel", Channel.CASH) not in Channel.values:
            problems.append(f"{p.name}：党组织不得扣缴党员党费，交纳方式只能是现金、转账、网上交纳或委托代交（FEE-14）")
            continue
        paid_on = r.get("paid_on") or today
        if paid_on > today or paid_on < month:
            problems.append(f"{p.name}：交纳日期应在{month:%Y年%m月}1日至今天之间")
            continue
        if (p.pk, amount, paid_on) in same:
            problems.append(f"{p.name}：{month:%Y年%m月}已登记过同一天同样金额的交纳，请勿重复保存")
            continue
        due = _due_of(acc.get(p.pk), month, p, settings)
        row = next((m for m in acc[p.pk].months if m.month == month), None) if p.pk in acc else None
        before = (row.paid + row.extra) if row else Decimal("0.00")
        # What goes beyond the month's due, counting what was paid for it before, is the voluntary extra.
        extra = min(amount, max(Decimal("0.00"), before + amount - due)) if due is not None else Decimal("0.00")
        out.append(DuesPayment(person=p, org=org, month=month, amount=amount, extra=extra, paid_on=paid_on,
                               channel=r.get("channel", Channel.CASH), recorded_by=audit.user_or_none(acting_user),
                               confirmed_by=audit.user_or_none(acting_user)))
    if problems:
        raise ActionError("；".join(problems), field="rows")
    DuesPayment.objects.bulk_create(out)
    audit.record("dues.collect", f"{org.name}{month:%Y年%m月}登记党费{len(out)}人，合计"
                 f"{sum((x.amount for x in out), Decimal('0.00')):.2f}元", actor=acting_user, org=org,
                 month=month.isoformat(), count=len(out))
    engine.schedule([org.pk], changed=RECORDS)
    return out


def _due_of(acc, month, person, settings) -> Decimal | None:
    """The due of `month` from the ledger, else from the member's latest 核定 or category."""
    if acc is not None:
        for m in acc.months:
            if m.month == month:
                return m.due
    base = DuesBase.objects.filter(person=person, start__lte=month).order_by("-start").first()
    if base is not None:
        return base.amount
    try:
        d = compute_with_settings("0", person.dues_category, settings)
    except MoneyError:
        return None
    return d.amount if d.rate is None else None


@transaction.atomic
def do_declare_payment(person: Person, *, month: dt.date, amount, paid_on: dt.date, channel: str = Channel.ONLINE,
                       note: str = "", acting_user=None) -> DuesPayment:
    """A member declares a payment they made (自助申报); it counts once the collector confirms it."""
    if person.status not in MEMBER_STATUSES or person.org_id is None:
        raise ActionError("只有在册党员可以申报交纳党费。")
    amount = _money(amount, "交纳金额", "amount")
    if amount == 0:
        raise ActionError("交纳金额应大于0。", field="amount")
    if channel not in Channel.values:
        raise ActionError("交纳方式只能是现金、转账、网上交纳或委托代交（党组织不得扣缴党费，FEE-14）。", field="channel")
    month = first_of(month)
    if paid_on > timezone.localdate() or month > first_of(timezone.localdate()):
        raise ActionError("不能申报尚未发生的交纳。", field="paid_on")
    pay = DuesPayment.objects.create(person=person, org=person.org, month=month, amount=amount, paid_on=paid_on,
                                     channel=channel, state=PaymentState.DECLARED, note=(note or "")[:200],
                                     recorded_by=audit.user_or_none(acting_user))
    audit.record("dues.declare", f"{person.name}申报{month:%Y年%m月}党费{amount:.2f}元", actor=acting_user,
                 org=person.org, person=person, obj=pay)
    return pay


@transaction.atomic
def do_confirm_payment(payment: DuesPayment, *, acting_user=None) -> DuesPayment:
    payment = DuesPayment.objects.select_for_update().select_related("person").get(pk=payment.pk)
    if payment.state == PaymentState.CONFIRMED:
        raise ActionError("这笔党费已经确认。")
    from .ledger import accounts

    settings = engine.effective_settings()
    acc = accounts(Person.objects.filter(pk=payment.person_id), timezone.localdate(), settings, until=payment.month)
    due = _due_of(acc.get(payment.person_id), payment.month, payment.person, settings)
    paid_before = acc[payment.person_id].months[-1].paid if payment.person_id in acc and acc[payment.person_id].months \
        and acc[payment.person_id].months[-1].month == payment.month else Decimal("0.00")
    payment.extra = max(Decimal("0.00"), paid_before + payment.amount - due) if due is not None else Decimal("0.00")
    payment.extra = min(payment.extra, payment.amount)
    payment.state, payment.confirmed_by = PaymentState.CONFIRMED, audit.user_or_none(acting_user)
    payment.save(update_fields=["state", "confirmed_by", "extra"])
    audit.record("dues.confirm", f"确认{payment.person.name}{payment.month:%Y年%m月}党费{payment.amount:.2f}元",
                 actor=acting_user, org=payment.org, person=payment.person, obj=payment)
    engine.schedule([payment.org_id], changed=RECORDS)
    return payment


@transaction.atomic
def do_record_exemption(person: Person, *, kind: str, start: dt.date, end: dt.date | None, reason: str,
                        approval: str, approved_on: dt.date, amount=None, acting_user=None) -> DuesExemption:
    """少交或免交 (FEE-08): only with the approval of the committee above, named here."""
    if kind not in ExemptionKind.values:
        raise ActionError("请选择少交或免交。", field="kind")
    if not (approval or "").strip():
        raise ActionError("少交或免交党费须经上一级党委批准，请填写批准机关及文号（FEE-08）。", field="approval")
    if not (reason or "").strip():
        raise ActionError("请写明交纳党费的困难情况。", field="reason")
    start = first_of(start)
    end = first_of(end) if end else None
    if end and end < start:
        raise ActionError("截止月份不能早于起始月份。", field="end")
    if approved_on > timezone.localdate():
        raise ActionError("批准日期不能晚于今天。", field="approved_on")
    value = None
    if kind == ExemptionKind.REDUCE:
        value = _money(amount, "少交后每月交纳金额", "amount")
    ex = DuesExemption.objects.create(person=person, kind=kind, start=start, end=end, amount=value, reason=reason.strip(),
                                      approval=approval.strip(), approved_on=approved_on,
                                      created_by=audit.user_or_none(acting_user))
    audit.record("dues.exemption", f"{person.name}{ex.get_kind_display()}党费（{approval.strip()}）", actor=acting_user,
                 org=person.org, person=person, obj=ex)
    engine.schedule([person.org_id], changed=RECORDS)
    return ex


@transaction.atomic
def do_mark_remitted(payment: DuesPayment, *, on: dt.date, acting_user=None) -> DuesPayment:
    """FEE-11: a voluntary extra of 1,000 元 or more was handed on to the Central Committee."""
    if not payment.to_central:
        raise ActionError("自愿多交不足1000元的，不需上缴中央。")
    if on > timezone.localdate() or (payment.paid_on and on < payment.paid_on):
        raise ActionError("上缴日期应在交纳日期之后、今天之前。", field="on")
    payment.remitted_on = on
    payment.save(update_fields=["remitted_on"])
    audit.record("dues.remit", f"{payment.person.name}自愿多交{payment.extra:.2f}元已上缴中央（{on:%Y-%m-%d}）",
                 actor=acting_user, org=payment.org, obj=payment)
    engine.schedule([payment.org_id], changed=RECORDS)
    return payment


@transaction.atomic
def do_publish(org, *, year: int, published_on: dt.date, note: str = "", acting_user=None) -> DuesPublication:
    """FEE-16: the branch published the year's collection to its members."""
    if published_on > timezone.localdate():
        raise ActionError("公布日期不能晚于今天。", field="published_on")
    if published_on.year < year:
        raise ActionError("公布日期不能早于该年度。", field="published_on")
    pub, _ = DuesPublication.objects.update_or_create(org=org, year=year, defaults={
        "published_on": published_on, "note": (note or "")[:200], "created_by": audit.user_or_none(acting_user)})
    audit.record("dues.publish", f"{org.name}公布{year}年党费收缴情况", actor=acting_user, org=org, obj=pub)
    engine.schedule([org.pk], changed=(DuesPublication,))
    return pub


@transaction.atomic
def do_set_payroll_item(name: str, treatment: str, note: str = "", acting_user=None) -> PayrollItem:
    """FEE-15: whether a payroll item counts in the base (the jurisdiction's table)."""
    from dangjian.core.actions import _may_edit_settings

    from .choices import Treatment

    if not _may_edit_settings(acting_user):
        raise ActionError("工资项目表由工委管理员统一维护；如需调整，请联系机关工委。")
    name = (name or "").strip()
    if not name:
        raise ActionError("请填写工资项目名称。", field="name")
    if treatment not in Treatment.values:
        raise ActionError("请选择计入、不计入或扣除。", field="treatment")
    item, _ = PayrollItem.objects.update_or_create(name=name, defaults={"treatment": treatment, "note": note[:200]})
    audit.record("dues.payroll_item", f"工资项目“{name}”：{item.get_treatment_display()}", actor=acting_user, obj=item)
    return item


@transaction.atomic
def do_carry_forward_bases(org, *, year: int, acting_user=None) -> list[DuesBase]:
    """FEE-10 (每年初核定): 核定 the year for every member of `org` who has none yet, from the base of their
    latest 核定 (the amount recomputed with the current settings). Members whose pay changed are 核定 one
    by one with their new base; this covers the rest in one step."""
    settings = engine.effective_settings()
    start = dt.date(year, 1, 1)
    members = list(Person.objects.filter(org=org, status__in=list(MEMBER_STATUSES)))
    have = set(DuesBase.objects.filter(person__in=members, start__gte=start, start__year=year)
               .values_list("person_id", flat=True))
    latest = {}
    for b in DuesBase.objects.filter(person__in=members, start__lt=start).order_by("person_id", "start"):
        latest[b.person_id] = b
    new = []
    for p in members:
        b = latest.get(p.pk)
        if p.pk in have or b is None:
            continue
        base = b.base if b.base is not None else Decimal("0.00")
        try:
            dues = compute_with_settings(base, p.dues_category, settings)
        except MoneyError:
            continue
        if b.base is None and dues.rate is not None:
            continue          # (an unknown base cannot be carried)
        new.append(DuesBase(person=p, start=start, base=b.base, category=dues.category, amount=dues.amount,
                            reason=BaseReason.YEARLY, created_by=audit.user_or_none(acting_user)))
    DuesBase.objects.bulk_create(new)
    if new:
        audit.record("dues.carry_forward", f"{org.name}按上年基数核定{year}年党费：{len(new)}人", actor=acting_user, org=org,
                     year=year, count=len(new))
        engine.schedule([org.pk], changed=RECORDS)
    return new


__all__ = ["do_set_base", "do_carry_forward_bases", "do_record_payments", "do_declare_payment", "do_confirm_payment", "do_record_exemption",
           "do_mark_remitted", "do_publish", "do_set_payroll_item", "next_month"]
