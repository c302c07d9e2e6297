"""履责 screens: the tasks of the user's scope (overdue first; mark one done with what was achieved) and
the 基层党建联系点 with their visits (a leader present at the branch's meetings counts without being typed
again). Every query goes through `restrict()`; out of scope is 404; a refused form keeps what was typed."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from . import actions
from .choices import TaskState
from .forms import DoneForm, PointForm, TaskForm, VisitForm
from .models import ContactPoint, Task

NAV = "duty"


@login_required
@require_http_methods(["GET", "POST"])
def task_list(request):
    user = request.user
    today = timezone.localdate()
    orgs = Org.objects.restrict(user, CHANGE).exclude(type="group").order_by("path")
    form = TaskForm(request.POST if request.method == "POST" and request.POST.get("form") == "task" else None,
                    orgs=orgs, people=Person.objects.filter(org__in=orgs).order_by("name"),
                    initial={"deadline": today}) if orgs.exists() else None
    if request.method == "POST" and request.POST.get("form") == "task":
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
    done = DoneForm(request.POST if request.method == "POST" and request.POST.get("form") == "done" else None,
                    initial={"done_on": today})
    done_for = None
    if request.method == "POST" and request.POST.get("form") == "done":
        task = get_restricted(request, Task.objects.select_related("org"), VIEW, pk=request.POST.get("task") or 0)
        if not (can_in_org(user, CHANGE, task.org) or getattr(user, "person_id", None) == task.owner_id):
            raise Http404("未找到，或不在您的管理范围内。")
        done_for = task.pk
        if done.is_valid():
            try:
                actions.do_complete_task(task, acting_user=user, **done.cleaned_data)
            except ActionError as e:
                apply_action_error(done, e)
            else:
                messages.success(request, f"任务“{task.title}”已完成。")
                return redirect(request.path)
    tasks = list(Task.objects.restrict(user, VIEW).select_related("org", "owner").order_by("state", "deadline", "pk")[:500])
    return render(request, "duty/tasks.html", {"tasks": tasks, "form": form, "done": done, "done_for": done_for,
                                               "today": today, "nav_active": NAV, "open": TaskState.OPEN})


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
