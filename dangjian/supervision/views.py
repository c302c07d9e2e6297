"""督责 screens: the plans (a random one shows its seed and its sample), the 问题清单 of the user's scope
(state, deadline, overdue first), and one page per problem: its history from the audit trail (every step
with who and when), evidence and 申请销号 for the org that rectifies, 销号 or 退回 and 回头看 for the
issuing level. Every query goes through `restrict()`; out of scope is 404."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import F, Q
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.models import AuditEvent
from dangjian.core.params import id_param
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from . import actions
from .choices import State
from .forms import (EvidenceForm, PlanForm, ProblemForm, RecheckForm, ReplyForm, SendBackForm, SuggestionForm,
                    ToProblemForm)
from .models import Rectification, Suggestion, SupervisionPlan

NAV = "supervision"


def _url(r):
    return reverse("supervision:rectification_detail", kwargs={"pk": r.pk})


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request):
    user = request.user
    plans = SupervisionPlan.objects.restrict(user, VIEW).select_related("issuing_org", "scope")
    orgs = Org.objects.restrict(user, CHANGE).exclude(type__in=("branch", "group")).order_by("path")
    form = PlanForm(request.POST or None, orgs=orgs, initial={"start": timezone.localdate()}) if orgs.exists() else None
    if request.method == "POST":
        if form is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = actions.do_create_plan(acting_user=user, **d)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已创建督查“{plan.title}”。")
                return redirect("supervision:supervisionplan_detail", pk=plan.pk)
    return render(request, "supervision/plan_list.html", {"plans": plans[:200], "form": form, "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request, pk):
    user = request.user
    plan = get_restricted(request, SupervisionPlan.objects.select_related("issuing_org", "scope"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, plan.issuing_org)
    sampled = list(plan.sampled.order_by("path"))
    targets = actions.plan_targets(plan).order_by("path")
    if request.method == "POST" and request.POST.get("form") == "compliant":
        if not may_change:
            raise Http404("未找到，或不在您的管理范围内。")
        org_id = request.POST.get("org") or ""
        org = targets.filter(pk=id_param(org_id)).first() if id_param(org_id) is not None else None
        try:
            if org is None:
                raise ActionError("该党组织不在本次督查范围（或随机抽查的党支部）内。")
            actions.do_record_compliant(plan, org=org, item=request.POST.get("item", ""), date=timezone.localdate(),
                                        acting_user=user)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, f"已登记：{org.name}“{request.POST.get('item')}”符合要求。")
        return redirect(request.path)
    form = ProblemForm(request.POST or None, orgs=targets, items=plan.checklist_items,
                       people=Person.objects.filter(org__in=targets, status__in=list(MEMBER_STATUSES)).order_by("name"),
                       initial={"found": timezone.localdate()}) if may_change else None
    if request.method == "POST":
        if form is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            d = form.cleaned_data
            try:
                r = actions.do_record_problem(plan=plan, acting_user=user, **d)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已登记问题，{r.deadline:%Y-%m-%d}前整改。")
                return redirect(request.path)
    problems = plan.problems.select_related("org").order_by("org__path", "pk")
    # 督查记录 as a grid: the orgs inspected (the sample, or those with a record) × the checklist items.
    items = plan.checklist_items
    records = {(i.org_id, i.item): i for i in plan.inspections.all()}
    # (every branch a 日常/集中督查 or 巡察 covers, and any other org with a record: what is still unchecked shows)
    grid_orgs = sampled if plan.seed else list(targets.filter(Q(type="branch") | Q(pk__in={o for o, _ in records}))[:500])
    grid = [(o, [(item, records.get((o.pk, item))) for item in items]) for o in grid_orgs]
    return render(request, "supervision/plan_detail.html", {"plan": plan, "sampled": sampled, "form": form,
                                                            "problems": problems, "grid": grid, "items": items,
                                                            "may_change": may_change, "nav_active": NAV})


@login_required
def rectification_list(request):
    user = request.user
    today = timezone.localdate()
    qs = Rectification.objects.restrict(user, VIEW).select_related("org", "plan")
    state = request.GET.get("state")
    if state in State.values:
        qs = qs.filter(state=state)
    if request.GET.get("overdue"):
        qs = qs.exclude(state=State.CLOSED).filter(deadline__lt=today)
    rows = list(qs.order_by("state", "deadline", "pk")[:500])
    # The 整改清单 of 组织生活会 / 民主生活会 (recorded with their meeting) are listed here too: one place to
    # see everything still being rectified.
    from dangjian.orglife.models import RectificationItem

    meeting_items = list(RectificationItem.objects.restrict(user, VIEW).filter(closed__isnull=True)
                         .select_related("meeting__org").order_by("deadline", "pk")[:300])
    unanswered = Suggestion.objects.restrict(user, VIEW).filter(replied__isnull=True).count()
    return render(request, "supervision/rectification_list.html", {
        "rows": rows, "today": today, "state": state, "overdue": request.GET.get("overdue"), "states": State.choices,
        "meeting_items": meeting_items, "unanswered": unanswered, "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_list(request):
    """意见建议, 事事有回应: unanswered first with the days left; reply, or put one on the problem list."""
    from dangjian.core import engine

    user = request.user
    today = timezone.localdate()
    orgs = Org.objects.restrict(user, CHANGE).exclude(type="group")
    posted = request.POST.get("form") if request.method == "POST" else None
    form = SuggestionForm(request.POST if posted == "suggestion" else None, orgs=orgs,
                          initial={"received": today}) if orgs.exists() else None
    reply = ReplyForm(request.POST if posted == "reply" else None, initial={"replied": today})
    to_problem = ToProblemForm(request.POST if posted == "problem" else None)
    failed = None
    try:
        if posted == "suggestion":
            if form is None:
                raise Http404("未找到，或不在您的管理范围内。")
            if form.is_valid():
                actions.do_record_suggestion(acting_user=user, **form.cleaned_data)
                messages.success(request, "已登记。")
                return redirect(request.path)
        elif posted in ("reply", "problem"):
            s = get_restricted(request, Suggestion.objects.select_related("org"), CHANGE, pk=request.POST.get("suggestion") or 0)
            failed = (posted, s.pk)
            f = reply if posted == "reply" else to_problem
            if f.is_valid():
                if posted == "reply":
                    actions.do_reply_suggestion(s, acting_user=user, **f.cleaned_data)
                    messages.success(request, "已回应。")
                else:
                    actions.do_suggestion_to_problem(s, acting_user=user, **f.cleaned_data)
                    messages.success(request, "已列入问题清单。")
                return redirect(request.path)
    except ActionError as e:
        target = {"suggestion": form, "reply": reply, "problem": to_problem}[posted]
        apply_action_error(target, e)
    days = int(engine.effective_settings().get("sup_reply_days") or 30)
    rows = list(Suggestion.objects.restrict(user, VIEW).select_related("org", "rectification")
                .order_by(F("replied").asc(nulls_first=True), "received", "pk")[:500])
    for s in rows:
        s.may_change = can_in_org(user, CHANGE, s.org)
        s.due = s.received + dt.timedelta(days=days)
    return render(request, "supervision/suggestion_list.html", {
        "rows": rows, "form": form, "reply": reply, "to_problem": to_problem, "failed": failed, "today": today,
        "days": days, "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def rectification_detail(request, pk):
    user = request.user
    r = get_restricted(request, Rectification.objects.select_related("org", "issuing_org", "plan", "owner"), VIEW, pk=pk)
    may_rectify = can_in_org(user, CHANGE, r.org)
    may_approve = actions.may_approve(user, r)
    posted = request.POST.get("form") if request.method == "POST" else None
    evidence = EvidenceForm(request.POST if posted == "evidence" else None, initial={"evidence": r.evidence})
    send_back = SendBackForm(request.POST if posted == "send_back" else None)
    recheck = RecheckForm(request.POST if posted == "recheck" else None, initial={"on": timezone.localdate(), "held": "1"})
    if posted in ("evidence", "request") and not may_rectify:
        raise Http404("未找到，或不在您的管理范围内。")
    if posted in ("approve", "send_back", "recheck") and not may_approve:
        raise Http404("未找到，或不在您的管理范围内。")
    try:
        if posted == "evidence" and evidence.is_valid():
            from django.db import transaction

            with transaction.atomic():     # (the evidence and the request together, or neither)
                actions.do_add_evidence(r, evidence=evidence.cleaned_data["evidence"], acting_user=user)
                if request.POST.get("and_request"):
                    actions.do_request_closure(r, acting_user=user)
            messages.success(request, "已提交整改成效并申请销号，等待上级审核。" if request.POST.get("and_request")
                             else "已保存整改成效。")
            return redirect(_url(r))
        if posted == "request":
            actions.do_request_closure(r, acting_user=user)
            messages.success(request, "已申请销号，等待上级审核。")
            return redirect(_url(r))
        if posted == "approve":
            actions.do_approve_closure(r, acting_user=user)
            messages.success(request, "已审核销号。")
            return redirect(_url(r))
        if posted == "send_back" and send_back.is_valid():
            actions.do_send_back(r, reason=send_back.cleaned_data["reason"], acting_user=user)
            messages.success(request, "已退回，继续整改。")
            return redirect(_url(r))
        if posted == "recheck" and recheck.is_valid():
            d = recheck.cleaned_data
            actions.do_recheck(r, on=d["on"], held=d["held"], note=d["note"], acting_user=user)
            messages.success(request, "已登记回头看。")
            return redirect(_url(r))
    except ActionError as e:
        form = {"evidence": evidence, "send_back": send_back, "recheck": recheck}.get(posted)
        if form is not None:
            apply_action_error(form, e)
        else:
            messages.error(request, e.message)
    history = AuditEvent.objects.filter(object_type="supervision.rectification", object_id=str(r.pk)).select_related(
        "actor").order_by("created", "pk")
    return render(request, "supervision/rectification_detail.html", {
        "r": r, "history": history, "may_rectify": may_rectify and r.state == State.OPEN,
        "may_approve": may_approve, "evidence": evidence, "send_back": send_back, "recheck": recheck,
        "today": timezone.localdate(), "nav_active": NAV})
