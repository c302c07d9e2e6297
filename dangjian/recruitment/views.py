"""发展党员 screens: the pipeline of the user's scope (people per stage, what is due next and by when),
the opening form, and one page per person: the five stages as a timeline with every recorded step
(corrections shown, not hidden), the steps that may come next with their dates, and one form to record
a step. Every query goes through `restrict()`; out of scope answers 404; a refused step keeps what was
typed and says why, quoting the article."""
from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.models import Finding, FindingState
from dangjian.core.params import ascii_int, id_param
from dangjian.core.pending import pending_checks_first
from dangjian.core.permissions import ADD, CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.choices import OrgType
from dangjian.orgs.models import Org
from dangjian.people.choices import Status
from dangjian.people.models import Person

from . import actions
from .choices import STAGES, Step
from .forms import STEP_FIELDS, CorrectForm, OpenForm, StepForm
from .models import RecruitmentEvent, RecruitmentFile, RecruitmentPlan
from .rules import load_facts
from .workflow import dues, stage_of

NAV = "recruitment"
APPROVER_TYPES = (OrgType.COMMITTEE, OrgType.WORK_COMMITTEE, OrgType.LEADING_GROUP)


def _url(f):
    return reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})


@login_required
@require_http_methods(["GET", "POST"])
def file_list(request):
    """The pipeline: open files per stage, each with its next step and deadline; who becomes eligible
    for a next step within 30 or 90 days (a year as an activist, the end of probation); overdue cases;
    and for one org the year's plan (发展计划) against the approvals recorded."""
    user = request.user
    files = RecruitmentFile.objects.restrict(user, VIEW).filter(closed__isnull=True)
    org = None
    if (pk := id_param(request.GET.get("org"))) is not None:
        org = get_restricted(request, Org, VIEW, pk=pk)
        files = files.filter(org__path__startswith=org.path)
    today = timezone.localdate()
    plan_form = analysis_form = None
    if org is not None:
        plan_form, analysis_form = _plan(request, org, today.year)
        if plan_form is None:
            return redirect(f"{request.path}?org={org.pk}")
    facts = load_facts(files)
    by_file = {c.file_id: c for c in facts.cases}
    settings = engine.effective_settings()      # (once, not once per file)
    rows = []
    for f in files.select_related("person", "org").order_by("org__path", "person__name"):
        case = by_file.get(f.pk)
        if case is None:
            continue
        nxt = dues(case, facts, settings)
        deadlines = sorted((d for d in nxt if d.window.latest), key=lambda d: d.window.latest)
        opening = sorted((d for d in nxt if d.window.earliest > today), key=lambda d: d.window.earliest)
        soonest = deadlines[0] if deadlines else (nxt[0] if nxt else None)
        rows.append({"file": f, "stage": stage_of(case), "next": soonest,
                     "days_left": (soonest.window.latest - today).days if soonest and soonest.window.latest else None,
                     "opens": opening[0] if opening else None,
                     "opens_in": (opening[0].window.earliest - today).days if opening else None})
    counts = [(i, name, sum(1 for r in rows if r["stage"] == i)) for i, (name, _) in enumerate(STAGES)]
    overdue_n = sum(1 for r in rows if r["days_left"] is not None and r["days_left"] < 0)
    stage, soon, overdue = request.GET.get("stage"), request.GET.get("soon"), request.GET.get("overdue")
    if (n := ascii_int(stage)) is not None:
        rows = [r for r in rows if r["stage"] == n]
    if soon in ("30", "90"):
        rows = [r for r in rows if r["opens_in"] is not None and r["opens_in"] <= int(soon)]
    if overdue:
        rows = [r for r in rows if r["days_left"] is not None and r["days_left"] < 0]
    plan = actual = None
    if org is not None:
        plan = RecruitmentPlan.objects.filter(org=org, year=today.year).first()
        actual = RecruitmentEvent.objects.filter(step=Step.APPROVAL, voided_at__isnull=True, date__year=today.year,
                                                 file__org__path__startswith=org.path).count()
    return render(request, "recruitment/list.html", {
        "rows": rows, "counts": counts, "stage": stage, "soon": soon, "overdue": overdue, "overdue_n": overdue_n,
        "org": org, "nav_active": NAV, "year": today.year, "plan": plan, "actual": actual, "plan_form": plan_form,
        "analysis_form": analysis_form,
        "may_add": Person.objects.restrict(user, ADD).exists(),
        "orgs": Org.objects.restrict(user, VIEW).filter(type__in=APPROVER_TYPES).order_by("path")[:50],
    })


