"""组织处置 screens: the list of the user's scope, the opening form (from a 不合格 grade on the 民主评议
page or from the person's page), and one page per disposition with the DISP-04 procedure as a
timeline and the one step allowed next as a form. Every query goes through `restrict()`; out of
scope answers 404; a refused step keeps what was typed."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.models import AuditEvent, Finding, FindingState
from dangjian.core.params import id_param
from dangjian.core.pending import pending_checks_first
from dangjian.core.permissions import ADD, CHANGE, VIEW, VIEW_AUDIT, can_in_org
from dangjian.core.views import _org_picker, get_restricted
from dangjian.orglife.models import Appraisal, AppraisalGrade
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from . import actions
from .choices import SUGGESTED_MEASURE, TRIGGERS, Ground, Measure, Outcome, State
from .filtersets import DispositionFilterSet
from .forms import STEP_FORMS, ApproveForm, CancelForm, OpenForm, VoteForm
from .models import STEPS, Disposition
from .rules import DISP01, DISP02, DISP03, DISP04
from .tables import DispositionTable

NAV = "dispositions"
# The audit verb written by each step (the timeline's "who recorded it").
STEP_VERBS = {"committee": "disposition.open", "filed": "disposition.file", "investigated": "disposition.investigate",
              "vote": "disposition.vote", "approved": "disposition.approve"}


def _ancestors(org, user):
    from dangjian.orgs.views import _ancestors as chain

    return chain(org, user)


def _url(d):
    return reverse("dispositions:disposition_detail", kwargs={"pk": d.pk})


@login_required
@require_GET
def disposition_list(request):
    user = request.user
    data = request.GET.copy()
    org = None
    if (pk := id_param(data.get("org"))) is not None:
        org = get_restricted(request, Org, VIEW, pk=pk)
        data["within"] = str(org.pk)
    base = Disposition.objects.restrict(user, VIEW).select_related("person", "org")
    fs = DispositionFilterSet(data, queryset=base)
    _org_picker(fs.form.fields["within"])
    for name in ("state", "measure"):
        fs.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
    fs.form.fields["year"].widget.attrs.update({"class": "form-control form-control-sm", "placeholder": "启动年度"})
    table = DispositionTable(fs.qs if fs.is_valid() else base.none())
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    person = None
    if (pk := id_param(data.get("person"))) is not None:
        person = Person.objects.restrict(user, VIEW).filter(pk=pk).first()
    return render(request, "dispositions/list.html", {
        "filter": fs, "table": table, "org": org, "person": person, "nav_active": NAV,
        "ancestors": _ancestors(org, user) if org else [],
        "may_add_person": person is not None and person.org is not None and can_in_org(user, ADD, person.org),
    })


def _suggestions(person):
    """DISP-03: open findings of other rules that describe a disposition situation (REL-01 …), with
    the grounds and measure they suggest — shown here instead of a second warning."""
    rows = Finding.objects.filter(person=person, state=FindingState.OPEN,
                                  rule_id__in={rule for rule, _ in TRIGGERS}).order_by("rule_id")
    out = []
    for f in rows:
        for g in TRIGGERS.get((f.rule_id, f.severity), ()):
            out.append({"rule": f.rule_id, "message": f.message, "grounds": g, "grounds_label": Ground(g).label,
                        "measure": SUGGESTED_MEASURE.get(g), "measure_label": Measure(SUGGESTED_MEASURE[g]).label})
    return out


@login_required
@require_http_methods(["GET", "POST"])
def disposition_create(request):
    """启动组织处置 for `?person=` (and, from the 民主评议 page, `&appraisal=` the appraisal whose
    不合格 grade triggered it)."""
    user = request.user
    src = request.POST if request.method == "POST" else request.GET
    pid = src.get("person") or request.GET.get("person") or ""
    if id_param(pid) is None:
        from django.http import Http404

        raise Http404("请从党员页面或民主评议页面启动组织处置。")
    person = get_restricted(request, Person.objects.select_related("org"), ADD, pk=id_param(pid))
    grade = None
    appraisal_id = src.get("appraisal") or request.GET.get("appraisal") or ""
    if id_param(appraisal_id) is not None:
        grade = (AppraisalGrade.objects.filter(appraisal__in=Appraisal.objects.restrict(user, VIEW),
                                               appraisal_id=id_param(appraisal_id), person=person)
                 .select_related("appraisal").first())
    initial = {"measure": request.GET.get("measure") or "", "grounds": request.GET.get("grounds") or ""}
    if grade is not None and not initial["grounds"]:
        initial.update(grounds=Ground.APPRAISAL_UNQUALIFIED, measure=Measure.CORRECTION,
                       facts=f"{grade.appraisal.year}年民主评议党员被评为{grade.get_grade_display() or '—'}。")
    if initial["grounds"] in SUGGESTED_MEASURE and not initial["measure"]:
        initial["measure"] = SUGGESTED_MEASURE[initial["grounds"]]
    form = OpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            d = actions.do_open_disposition(person=person, measure=c["measure"], grounds=c["grounds"], facts=c["facts"],
                                            committee_date=c["committee_date"], appraisal_grade=grade,
                                            sanctioned_for_same_issue=c["sanctioned_for_same_issue"],
                                            acting_user=user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已启动对{person.name}的组织处置（{d.get_measure_display()}）。")
            return redirect(_url(d))
    return render(request, "dispositions/create.html", {
        "form": form, "person": person, "grade": grade, "org": person.org, "nav_active": NAV,
        "ancestors": _ancestors(person.org, user) if person.org else [],
        "suggestions": _suggestions(person), "disp01": DISP01, "disp03": DISP03, "disp04": DISP04,
        "suggested": [(Ground(g).label, Measure(m).label) for g, m in SUGGESTED_MEASURE.items()],
        "cancel_url": reverse("people:person_detail", kwargs={"pk": person.pk}),
    })


def _timeline(d: Disposition, user) -> list[dict]:
    actors = {}
    if can_in_org(user, VIEW_AUDIT, d.org):
        for verb, actor in (AuditEvent.objects.filter(object_type=Disposition._meta.label_lower, object_id=str(d.pk))
                            .select_related("actor").order_by("created").values_list("verb", "actor__username")):
            actors.setdefault(verb, actor)
    rows = []
    for key, field, who, what in STEPS:
        day = getattr(d, field)
        row = {"key": key, "date": day, "who": who, "what": what, "by": actors.get(STEP_VERBS[key])}
        if key == "vote" and d.vote_eligible is not None:
            row["tally"] = (f"应到{d.vote_eligible}人，实到{d.vote_present}人；赞成{d.vote_yes}、反对{d.vote_no or 0}、"
                            f"弃权{d.vote_abstain or 0}：{'通过' if d.vote_passed else '未通过'}")
        if key == "investigated" and d.investigation_note:
            row["note"] = d.investigation_note
        rows.append(row)
    return rows


def _step_form(d: Disposition, step: str | None, data=None):
    if step is None:
        return None
    cls = STEP_FORMS[step]
    kwargs = {"prefix": "step"}
    if cls is ApproveForm:
        kwargs["correction"] = d.measure == Measure.CORRECTION
    form = cls(data, **kwargs)
    if cls is VoteForm and data is None:
        from dangjian.orglife.actions import can_vote_on, members_on

        day = timezone.localdate()
        eligible = sum(1 for p in members_on(d.org, day) if can_vote_on(p, day))
        form.initial.setdefault("eligible", eligible)
    return form


@login_required
@require_http_methods(["GET", "POST"])
@pending_checks_first     # (the queue peeked before the findings: core.pending)
def disposition_detail(request, pk):
    user = request.user
    d = get_restricted(request, Disposition.objects.select_related("person", "org", "appraisal_grade__appraisal"),
                       VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, d.org)
    step = actions.next_step(d) if may_change else None
    form = _step_form(d, step)
    if request.method == "POST":
        if not may_change:
            d = get_restricted(request, Disposition, CHANGE, pk=pk)   # 404 for a member or the outsider
        if request.POST.get("step") != step:
            messages.error(request, "该步骤已由他人办理或不再适用，请查看最新情况。")
            return redirect(_url(d))
        form = _step_form(d, step, request.POST)
        if form.is_valid():
            c = dict(form.cleaned_data)
            try:
                _do(d, step, c, user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                d.refresh_from_db()
                messages.success(request, f"已登记：{actions.STEP_LABELS[step]}。当前状态：{d.get_state_display()}。")
                return redirect(_url(d))
    today = timezone.localdate()
    findings = list(Finding.objects.restrict(user, VIEW).filter(
        person=d.person, state=FindingState.OPEN, rule_id__startswith="DISP-"))
    follow_up = None
    if d.outcome == Outcome.NO_CHANGE:
        follow_up = (Measure.PERSUADE_WITHDRAW, Ground.CORRECTION_FAILED, "限期改正期满仍无转变的，劝其退党")
    elif d.outcome == Outcome.REFUSED:
        follow_up = (Measure.EXPEL, Ground.REFUSED_WITHDRAW, "劝而不退的，予以除名")
    return render(request, "dispositions/detail.html", {
        "d": d, "org": d.org, "ancestors": _ancestors(d.org, user), "nav_active": NAV, "timeline": _timeline(d, user),
        "step": step, "step_label": actions.STEP_LABELS.get(step, ""), "form": form, "may_change": may_change,
        "days_left": d.days_left(today), "barred": d.bars_reentry_on(today), "findings": findings,
        "may_cancel": may_change and d.state in (State.PROPOSED, State.FILED, State.INVESTIGATED, State.VOTED),
        "follow_up": follow_up, "disp02": DISP02, "disp04": DISP04, "procedure": actions.PROCEDURE,
        "bar_last_day": d.reentry_barred_until and d.reentry_barred_until - dt.timedelta(days=1),
    })


def _do(d, step, c, user):
    if step == "file":
        return actions.do_file_disposition(d, date=c["date"], acting_user=user)
    if step == "investigate":
        return actions.do_record_investigation(d, date=c["date"], note=c["note"], acting_user=user)
    if step == "vote":
        return actions.do_record_vote(d, date=c["date"], eligible=c["eligible"], present=c["present"], yes=c["yes"],
                                      no=c["no"] or 0, abstain=c["abstain"] or 0, acting_user=user)
    if step == "approve":
        return actions.do_approve_disposition(d, date=c["date"], approved=c["approved"], note=c["note"],
                                              correction_deadline=c.get("correction_deadline"), acting_user=user)
    if step == "close_correction":
        return actions.do_close_correction(d, date=c["date"], corrected=c["corrected"], note=c["note"],
                                           acting_user=user)
    if step == "withdrawal":
        return actions.do_record_withdrawal(d, date=c["date"], withdrew=c["withdrew"], note=c["note"],
                                            acting_user=user)
    raise ActionError("未知的步骤。")


@login_required
@require_http_methods(["GET", "POST"])
def disposition_cancel(request, pk):
    d = get_restricted(request, Disposition.objects.select_related("person", "org"), CHANGE, pk=pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_cancel_disposition(d, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已撤销对{d.person.name}的组织处置。")
            return redirect(_url(d))
    return render(request, "dispositions/simple_form.html", {
        "form": form, "org": d.org, "ancestors": _ancestors(d.org, request.user), "nav_active": NAV,
        "title": f"撤销组织处置：{d}", "submit": "确认撤销", "danger": True, "cancel_url": _url(d),
        "intro": "生效之前可以撤销（例如调查核实后不属于处置情形）。撤销理由记入操作记录。",
    })
