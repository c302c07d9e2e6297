"""党费 screens. The collector's screen records a whole branch-month at once (each member's due is
filled in; change what differs, clear who did not pay); the member's page shows their ledger and lets
them declare a payment, and the branch confirms it; the report gives a subtree's collection by month,
the arrears and the 党费收缴台账 (Excel, PDF). Every query goes through `restrict()`; out of scope is 404;
a refused batch keeps what was typed."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core import engine
from dangjian.core.downloads import PDF, XLSX, download
from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.params import ascii_int, id_param
from dangjian.core.pending import pending_checks_first
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from . import actions, reports
from .choices import Channel, PaymentState
from .forms import BaseForm, DeclareForm, ExemptionForm, PublishForm
from .ledger import accounts, first_of, last_ended_month
from .models import DuesBase, DuesExemption, DuesPayment, DuesPublication

NAV = "dues"


def _month(value: str | None, default: dt.date) -> dt.date:
    try:
        y, m = (value or "").split("-")
        return dt.date(int(y), int(m), 1)
    except ValueError:
        return default


def _collect_orgs(user):
    """Orgs whose members the user may collect from (those with members of their own)."""
    ids = Person.objects.restrict(user, VIEW).filter(status__in=list(MEMBER_STATUSES)).values("org_id")
    return Org.objects.restrict(user, CHANGE).filter(pk__in=ids).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def collect(request):
    """One branch, one month: every member with the month's due filled in, the declared payments to
    confirm, and who owes how many months."""
    user = request.user
    orgs = _collect_orgs(user)
    today = timezone.localdate()
    org = None
    if (pk := id_param(request.GET.get("org"))) is not None:
        org = get_restricted(request, Org, CHANGE, pk=pk)
    elif orgs.exists():
        org = orgs.first()
    month = _month(request.GET.get("month"), first_of(today))
    if month > first_of(today):
        month = first_of(today)
    if org is None:
        return render(request, "dues/collect.html", {"org": None, "orgs": orgs, "nav_active": NAV, "month": month})
    members = Person.objects.filter(org=org, status__in=list(MEMBER_STATUSES)).order_by("name")
    settings = engine.effective_settings()
    errors, typed = "", {}
    if request.method == "POST" and request.POST.get("carry"):
        done = actions.do_carry_forward_bases(org, year=today.year, acting_user=user)
        messages.success(request, f"已按上年基数核定{today.year}年党费：{len(done)}人。工资有变化的，请在本人党费页面重新核定。")
        return redirect(f"{request.path}?org={org.pk}&month={month:%Y-%m}")
    if request.method == "POST":
        if (pk := id_param(request.POST.get("confirm"))) is not None:
            pay = get_restricted(request, DuesPayment.objects.select_related("person"), CHANGE,
                                 pk=pk, org=org)
            try:
                actions.do_confirm_payment(pay, acting_user=user)
            except ActionError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, f"已确认{pay.person.name}{pay.month:%Y年%m月}党费{pay.amount:.2f}元。")
            return redirect(f"{request.path}?org={org.pk}&month={month:%Y-%m}")
        rows = []
        for p in members:
            amount = (request.POST.get(f"amount_{p.pk}") or "").strip()
            typed[p.pk] = {"amount": amount, "paid_on": request.POST.get(f"paid_on_{p.pk}", ""),
                           "channel": request.POST.get(f"channel_{p.pk}", Channel.CASH)}
            if not amount:
                continue
            try:
                paid_on = dt.date.fromisoformat(typed[p.pk]["paid_on"]) if typed[p.pk]["paid_on"] else today
            except ValueError:
                errors += f"{p.name}：交纳日期格式应为 YYYY-MM-DD；"
                continue
            rows.append({"person": p.pk, "amount": amount, "paid_on": paid_on, "channel": typed[p.pk]["channel"]})
        if not errors:
            try:
                done = actions.do_record_payments(org, month, rows, acting_user=user)
            except ActionError as e:
                errors = e.message
            else:
                messages.success(request, f"已登记{org.name}{month:%Y年%m月}党费 {len(done)} 人，合计 "
                                          f"{sum((x.amount for x in done), Decimal('0.00')):.2f} 元。")
                return redirect(f"{request.path}?org={org.pk}&month={month:%Y-%m}")
    ledger = accounts(members, today, settings, until=month)
    ended = last_ended_month(today)
    # (the arrears are the ledger up to the last ended month: the same pass when that is within it)
    owing = {pk: a.upto(ended) for pk, a in ledger.items()} if month >= ended else accounts(members, today, settings)
    latest = {}      # the 核定 in effect for members the ledger has no month for (one query, not one per member)
    for pid, amount in DuesBase.objects.filter(person__in=members, start__lte=month).order_by(
            "person_id", "start").values_list("person_id", "amount"):
        latest[pid] = amount
    fixed = {}
    declared = {}
    for pay in DuesPayment.objects.filter(org=org, month=month, state=PaymentState.DECLARED).select_related("person"):
        declared.setdefault(pay.person_id, []).append(pay)
    lines = []
    for p in members:
        acc = ledger.get(p.pk)
        row = next((m for m in acc.months if m.month == month), None) if acc else None
        if row:
            due = row.due
        elif p.pk in latest:
            due = latest[p.pk]
        else:
            if p.dues_category not in fixed:
                fixed[p.dues_category] = _fixed_amount(p.dues_category, settings)
            due = fixed[p.dues_category]
        paid = row.paid + row.extra if row else Decimal("0.00")
        run = owing[p.pk].current_run() if p.pk in owing else []
        default = "" if paid or (row and row.exempt == "exempt") else (f"{due:.2f}" if due is not None else "")
        t = typed.get(p.pk, {})
        lines.append({"person": p, "due": due, "paid": paid, "exempt": row.exempt if row else "",
                      "owing": len(run), "declared": declared.get(p.pk, []),
                      "amount": t.get("amount", default), "paid_on": t.get("paid_on") or today.isoformat(),
                      "channel": t.get("channel", Channel.CASH)})
    # FEE-10: members not yet 核定 for this year, who had a 核定 before it (offered from January on).
    this_year = set(DuesBase.objects.filter(person__in=members, start__year=today.year).values_list("person_id", flat=True))
    carry = len({pid for pid in DuesBase.objects.filter(person__in=members, start__lt=dt.date(today.year, 1, 1))
                 .values_list("person_id", flat=True)} - this_year)
    total_due = sum((x["due"] or Decimal("0.00") for x in lines), Decimal("0.00"))
    total_paid = sum((x["paid"] for x in lines), Decimal("0.00"))
    return render(request, "dues/collect.html", {
        "org": org, "orgs": orgs, "month": month, "lines": lines, "errors": errors, "nav_active": NAV,
        "channels": Channel.choices, "today": today, "total_due": total_due, "total_paid": total_paid,
        "prev": first_of(month - dt.timedelta(days=1)), "next": (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1),
        "is_current": month == first_of(today), "carry": carry, "year": today.year,
    })


def _fixed_amount(category, settings):
    from .calc import MoneyError, compute_with_settings

    try:
        d = compute_with_settings("0", category, settings)
    except MoneyError:
        return None
    return d.amount if d.rate is None else None


@login_required
@require_http_methods(["GET", "POST"])
@pending_checks_first     # (the queue peeked before the findings: core.pending)
def person_dues(request, pk):
    """A member's dues: the ledger of the last two years, the 核定 and reductions; the branch sets them,
    the member declares a payment."""
    user = request.user
    person = get_restricted(request, Person.objects.select_related("org"), VIEW, pk=pk)
    may_change = person.org is not None and can_in_org(user, CHANGE, person.org)
    is_self = getattr(user, "person_id", None) == person.pk
    today = timezone.localdate()
    posted = request.POST.get("form") if request.method == "POST" else None
    base_form = BaseForm(request.POST if posted == "base" else None,
                         initial={"start": dt.date(today.year, 1, 1), "category": person.dues_category})
    ex_form = ExemptionForm(request.POST if posted == "exemption" else None, initial={"start": first_of(today)})
    declare_form = DeclareForm(request.POST if posted == "declare" else None,
                               initial={"month": first_of(today), "paid_on": today})
    if posted in ("base", "exemption") and not may_change:
        raise Http404("未找到，或不在您的管理范围内。")
    if posted == "declare" and not is_self:
        raise Http404("未找到，或不在您的管理范围内。")
    if posted == "base" and base_form.is_valid():
        d = base_form.cleaned_data
        try:
            row = actions.do_set_base(person, start=d["start"], category=d["category"], base=d["base"] or None,
                                      items=d["items"] or None, reason=d["reason"], acting_user=user)
        except ActionError as e:
            apply_action_error(base_form, e)
        else:
            messages.success(request, f"已核定：自{row.start:%Y年%m月}起每月应交{row.amount:.2f}元。")
            return redirect(request.path)
    if posted == "exemption" and ex_form.is_valid():
        d = ex_form.cleaned_data
        try:
            actions.do_record_exemption(person, kind=d["kind"], start=d["start"], end=d["end"], reason=d["reason"],
                                        approval=d["approval"], approved_on=d["approved_on"],
                                        amount=d["amount"] or None, acting_user=user)
        except ActionError as e:
            apply_action_error(ex_form, e)
        else:
            messages.success(request, "已登记党费减免。")
            return redirect(request.path)
    if posted == "declare" and declare_form.is_valid():
        d = declare_form.cleaned_data
        try:
            actions.do_declare_payment(person, month=d["month"], amount=d["amount"], paid_on=d["paid_on"],
                                       channel=d["channel"], note=d["note"], acting_user=user)
        except ActionError as e:
            apply_action_error(declare_form, e)
        else:
            messages.success(request, "已申报，待党支部收缴人确认。")
            return redirect(request.path)
    settings = engine.effective_settings()
    acc = accounts(Person.objects.filter(pk=person.pk), today, settings, until=first_of(today)).get(person.pk)
    shown = list(reversed(acc.months[-24:])) if acc else []
    run = acc.upto(last_ended_month(today)) if acc else None
    from dangjian.core.models import Finding, FindingState

    findings = list(Finding.objects.restrict(user, VIEW).filter(person=person, state=FindingState.OPEN,
                                                                rule_id__startswith="FEE-"))
    return render(request, "dues/person.html", {
        "person": person, "findings": findings, "months": shown, "owing": len(run.current_run()) if run else 0,
        "bases": DuesBase.objects.filter(person=person).order_by("-start")[:10],
        "exemptions": DuesExemption.objects.filter(person=person).order_by("-start"),
        "declared": DuesPayment.objects.filter(person=person, state=PaymentState.DECLARED).order_by("-month"),
        "central": DuesPayment.objects.restrict(user, VIEW).filter(person=person, extra__gte=Decimal("1000.00"),
                                                                   state=PaymentState.CONFIRMED).order_by("-month"),
        "may_change": may_change, "is_self": is_self, "base_form": base_form, "ex_form": ex_form,
        "declare_form": declare_form, "nav_active": NAV,
    })


@login_required
@require_GET
def my_dues(request):
    if not getattr(request.user, "person_id", None):
        return redirect("dues:collect")
    return redirect("dues:person", pk=request.user.person_id)


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """A subtree's collection by month for a year, the arrears, the publication; 台账 as Excel or PDF."""
    user = request.user
    today = timezone.localdate()
    roots = Org.objects.restrict(user, VIEW).order_by("path")
    org = None
    if (pk := id_param(request.GET.get("org"))) is not None:
        org = get_restricted(request, Org, VIEW, pk=pk)
    else:
        org = roots.first()
    year = ascii_int(request.GET.get("year"), default=today.year)
    year = min(max(year, 2000), today.year)
    if org is None:
        return render(request, "dues/report.html", {"org": None, "nav_active": NAV, "year": year})
    publish_form = None
    if can_in_org(user, CHANGE, org):
        publish_form = PublishForm(request.POST or None, initial={"year": year, "published_on": today})
        if request.method == "POST" and publish_form.is_valid():
            d = publish_form.cleaned_data
            try:
                actions.do_publish(org, year=d["year"], published_on=d["published_on"], note=d["note"],
                                   acting_user=user)
            except ActionError as e:
                apply_action_error(publish_form, e)
            else:
                messages.success(request, f"已登记{org.name}{d['year']}年党费收缴情况的公布。")
                return redirect(f"{request.path}?org={org.pk}&year={d['year']}")
    elif request.method == "POST":
        raise Http404("未找到，或不在您的管理范围内。")
    data = reports.collection(org, year, user, today)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        return download(reports.ledger_xlsx(data), XLSX, f"{org.name}-{year}年党费收缴台账.xlsx",
                        f"dues-ledger-{org.pk}-{year}.xlsx")
    if fmt == "pdf":
        return download(reports.ledger_pdf(data), PDF, f"{org.name}-{year}年党费收缴台账.pdf",
                        f"dues-ledger-{org.pk}-{year}.pdf")
    if fmt == "notice":
        return render(request, "dues/notice.html", data)
    return render(request, "dues/report.html", dict(data, nav_active=NAV, roots=roots[:200], publish_form=publish_form,
                                                    publication=DuesPublication.objects.filter(org=org, year=year).first()))