def _plan(request, org, year):
    """The plan form and the yearly analysis form for `org` (False, False: not the user's to change;
    None for the plan form after a successful save of either: the caller redirects)."""
    from .forms import AnalysisForm, PlanForm

    if not can_in_org(request.user, CHANGE, org):
        return False, False
    posted = request.POST.get("form", "plan") if request.method == "POST" else None
    form = PlanForm(request.POST if posted == "plan" else None, initial={"year": year})
    analysis = AnalysisForm(request.POST if posted == "analysis" else None,
                            initial={"year": year, "analyzed_on": timezone.localdate()})
    if posted == "plan" and form.is_valid():
        try:
            actions.do_set_plan(org=org, year=form.cleaned_data["year"], planned=form.cleaned_data["planned"],
                                note=form.cleaned_data["note"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已保存发展党员计划。")
            return None, None
    if posted == "analysis" and analysis.is_valid():
        d = analysis.cleaned_data
        try:
            actions.do_record_analysis(org=org, year=d["year"], analyzed_on=d["analyzed_on"], analysis=d["analysis"],
                                       acting_user=request.user)
        except ActionError as e:
            apply_action_error(analysis, e)
        else:
            messages.success(request, "已登记积极分子队伍分析。")
            return None, None
    return form, analysis


@login_required
@require_http_methods(["GET", "POST"])
def file_create(request):
    user = request.user
    people = Person.objects.restrict(user, ADD)
    form = OpenForm(request.POST or None, people=people,
                    initial={"person": request.GET.get("person")} if request.method == "GET" else None)
    if request.method == "POST" and form.is_valid():
        try:
            f = actions.do_open_file(person=form.cleaned_data["person"],
                                     application_date=form.cleaned_data["application_date"], acting_user=user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已建立{f.person.name}的发展党员纪实。")
            return redirect(_url(f))
    return render(request, "recruitment/create.html", {"form": form, "nav_active": NAV})


def _step_form(request, f, case, facts, data=None):
    members = Person.objects.restrict(request.user, VIEW).filter(
        status=Status.FULL, org__path__startswith=f.org.path).order_by("name")
    prefixes = [f.org.path[:i] for i in range(Org.steplen, len(f.org.path), Org.steplen)]
    approvers = Org.objects.filter(path__in=prefixes, type__in=APPROVER_TYPES, village_or_community=False)
    steps = [d.step for d in dues(case, facts)]
    return StepForm(data, steps=steps, members=members, approvers=approvers,
                    initial={"step": steps[0] if steps else None})


@login_required
@require_http_methods(["GET", "POST"])
@pending_checks_first     # (the queue peeked before the findings: core.pending)
def file_detail(request, pk):
    user = request.user
    f = get_restricted(request, RecruitmentFile.objects.select_related("person", "org"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, f.org)
    facts = load_facts(RecruitmentFile.objects.filter(pk=f.pk))
    case = facts.cases[0]
    # A confirmed member's file is closed but still takes its archiving (DEV-26).
    open_for_steps = not f.closed or (case.has(Step.CONFIRM_APPROVAL) and not case.has(Step.ARCHIVE))
    form = _step_form(request, f, case, facts, request.POST if request.method == "POST" and may_change else None)
    if request.method == "POST" and may_change and open_for_steps and form.is_valid():
        step = form.cleaned_data["step"]
        try:
            actions.do_record_step(f, step, form.cleaned_data["date"], acting_user=user, **form.action_data())
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记：{Step(step).label}。")
            return redirect(_url(f))
    events = list(f.events.select_related("entered_by", "approver").prefetch_related("persons").order_by("date", "pk"))
    by_step = {}
    for e in events:
        by_step.setdefault(e.step, []).append(e)
    stages = [(name, [(Step(s), by_step.get(s, [])) for s in steps]) for name, steps in STAGES]
    today = timezone.localdate()
    due = [{"due": d, "days_left": (d.window.latest - today).days if d.window.latest else None,
            "opens_in": (d.window.earliest - today).days if d.window.earliest > today else None}
           for d in dues(case, facts)] if open_for_steps else []
    findings = list(Finding.objects.restrict(user, VIEW).filter(
        person=f.person, state=FindingState.OPEN, rule_id__startswith="DEV-"))
    shown_for = {}
    for step, names in STEP_FIELDS.items():
        for name in names:
            shown_for.setdefault(name, []).append(str(step))
    fields = [(bf, json.dumps(shown_for[bf.name]) if bf.name in shown_for else "") for bf in form
              if bf.name not in ("step", "date")]
    from .documents import available

    return render(request, "recruitment/detail.html", {
        "fields": fields, "documents": available(f),
        "f": f, "stages": stages, "due": due, "form": form if may_change and open_for_steps else None,
        "may_change": may_change, "findings": findings, "nav_active": NAV, "step_fields": STEP_FIELDS,
        "current_stage": STAGES[stage_of(case)][0],
        "may_cancel": may_change and not f.closed and case.has(Step.APPROVAL) and not case.has(Step.CONFIRM_APPROVAL),
        "may_stop": may_change and not f.closed and not case.has(Step.APPROVAL),
        "leave_form": _leave_form(request, f) if may_change and not f.closed else None,
    })


def _leave_form(request, f):
    from .forms import PlannedLeaveForm

    # (after a refusal the page comes back with what was typed: ?leave=…)
    typed = request.GET.get("leave")
    return PlannedLeaveForm(initial={"planned_leave": typed[:20] if typed is not None else f.planned_leave})


@login_required
@require_http_methods(["POST"])
def file_planned_leave(request, pk):
    """预计离开本单位日期 (DEV-13), set or cleared from the file page."""
    from .forms import PlannedLeaveForm

    f = get_restricted(request, RecruitmentFile.objects.select_related("person", "org"), CHANGE, pk=pk)
    form = PlannedLeaveForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_planned_leave(f, planned_leave=form.cleaned_data["planned_leave"], acting_user=request.user)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "已保存预计离开本单位日期。")
            return redirect(_url(f))
    else:
        messages.error(request, "预计离开本单位日期：" + "；".join(m for errs in form.errors.values() for m in errs))
    from urllib.parse import urlencode

    return redirect(f"{_url(f)}?{urlencode({'leave': request.POST.get('planned_leave', '')})}#planned-leave")


@login_required
@require_http_methods(["GET", "POST"])
def file_stop(request, pk):
    """停止培养: the file ends before admission (the person stays 入党申请人)."""
    from .forms import StopForm

    f = get_restricted(request, RecruitmentFile.objects.select_related("person", "org"), CHANGE, pk=pk)
    form = StopForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_stop_cultivation(f, on=d["on"], basis=d["basis"], reason=d["reason"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已停止培养：{f.person.name}的发展党员纪实已结束。")
            return redirect(_url(f))
    return render(request, "recruitment/stop.html", {"form": form, "f": f, "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def event_correct(request, pk):
    user = request.user
    ev = get_restricted(request, RecruitmentEvent.objects.select_related("file__person", "file__org"), CHANGE, pk=pk)
    form = CorrectForm(request.POST or None, initial={"date": ev.date})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_correct_step(ev, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"],
                                    acting_user=user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已更正：{ev.get_step_display()}（原记录已作废并保留）。")
            return redirect(_url(ev.file))
    return render(request, "recruitment/correct.html", {"form": form, "ev": ev, "f": ev.file, "nav_active": NAV})


@login_required
@require_GET
def file_document(request, pk, kind):
    """One generated document of the file (docx), filled from its recorded steps."""
    from django.http import Http404, HttpResponse

    from . import documents

    f = get_restricted(request, RecruitmentFile.objects.select_related("person", "org"), VIEW, pk=pk)
    if kind not in dict(documents.available(f)):
        raise Http404("该纪实尚无此文书所需的环节记录。")
    label = documents.KINDS[kind].label
    response = HttpResponse(documents.render(f, kind),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{f.person.name}-{label}.docx')}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def file_cancel(request, pk):
    """取消预备党员资格 (DEV-22), after a branch vote and an approval above."""
    from .forms import CancelForm

    f = get_restricted(request, RecruitmentFile.objects.select_related("person", "org"), CHANGE, pk=pk)
    prefixes = [f.org.path[:i] for i in range(Org.steplen, len(f.org.path), Org.steplen)]
    approvers = Org.objects.filter(path__in=prefixes, type__in=APPROVER_TYPES, village_or_community=False)
    form = CancelForm(request.POST or None, approvers=approvers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_cancel_probation(f, vote_date=d["vote_date"], eligible=d["eligible"], present=d["present"],
                                        yes=d["yes"], written_yes=d.get("written_yes") or 0, approver=d["approver"],
                                        approved_on=d["approved_on"], reason=d["reason"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已取消{f.person.name}的预备党员资格。")
            return redirect(_url(f))
    return render(request, "recruitment/cancel.html", {"form": form, "f": f, "nav_active": NAV})
