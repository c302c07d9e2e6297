"""履责 screens: the tasks of the user's scope (overdue first; confirm the records that evidence one, mark
it done with what was achieved) and the 基层党建联系点 with their visits (a leader present at the branch's
meetings counts without being typed again). 明责 screens: the year's 责任清单 templates (drafted and published by the issuing level) and the
责任书 instantiated from them; one 责任书 with each item's state, the records waiting to be confirmed as its
evidence and the person's own 签署; and "我的责任" for the year. Every query goes through `restrict()`; out
of scope is 404; a refused form keeps what was typed."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.params import id_param, year_param
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from dangjian.people.choices import MEMBER_STATUSES

from . import actions
from .choices import ISSUER_TYPES, TaskState
from .evidence import items_with_state, task_candidates_for
from .forms import (DoneForm, InstantiateForm, ManualEvidenceForm, PointForm, RemoveEvidenceForm, TaskForm,
                    TemplateForm, TemplateItemForm, UnitForm, VisitForm)
from .models import (ContactPoint, Evidence, ResponsibilityItem, ResponsibilityList, ResponsibilityTemplate, Task,
                     TemplateItem)

NAV = "duty"


@login_required
@require_http_methods(["GET", "POST"])
def task_list(request):
    """The tasks of the user's scope. Each open task shows its confirmed evidence and the records waiting
    to be confirmed as its evidence (one query per kind of source for the whole page); its owner or an
    administrator of its org confirms one, writes a manual note where no record exists, withdraws one, and
    marks the task done — the form prefilled from the confirmed evidence."""
    user = request.user
    today = timezone.localdate()
    posted = request.POST.get("form") if request.method == "POST" else None
    orgs = Org.objects.restrict(user, CHANGE).exclude(type="group").order_by("path")
    form = TaskForm(request.POST if posted == "task" else None,
                    orgs=orgs, people=Person.objects.filter(org__in=orgs).order_by("name"),
                    initial={"deadline": today}) if orgs.exists() else None
    if posted == "task":
        if form is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            try:
                t = actions.do_create_task(acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已分解任务“{t.title}”。")
                return redirect(request.path)
    done = DoneForm(request.POST if posted == "done" else None, initial={"done_on": today})
    manual = ManualEvidenceForm(request.POST if posted == "manual" else None, initial={"date": today})
    remove = RemoveEvidenceForm(request.POST if posted == "remove" else None)
    acted_on = evidence = None
    if posted in ("done", "confirm", "manual", "remove"):
        if posted == "remove":
            evidence = get_restricted(request, Evidence.objects.filter(task__isnull=False).select_related("task__org"),
                                      VIEW, pk=request.POST.get("evidence") or 0)
            task = evidence.task
        else:
            task = get_restricted(request, Task.objects.select_related("org"), VIEW, pk=request.POST.get("task") or 0)
        if not actions.may_act_on_task(user, task):
            raise Http404("未找到，或不在您的管理范围内。")
        acted_on = task.pk
        anchor = f"{request.path}#task-{task.pk}"
        try:
            if posted == "done" and done.is_valid():
                actions.do_complete_task(task, acting_user=user, **done.cleaned_data)
                messages.success(request, f"任务“{task.title}”已完成。")
                return redirect(request.path)
            if posted == "confirm":
                ref = request.POST.get("ref_id") or ""
                actions.do_confirm_task_evidence(task, source=request.POST.get("source") or "",
                                                 ref_id=id_param(ref, default=0), acting_user=user)
                messages.success(request, "已确认佐证。目标达成后请登记完成情况。")
                return redirect(anchor)
            if posted == "manual" and manual.is_valid():
                actions.do_add_task_evidence(task, acting_user=user, **manual.cleaned_data)
                messages.success(request, "已登记佐证。")
                return redirect(anchor)
            if posted == "remove" and remove.is_valid():
                actions.do_remove_evidence(evidence, acting_user=user, **remove.cleaned_data)
                messages.success(request, "已撤销该佐证。")
                return redirect(anchor)
        except ActionError as e:
            refused = {"done": done, "manual": manual, "remove": remove}.get(posted)
            if refused is not None:
                apply_action_error(refused, e)
            else:
                messages.error(request, e.message)
    tasks = list(Task.objects.restrict(user, VIEW).select_related("org", "owner").prefetch_related(
        Prefetch("evidence_records", queryset=Evidence.objects.order_by("date", "pk"))).order_by(
        "state", "deadline", "pk")[:500])
    waiting = task_candidates_for([t for t in tasks if t.state == TaskState.OPEN], user)
    for t in tasks:
        t.may = actions.may_act_on_task(user, t)
        t.proofs = list(t.evidence_records.all())
        t.waiting = waiting.get(t.pk, [])
        # The completion form starts from the evidence: what it was, and the day of the latest.
        t.done_text = ("佐证：" + "；".join(f"{e.date:%Y-%m-%d} {e.text}" for e in t.proofs)) if t.proofs else ""
        t.done_day = min(today, max(e.date for e in t.proofs)) if t.proofs else today
        t.blocked = t.needs_evidence and not t.proofs
    return render(request, "duty/tasks.html", {
        "tasks": tasks, "form": form, "done": done, "done_for": acted_on if posted == "done" else None,
        "manual": manual, "manual_for": acted_on if posted == "manual" else None, "remove": remove,
        "remove_for": evidence.pk if evidence else None, "today": today, "nav_active": NAV, "open": TaskState.OPEN})


@login_required
@require_http_methods(["GET", "POST"])
def contact_points(request):
    user = request.user
    today = timezone.localdate()
    branches = Org.objects.restrict(user, CHANGE).filter(type="branch").order_by("path")
    posted = request.POST.get("form") if request.method == "POST" else None
    point_form = PointForm(request.POST if posted == "point" else None, branches=branches,
                           leaders=Person.objects.restrict(user, VIEW).filter(leading_cadre=True).order_by("name"),
                           initial={"since": today}) if branches.exists() else None
    if posted == "point":
        if point_form is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if point_form.is_valid():
            try:
                actions.do_assign_contact_point(acting_user=user, **point_form.cleaned_data)
            except ActionError as e:
                apply_action_error(point_form, e)
            else:
                messages.success(request, "已登记联系点。")
                return redirect(request.path)
    if posted == "end":
        point = get_restricted(request, ContactPoint.objects.select_related("branch", "leader"), CHANGE,
                               pk=request.POST.get("point") or 0)
        try:
            import datetime as dt

            actions.do_end_contact_point(point, until=dt.date.fromisoformat(request.POST.get("until") or ""),
                                         acting_user=user)
        except (ValueError, ActionError) as e:
            messages.error(request, getattr(e, "message", "请填写结束日期（YYYY-MM-DD）。"))
        else:
            messages.success(request, "已结束该联系点。")
        return redirect(request.path)
    visit = VisitForm(request.POST if posted == "visit" else None, initial={"date": today})
    visit_for = None
    if posted == "visit":
        point = get_restricted(request, ContactPoint.objects.select_related("branch", "leader"), VIEW,
                               pk=request.POST.get("point") or 0)
        if not (can_in_org(user, CHANGE, point.branch) or getattr(user, "person_id", None) == point.leader_id):
            raise Http404("未找到，或不在您的管理范围内。")
        visit_for = point.pk
        if visit.is_valid():
            try:
                actions.do_log_visit(point, acting_user=user, **visit.cleaned_data)
            except ActionError as e:
                apply_action_error(visit, e)
            else:
                messages.success(request, "已登记联系点活动。")
                return redirect(request.path)
    points = list(ContactPoint.objects.restrict(user, VIEW).select_related("leader", "branch").prefetch_related(
        "visits").order_by("until", "leader__name"))
    for p in points:
        p.may_change = can_in_org(user, CHANGE, p.branch)
    from dangjian.core import engine

    per = dict(quarter="每季度", half="每半年", year="每年").get(
        engine.effective_settings().get("duty_contact_visits_per"), "每半年")
    return render(request, "duty/contact_points.html", {"points": points, "point_form": point_form, "visit": visit,
                                                        "visit_for": visit_for, "nav_active": NAV, "per": per,
                                                        "today": today})


# --- 明责 ------------------------------------------------------------------------------------------------
def _year(request) -> int:
    y = request.GET.get("year") or ""
    return year_param(y, min=2000, default=timezone.localdate().year)


@login_required
@require_http_methods(["GET", "POST"])
def responsibilities(request):
    """The year's templates (a draft to the level that issues it, published ones to the units below), a new
    template, 建立责任书 for the people of a unit, and the 责任书 of the user's scope."""
    user = request.user
    year = _year(request)
    posted = request.POST.get("form") if request.method == "POST" else None
    issuers = Org.objects.restrict(user, CHANGE).filter(type__in=ISSUER_TYPES).order_by("path")
    form = TemplateForm(request.POST if posted == "template" else None, orgs=issuers,
                        initial={"year": year}) if issuers.exists() else None
    if posted == "template":
        if form is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            try:
                t = actions.do_create_template(acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已创建模板“{t.title}”，请逐项填写责任事项后发布。")
                return redirect("duty:responsibilitytemplate_detail", pk=t.pk)
    # 建立责任书: choose the unit first (?unit=), then the template and its people.
    units = Org.objects.restrict(user, CHANGE).exclude(type="group").order_by("path")
    unit_id = request.POST.get("org") if posted == "instantiate" else request.GET.get("unit")
    if unit_id:
        unit = units.filter(pk=id_param(unit_id)).first() if id_param(unit_id) is not None else None
    else:
        unit = units.first() if units.count() == 1 else None
    visible = ResponsibilityTemplate.objects.restrict(user, VIEW)
    instantiate = None
    if unit is not None:
        paths = [unit.path[:i] for i in range(Org.steplen, len(unit.path) + 1, Org.steplen)]
        instantiate = InstantiateForm(
            request.POST if posted == "instantiate" else None, initial={"org": unit.pk}, orgs=units,
            templates=visible.filter(published_at__isnull=False, issuer__path__in=paths).order_by("-year", "role"),
            people=actions.unit_people(unit).filter(status__in=list(MEMBER_STATUSES)).order_by("name"))
    if posted == "instantiate":
        if instantiate is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if instantiate.is_valid():
            d = instantiate.cleaned_data
            try:
                lists = actions.do_instantiate(d["template"], org=d["org"], people=d["people"], acting_user=user)
            except ActionError as e:
                apply_action_error(instantiate, e)
            else:
                messages.success(request, f"已为{'、'.join(x.person.name for x in lists)}建立责任书。")
                return redirect(f"{request.path}?year={d['template'].year}")
    templates = visible.filter(year=year).select_related("issuer").annotate(n_items=Count("items", distinct=True))
    lists = ResponsibilityList.objects.restrict(user, VIEW).filter(year=year).select_related(
        "person", "org", "template").annotate(
        n_items=Count("items", distinct=True),
        n_done=Count("items", filter=Q(items__evidence__isnull=False), distinct=True)).order_by(
        "org__path", "person__name")
    return render(request, "duty/responsibilities.html", {
        "year": year, "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
        "templates": templates, "form": form, "unit": unit,
        "unit_form": UnitForm(initial={"unit": unit.pk if unit else None}) if units.exists() else None,
        "instantiate": instantiate, "lists": lists[:500], "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def template_detail(request, pk):
    """One template: its items; while a draft, the issuing level edits it, adds or removes items, publishes."""
    user = request.user
    t = get_restricted(request, ResponsibilityTemplate.objects.select_related("issuer"), VIEW, pk=pk)
    may_change = not t.published_at and can_in_org(user, CHANGE, t.issuer)
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted and not may_change:
        raise Http404("未找到，或不在您的管理范围内。")
    edit = TemplateForm(request.POST if posted == "edit" else None,
                        initial={"year": t.year, "role": t.role, "title": t.title})
    item = TemplateItemForm(request.POST if posted == "item" else None)
    try:
        if posted == "edit" and edit.is_valid():
            actions.do_update_template(t, acting_user=user, **edit.cleaned_data)
            messages.success(request, "已保存。")
            return redirect(request.path)
        if posted == "item" and item.is_valid():
            actions.do_add_template_item(t, acting_user=user, **item.cleaned_data)
            messages.success(request, "已增加责任事项。")
            return redirect(request.path)
        if posted == "remove_item":
            ti = TemplateItem.objects.filter(template=t, pk=id_param(request.POST.get("item"))).first() \
                if id_param(request.POST.get("item")) is not None else None
            if ti is None:
                raise Http404("未找到，或不在您的管理范围内。")
            actions.do_remove_template_item(ti, acting_user=user)
            messages.success(request, "已删除该事项。")
            return redirect(request.path)
        if posted == "publish":
            actions.do_publish_template(t, acting_user=user)
            messages.success(request, "已发布，下级单位可以据此建立责任书。")
            return redirect(request.path)
    except ActionError as e:
        form = {"edit": edit, "item": item}.get(posted)
        if form is not None:
            apply_action_error(form, e)
        else:
            messages.error(request, e.message)
    return render(request, "duty/template_detail.html", {
        "t": t, "items": t.items.all(), "may_change": may_change, "edit": edit, "item": item,
        "n_lists": ResponsibilityList.objects.restrict(user, VIEW).filter(template=t).count(), "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def list_detail(request, pk):
    """One 责任书: its items and their state; confirm a waiting record, add a manual note, withdraw one;
    the named person signs."""
    user = request.user
    lst = get_restricted(request, ResponsibilityList.objects.select_related("person", "org", "template", "signed_by"),
                         VIEW, pk=pk)
    may = actions.may_evidence(user, lst)
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted in ("confirm", "manual", "remove") and not may:
        raise Http404("未找到，或不在您的管理范围内。")
    back = reverse("duty:mine") if request.POST.get("back") == "mine" else request.path
    manual = ManualEvidenceForm(request.POST if posted == "manual" else None, initial={"date": timezone.localdate()})
    remove = RemoveEvidenceForm(request.POST if posted == "remove" else None)
    item = None
    if posted in ("confirm", "manual"):
        item = get_restricted(request, ResponsibilityItem.objects.filter(list=lst), VIEW,
                              pk=request.POST.get("item") or 0)
    evidence = get_restricted(request, Evidence.objects.filter(item__list=lst), VIEW,
                              pk=request.POST.get("evidence") or 0) if posted == "remove" else None
    try:
        if posted == "sign":
            actions.do_sign(lst, acting_user=user)
            messages.success(request, "责任书已签署。")
            return redirect(back)
        if posted == "confirm":
            ref = request.POST.get("ref_id") or ""
            actions.do_confirm_evidence(item, source=request.POST.get("source") or "",
                                        ref_id=id_param(ref, default=0), acting_user=user)
            messages.success(request, "已确认佐证。")
            return redirect(back)
        if posted == "manual" and manual.is_valid():
            actions.do_add_manual_evidence(item, acting_user=user, **manual.cleaned_data)
            messages.success(request, "已登记佐证。")
            return redirect(back)
        if posted == "remove" and remove.is_valid():
            actions.do_remove_evidence(evidence, acting_user=user, **remove.cleaned_data)
            messages.success(request, "已撤销该佐证。")
            return redirect(back)
    except ActionError as e:
        form = {"manual": manual, "remove": remove}.get(posted)
        if form is not None:
            apply_action_error(form, e)
        else:
            messages.error(request, e.message)
    today = timezone.localdate()
    (lst,) = items_with_state([lst], today, request.user)
    return render(request, "duty/list_detail.html", {
        "lst": lst, "may": may, "is_person": getattr(user, "person_id", None) == lst.person_id, "manual": manual,
        "manual_for": item.pk if posted == "manual" else None, "remove": remove,
        "remove_for": evidence.pk if evidence else None, "today": today, "nav_active": NAV})


@login_required
def mine(request):
    """我的责任: the current user's 责任书 of the year, every item with its state."""
    user = request.user
    year = _year(request)
    pid = getattr(user, "person_id", None)
    lists = list(ResponsibilityList.objects.restrict(user, VIEW).filter(person_id=pid, year=year).select_related(
        "org", "template", "person").order_by("pk")) if pid else []
    today = timezone.localdate()
    return render(request, "duty/mine.html", {
        "lists": items_with_state(lists, today, request.user), "year": year, "has_person": bool(pid), "today": today,
        "manual": ManualEvidenceForm(initial={"date": today}), "remove": RemoveEvidenceForm(), "nav_active": NAV})