@login_required
@require_http_methods(["POST"])
def remit(request, pk):
    """FEE-11: mark a large voluntary extra as handed on to the Central Committee."""
    pay = get_restricted(request, DuesPayment.objects.select_related("person", "org"), CHANGE, pk=pk)
    try:
        on = dt.date.fromisoformat(request.POST.get("on") or timezone.localdate().isoformat())
        actions.do_mark_remitted(pay, on=on, acting_user=request.user)
    except (ValueError, ActionError) as e:
        messages.error(request, getattr(e, "message", "日期格式应为 YYYY-MM-DD。"))
    else:
        messages.success(request, "已登记上缴中央。")
    return redirect(reverse("dues:person", kwargs={"pk": pay.person_id}))


__all__ = ["collect", "person_dues", "my_dues", "report", "remit", "last_ended_month"]


@login_required
@require_http_methods(["GET", "POST"])
def payroll_items(request):
    """FEE-15: which payroll items count in the dues base — readable by everyone who 核定 dues, kept by the
    工委 (the official defaults until it changes them)."""
    from dangjian.core.actions import _may_edit_settings

    from .calc import DEFAULT_PAYROLL_ITEMS
    from .choices import Treatment
    from .forms import PayrollItemForm
    from .models import PayrollItem

    editable = _may_edit_settings(request.user)
    form = PayrollItemForm(request.POST or None) if editable else None
    if request.method == "POST":
        if not editable:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            d = form.cleaned_data
            try:
                item = actions.do_set_payroll_item(d["name"], d["treatment"], d["note"], acting_user=request.user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已保存：{item}。")
                return redirect(request.path)
    items = list(PayrollItem.objects.all()) or [PayrollItem(name=n, treatment=t) for n, t in DEFAULT_PAYROLL_ITEMS]
    groups = [(label, [i for i in items if i.treatment == value]) for value, label in Treatment.choices]
    return render(request, "dues/payroll_items.html", {"groups": groups, "form": form, "nav_active": NAV})
