"""People screens: the filterable list, the person page (with the logged reveal of the ID number),
and one form per action. Every query goes through `restrict()`."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from dangjian.core.errors import ActionError
from dangjian.core.forms import DateInput, PickerWidget, apply_action_error, org_label
from dangjian.core.models import AuditEvent, Finding, FindingState
from dangjian.core.params import id_param
from dangjian.core.pending import pending_checks_first
from dangjian.core.permissions import ADD, CHANGE, VIEW, VIEW_AUDIT, VIEW_ID_NUMBER, can_in_org
from dangjian.core.views import get_restricted, render_history
from dangjian.orgs.models import Org, Post
from dangjian.privacy.access import record_access
from dangjian.privacy.choices import Purpose

from . import actions
from .choices import PIPELINE_STATUSES
from .filtersets import PersonFilterSet
from .forms import IdNumberForm, MovePersonForm, PersonCreateForm, PersonEditForm, SelfEditForm, StatusForm
from .models import Person
from .tables import PersonTable

BOOL_CHOICES = [("", "不限"), ("true", "是"), ("false", "否")]


def person_url(person):
    return reverse("people:person_detail", kwargs={"pk": person.pk})


def _is_self(user, person) -> bool:
    return getattr(user, "person_id", None) == person.pk


def _person_for_admin(request, pk, action=CHANGE):
    """A person the user manages through their org scope (self-service does not count)."""
    person = get_restricted(request, Person.objects.select_related("org"), VIEW, pk=pk)
    if not can_in_org(request.user, action, person.org):
        raise Http404("未找到，或不在您的管理范围内。")
    return person


@login_required
@require_GET
def person_list(request):
    base = Person.objects.restrict(request.user, VIEW).select_related("org")
    fs = PersonFilterSet(request.GET or None, queryset=base, request=request)
    fs.filters.pop("org", None)  # a <select> of every org cannot scale; `within` searches instead
    form = fs.form
    form.fields["within"].widget = PickerWidget("orgs:org_pick", org_label, placeholder="输入组织名称搜索")
    form.fields["status"].widget = forms.CheckboxSelectMultiple(choices=form.fields["status"].choices,
                                                                 attrs={"class": "form-check-input"})
    for name in ("probationary_after", "probationary_before", "full_after", "full_before"):
        form.fields[name].widget = DateInput(attrs={"class": "form-control"})
    for name in ("leading_cadre", "lost_contact", "away"):
        form.fields[name].widget = forms.Select(choices=BOOL_CHOICES, attrs={"class": "form-select"})
    for name in ("gender", "dues_category"):
        form.fields[name].widget.attrs["class"] = "form-select"
        form.fields[name].empty_label = "不限"
        form.fields[name].widget.choices = [("", "不限")] + list(form.fields[name].choices)[1:]
    form.fields["q"].widget.attrs.update({"class": "form-control", "placeholder": "姓名，或完整的18位公民身份号码"})
    qs = fs.qs if (fs.is_bound and fs.is_valid()) else base
    table = PersonTable(qs)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    active_filters = sum(1 for k, v in request.GET.items() if v and k not in ("page", "sort", "q"))
    return render(request, "people/person_list.html", {
        "filter": fs, "table": table, "active_filters": active_filters,
        "may_add": bool(Org.objects.restrict(request.user, ADD).exists()),
    })


@login_required
@require_GET
def person_pick(request):
    q = (request.GET.get("q") or "").strip()
    qs = Person.objects.restrict(request.user, VIEW).select_related("org")
    within = request.GET.get("within")
    if id_param(within) is not None:
        path = Org.objects.filter(pk=id_param(within)).values_list("path", flat=True).first()
        qs = qs.filter(org__path__subtree=path) if path else qs.none()
    if q:
        qs = qs.filter(name__icontains=q)
    return render(request, "people/_pick_results.html", {"results": list(qs.order_by("name", "pk")[:20]), "q": q})


@login_required
@require_GET
@pending_checks_first     # (the queue peeked before the findings: core.pending)
def person_detail(request, pk):
    person = get_restricted(request, Person.objects.select_related("org", "group", "unit"), VIEW, pk=pk)
    record_access(request, person, Purpose.DETAIL)     # 个人信息访问记录 (a member's own view is skipped)
    return render(request, "people/person_detail.html", _detail_context(request, person))


def _detail_context(request, person) -> dict:
    user = request.user
    posts = Post.objects.restrict(user, VIEW) if not _is_self(user, person) else Post.objects.all()
    posts = list(posts.filter(person=person).select_related("org").order_by("-start"))
    events = list(AuditEvent.objects.restrict(user, VIEW_AUDIT).filter(person=person)
                  .select_related("actor")[:20])
    findings = list(Finding.objects.restrict(user, VIEW).filter(person=person, state=FindingState.OPEN))
    org = person.org
    may_change = can_in_org(user, CHANGE, org)
    from dangjian.recruitment.models import RecruitmentFile

    recruitment = RecruitmentFile.objects.restrict(user, VIEW).filter(person=person).order_by("closed", "-pk").first()
    return {
        "person": person, "posts": posts, "events": events, "findings": findings, "recruitment": recruitment,
        "may_open_recruitment": recruitment is None and may_change and person.status in PIPELINE_STATUSES,
        "ancestors": _org_chain(org, user) if org else [],
        "may_change": may_change, "may_self_edit": _is_self(user, person) and not may_change,
        "may_reveal": bool(person.id_number_encrypted) and can_in_org(user, VIEW_ID_NUMBER, org),
        "may_audit": can_in_org(user, VIEW_AUDIT, org) or _is_self(user, person),
        "may_export": can_in_org(user, VIEW_ID_NUMBER, org),   # 个人数据导出 (dangjian.privacy)
    }


def _org_chain(org, user):
    from dangjian.orgs.views import _ancestors

    chain = _ancestors(org, user)
    org.visible = can_in_org(user, VIEW, org) or Org.objects.filter(pk=org.pk).restrict(user, VIEW).exists()
    return chain + [org]


@never_cache
@login_required
@require_POST
def person_reveal_id(request, pk):
    """显示完整号码: only for roles with view_id_number; the action writes the audit event."""
    person = get_restricted(request, Person.objects.select_related("org"), VIEW_ID_NUMBER, pk=pk)
    number = actions.do_reveal_id_number(person, acting_user=request.user)
    record_access(request, person, Purpose.ID_NUMBER, skip_self=False)
    if request.htmx:
        return render(request, "people/_id_number.html", {"number": number, "person": person})
    # Without htmx the page itself is rendered (never a redirect with a flash message: messages
    # may be kept in a cookie, and the number must not leave this response).
    person = Person.objects.select_related("org", "group", "unit").get(pk=person.pk)
    return render(request, "people/person_detail.html", {**_detail_context(request, person), "number": number})


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    org = None
    org_id = request.GET.get("org")
    if org_id:
        org = get_restricted(request, Org, ADD, pk=org_id)
    form = PersonCreateForm(request.POST or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            person = actions.do_create_person(acting_user=request.user, **data)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记“{person.name}”。")
            return redirect(person_url(person))
    return render(request, "people/person_form.html", {
        "form": form, "title": "登记人员", "submit": "登记", "org": org,
        "cancel_url": reverse("orgs:org_detail", kwargs={"pk": org.pk}) if org else reverse("people:person_list"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    user = request.user
    person = get_restricted(request, Person.objects.select_related("org"), CHANGE, pk=pk)
    if can_in_org(user, CHANGE, person.org):
        form_class, allowed = PersonEditForm, actions.EDITABLE
    elif _is_self(user, person):
        form_class, allowed = SelfEditForm, actions.SELF_EDITABLE
    else:  # pragma: no cover - restrict(CHANGE) admits only these two
        raise Http404
    form = form_class(request.POST or None, instance=person, user=user)
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            actions.do_update_person(person, acting_user=user, allowed=allowed, **changes)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已保存。" if changes else "没有修改任何内容。")
            return redirect(person_url(person))
    return _form_page(request, form, person, title="修改个人信息" if form_class is SelfEditForm else "修改人员信息",
                      submit="保存",
                      intro="党员本人可修改联系电话、学历和职务；其他信息请联系所在党支部修改。" if form_class is SelfEditForm else "")


def _form_page(request, form, person, *, title, submit, intro="", danger=False):
    return render(request, "people/person_form.html", {
        "form": form, "person": person, "title": title, "submit": submit, "intro": intro, "danger": danger,
        "org": person.org, "cancel_url": person_url(person)})


@login_required
@require_http_methods(["GET", "POST"])
def person_status(request, pk):
    person = _person_for_admin(request, pk)
    form = StatusForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            p = actions.do_change_status(person, d["status"], on=d["on"], reason=d["reason"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"“{p.name}”的党籍状态已变更为{p.get_status_display()}。")
            return redirect(person_url(p))
    return _form_page(request, form, person, title=f"变更党籍状态（当前：{person.get_status_display()}）",
                      submit="确认变更", intro="状态变更将记入本人历史，并触发相关规则重新检查。")


@login_required
@require_http_methods(["GET", "POST"])
def person_move(request, pk):
    person = _person_for_admin(request, pk)
    form = MovePersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            p = actions.do_move_person(person, d["org"], on=d["on"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"“{p.name}”的组织关系已转到“{p.org.name}”。")
            return redirect(person_url(p) if Person.objects.filter(pk=p.pk).restrict(request.user).exists()
                            else reverse("people:person_list"))
    return _form_page(request, form, person, title="转接组织关系（系统内）", submit="确认转接",
                      intro=f"当前所在党组织：{person.org or '无'}。转接后原党小组编组将清除。")


@login_required
@require_http_methods(["GET", "POST"])
def person_id_number(request, pk):
    person = _person_for_admin(request, pk)
    form = IdNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_id_number(person, form.cleaned_data["id_number"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已保存公民身份号码。")
            return redirect(person_url(person))
    return _form_page(request, form, person, title="登记公民身份号码", submit="保存",
                      intro=f"当前：{person.id_number_masked or '未登记'}。号码加密保存，列表中只显示部分号码。")


@login_required
def person_history(request, pk):
    person = get_restricted(request, Person.objects.select_related("org"), VIEW, pk=pk)
    # The history shows former and current contact data (电话、职务 before/after): a disclosure, logged.
    record_access(request, person, Purpose.HISTORY)
    return render_history(request, person, org=person.org, person=person,
                          extra={"ancestors": _org_chain(person.org, request.user) if person.org else []})
