"""组织关系 screens: transfers (issue a letter, confirm the report, cancel; record a transfer in), the
流动党员 with their contacts, and the 三清 view of a branch — each member's organisational life, dues
and 组织关系 on one line, with the way into a disposition where six months have passed. Every query goes
through `restrict()`; out of scope is 404; a refused form keeps what was typed."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.params import id_param
from dangjian.core.periods import add_months
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from . import actions
from .choices import Direction
from .forms import CancelForm, ContactForm, IssueForm, ReceiveForm, ReportForm
from .models import MobileContact, Transfer

NAV = "membership"
PICK_MAX = 300


def _managed_people(user):
    orgs = Org.objects.restrict(user, CHANGE)
    return Person.objects.filter(org__in=orgs, status__in=list(MEMBER_STATUSES)).order_by("name")


def _pick_org(request, action=VIEW):
    if (pk := id_param(request.GET.get("org"))) is not None:
        return get_restricted(request, Org, action, pk=pk)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def transfer_list(request):
    user = request.user
    org = _pick_org(request)
    qs = Transfer.objects.restrict(user, VIEW).select_related("person", "org", "from_org", "to_org")
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    today = timezone.localdate()
    people = _managed_people(user)
    if org is not None:
        people = people.filter(org__path__startswith=org.path)
    may_issue = people.exists()
    # (a choice among thousands helps nobody: above a branch's size, pick the organisation first)
    too_many = org is None and people[:PICK_MAX + 1].count() > PICK_MAX
    posted = request.POST.get("form") if request.method == "POST" else None
    issue = IssueForm(request.POST if posted == "issue" else None, people=people,
                      orgs=Org.objects.restrict(user, VIEW).filter(type__in=("branch", "general_branch", "committee"),
                                                                   dissolved__isnull=True).order_by("path")
                      if may_issue else None, initial={"letter_date": today})
    receive_people = Person.objects.filter(org__in=Org.objects.restrict(user, CHANGE)).order_by("name")
    if org is not None:
        receive_people = receive_people.filter(org__path__startswith=org.path)
    receive = ReceiveForm(request.POST if posted == "receive" else None, people=receive_people,
                          initial={"reported_on": today})
    if posted and (not may_issue or too_many):
        raise Http404("未找到，或不在您的管理范围内。")
    if posted == "issue" and issue.is_valid():
        d = issue.cleaned_data
        try:
            t = actions.do_issue_transfer_out(d["person"], to_name=d["to_name"], to_org=d["to_org"],
                                              letter_no=d["letter_no"], letter_date=d["letter_date"],
                                              valid_until=d["valid_until"], reason=d["reason"], acting_user=user)
        except ActionError as e:
            apply_action_error(issue, e)
        else:
            messages.success(request, f"已为{t.person.name}办理组织关系转出" + ("（已转入本系统内的党组织）。" if t.to_org_id
                                                                   else "，待接收党组织回执后确认报到。"))
            return redirect(reverse("membership:transfer_detail", kwargs={"pk": t.pk}))
    if posted == "receive" and receive.is_valid():
        d = receive.cleaned_data
        try:
            t = actions.do_receive_transfer_in(d["person"], from_name=d["from_name"], letter_no=d["letter_no"],
                                               letter_date=d["letter_date"], reported_on=d["reported_on"],
                                               acting_user=user)
        except ActionError as e:
            apply_action_error(receive, e)
        else:
            messages.success(request, f"已登记{t.person.name}转入。")
            return redirect(reverse("membership:transfer_detail", kwargs={"pk": t.pk}))
    rows = list(qs.order_by("reported_on", "cancelled_on", "-letter_date")[:500])
    return render(request, "membership/transfer_list.html", {
        "rows": rows, "today": today, "org": org, "issue": issue if may_issue and not too_many else None,
        "receive": receive if may_issue and not too_many else None, "posted": posted, "nav_active": NAV,
        "too_many": too_many, "orgs": Org.objects.restrict(user, CHANGE).filter(
            type__in=("branch", "general_branch", "committee")).order_by("path")[:300] if too_many else [],
        "pending": sum(1 for t in rows if t.pending),
        "lapsed": sum(1 for t in rows if t.pending and t.valid_until and t.valid_until < today),
    })


@login_required
@require_http_methods(["GET", "POST"])
def transfer_detail(request, pk):
    user = request.user
    t = get_restricted(request, Transfer.objects.select_related("person", "org", "from_org", "to_org"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, t.org)
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted and not may_change:
        raise Http404("未找到，或不在您的管理范围内。")
    report = ReportForm(request.POST if posted == "report" else None, initial={"reported_on": timezone.localdate()})
    cancel = CancelForm(request.POST if posted == "cancel" else None)
    if posted == "report" and report.is_valid():
        try:
            actions.do_confirm_report(t, reported_on=report.cleaned_data["reported_on"], acting_user=user)
        except ActionError as e:
            apply_action_error(report, e)
        else:
            messages.success(request, f"已确认{t.person.name}报到，组织关系转出办结。")
            return redirect(request.path)
    if posted == "cancel" and cancel.is_valid():
        try:
            actions.do_cancel_transfer(t, reason=cancel.cleaned_data["reason"], acting_user=user)
        except ActionError as e:
            apply_action_error(cancel, e)
        else:
            messages.success(request, "已撤销该介绍信。")
            return redirect(request.path)
    return render(request, "membership/transfer_detail.html", {
        "t": t, "may_change": may_change and t.pending and t.direction == Direction.OUT, "report": report,
        "cancel": cancel, "today": timezone.localdate(), "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def mobile(request):
    """流动党员: members away from their unit, the transfer or the contacts that keep them in reach."""
    user = request.user
    org = _pick_org(request)
    today = timezone.localdate()
    people = Person.objects.restrict(user, VIEW).filter(status__in=list(MEMBER_STATUSES), away_since__isnull=False)
    if org is not None:
        people = people.filter(org__path__startswith=org.path)
    people = list(people.select_related("org").order_by("away_since")[:1000])
    last = {}
    for pid, day in MobileContact.objects.filter(person_id__in=[p.pk for p in people]).order_by("date").values_list(
            "person_id", "date"):
        last[pid] = day
    went = {p.pk: p.away_since for p in people}     # a letter since going away (EDU-05, as the rule reads it)
    moved = {pid for pid, day in Transfer.objects.filter(person_id__in=list(went), direction=Direction.OUT,
                                                          cancelled_on__isnull=True)
             .values_list("person_id", "letter_date") if day and day >= went[pid]}
    form = ContactForm(request.POST or None, initial={"date": today})
    typed_for = None
    if request.method == "POST":
        pid = request.POST.get("person") or ""
        person = get_restricted(request, Person.objects.select_related("org"), VIEW, pk=id_param(pid, default=0))
        if person.org is None or not can_in_org(user, CHANGE, person.org):
            raise Http404("未找到，或不在您的管理范围内。")
        typed_for = person.pk
        if form.is_valid():
            try:
                actions.do_record_contact(person, acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已登记与{person.name}的联系。")
                return redirect(request.get_full_path())
    from dangjian.core import engine

    months = int(engine.effective_settings().get("mobile_contact_months") or 3)
    from .documents import away_document

    rows = [{"p": p, "months": _months_between(p.away_since, today), "fixed": p.away_fixed_location,
             "document": away_document(p.away_since, p.away_fixed_location, today),
             "last": last.get(p.pk), "moved": p.pk in moved,
             "overdue": p.pk not in moved and add_months(p.away_since, 6) <= today and
             (last.get(p.pk) is None or last[p.pk] <= add_months(today, -months))} for p in people]
    return render(request, "membership/mobile.html", {"rows": rows, "form": form, "org": org, "nav_active": NAV,
                                                       "months": months, "typed_for": typed_for,
                                                       "typed": request.POST if typed_for else {},
                                                       "today": today.isoformat()})


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0)


@login_required
def sanqing(request):
    """三清 of one branch: each member's organisational life (months since they last took part), dues (months
    owed) and 组织关系 (in place, letter pending, away, lost contact)."""
    from . import sanqing as sq

    user = request.user
    org = _pick_org(request)
    if org is None:
        org = Org.objects.restrict(user, VIEW).filter(type="branch").order_by("path").first()
    if org is None:
        return render(request, "membership/sanqing.html", {"org": None, "nav_active": NAV})
    people = Person.objects.restrict(user, VIEW).filter(org=org, status__in=list(MEMBER_STATUSES)).order_by("name")
    rows = sq.rows(people, timezone.localdate())
    return render(request, "membership/sanqing.html", {
        "org": org, "rows": rows, "nav_active": NAV, "may_dispose": can_in_org(user, CHANGE, org),
        "branches": Org.objects.restrict(user, VIEW).filter(type="branch").order_by("path")[:300]})
