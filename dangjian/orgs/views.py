"""Org screens: the lazily loaded tree, the org page (committee, term, members, children, key
dates, open findings) and one form page per action. Every query goes through `restrict()`."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.models import Finding, FindingState
from dangjian.core.pending import pending_checks_first
from dangjian.core.permissions import ADD, CHANGE, VIEW, VIEW_AUDIT, can_in_org, user_scope
from dangjian.core.views import get_restricted, render_history

from . import actions
from .choices import OrgType
from .forms import (ROLE_ORDER, AppointForm, ElectionForm, ExtendTermForm, OrgCreateForm, OrgDissolveForm, OrgEditForm,
                    OrgMergeForm, OrgMoveForm, PostEditForm, PostEndForm, child_types_for, roles_for)
from .models import Org, Post

CHILDREN_PAGE = 100   # a 机关党委 may have hundreds of branches: load them in pages
SEARCH_LIMIT = 50


def scope_roots(user):
    """The tops of the user's part of the tree: the orgs of their role assignments (minimal
    prefixes), every root for a superuser, their own org for self-service members."""
    scope = user_scope(user, VIEW)
    if scope.everything:
        return Org.objects.filter(depth=1)
    if scope.prefixes:
        return Org.objects.filter(path__in=scope.prefixes)
    return Org.objects.restrict(user, VIEW)


def annotate_member_counts(nodes) -> None:
    """Sets `.member_count` (党员: 正式+预备 directly in the node) on each node: one aggregate
    query for all visible nodes, whatever the size of the tree."""
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    nodes = list(nodes)
    if not nodes:
        return
    counts: dict[int, int] = {}

    def add(fk: str, ids):
        # Filter on the key alone and count statuses here: "status IN (…)" tempts SQLite to walk
        # the status index over a million rows instead of the key's index.
        rows = (Person.objects.filter(**{f"{fk}__in": ids}).order_by().values_list(fk, "status")
                .annotate(n=Count("pk")))
        for key, status, n in rows:
            if status in MEMBER_STATUSES:
                counts[key] = counts.get(key, 0) + n

    add("org_id", [n.pk for n in nodes if n.type != OrgType.GROUP])
    group_ids = [n.pk for n in nodes if n.type == OrgType.GROUP]
    if group_ids:
        # A 党小组's members belong to its branch and name the group in `group`.
        add("group_id", group_ids)
    for n in nodes:
        n.member_count = counts.get(n.pk, 0)


def subtree_member_counts(roots) -> dict[int, int]:
    """党员 in each root's whole subtree. The subtree is taken as the ids of its orgs (an indexed
    path query), so each count walks only that subtree's people, whatever the database's size."""
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    members = Person.objects.filter(status__in=MEMBER_STATUSES).order_by()
    return {r.pk: members.filter(org_id__in=Org.objects.filter(path__subtree=r.path).values("pk")).count()
            for r in roots}


def _ancestors(org: Org, user):
    """Breadcrumbs from the root: every ancestor by name, linked where the user may look."""
    step = org.steplen
    paths = [org.path[:i] for i in range(step, len(org.path), step)]
    if not paths:
        return []
    ancestors = list(Org.objects.filter(path__in=paths).only("pk", "name", "path", "depth", "type"))
    scope = user_scope(user, VIEW)
    for a in ancestors:
        a.visible = scope.everything or any(a.path.startswith(p) for p in scope.prefixes)
    return ancestors


@login_required
@require_GET
def org_list(request):
    """组织树: the user's roots; children load on demand (`org_children`)."""
    q = (request.GET.get("q") or "").strip()
    if q:
        results = list(Org.objects.restrict(request.user, VIEW)
                       .filter(Q(name__icontains=q) | Q(short_name__icontains=q))
                       .select_related("unit")[:SEARCH_LIMIT + 1])
        more = len(results) > SEARCH_LIMIT
        results = results[:SEARCH_LIMIT]
        # Each result's chain of ancestors, fetched in one query for all results.
        step = Org.steplen
        paths = {r.path[:i] for r in results for i in range(step, len(r.path), step)}
        names = dict(Org.objects.filter(path__in=paths).values_list("path", "name")) if paths else {}
        for r in results:
            r.chain = [names[r.path[:i]] for i in range(step, len(r.path), step) if r.path[:i] in names]
        annotate_member_counts(results)
        ctx = {"q": q, "results": results, "more": more}
    else:
        roots = list(scope_roots(request.user).active()[:CHILDREN_PAGE])
        annotate_member_counts(roots)
        ctx = {"q": "", "roots": roots, "single_root": len(roots) == 1}
    # The search box swaps only the tree area; a full load (or a bookmarked search) gets the page.
    template = "orgs/_tree_area.html" if request.htmx and not request.htmx.boosted else "orgs/org_list.html"
    return render(request, template, ctx)


@login_required
@require_GET
def org_children(request, pk):
    org = get_restricted(request, Org, VIEW, pk=pk)
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    qs = (Org.objects.filter(path__subtree=org.path, depth=org.depth + 1).active()
          .restrict(request.user, VIEW))
    nodes = list(qs[offset:offset + CHILDREN_PAGE + 1])
    more = len(nodes) > CHILDREN_PAGE
    nodes = nodes[:CHILDREN_PAGE]
    annotate_member_counts(nodes)
    return render(request, "orgs/_tree_nodes.html", {
        "nodes": nodes, "parent": org, "more": more, "next_offset": offset + CHILDREN_PAGE})


@login_required
@require_GET
def org_pick(request):
    """Search results for the org picker: only orgs the user may use for `action`."""
    action = request.GET.get("action", VIEW)
    if action not in (VIEW, ADD, CHANGE):
        action = VIEW
    q = (request.GET.get("q") or "").strip()
    qs = Org.objects.restrict(request.user, action).active()
    types = [t for t in (request.GET.get("types") or "").split(",") if t in OrgType.values]
    if types:
        qs = qs.filter(type__in=types)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return render(request, "orgs/_pick_results.html", {"results": list(qs[:20]), "q": q})


@login_required
@require_GET
@pending_checks_first     # (the queue peeked before the findings: core.pending)
def org_detail(request, pk):
    from dangjian.people.choices import LEFT_STATUSES
    from dangjian.people.models import Person
    from dangjian.people.tables import MemberTable

    user = request.user
    org = get_restricted(request, Org.objects.select_related("unit", "merged_into"), VIEW, pk=pk)
    today = timezone.localdate()
    posts = sorted(Post.objects.restrict(user, VIEW).filter(org=org).current(today).select_related("person"),
                   key=lambda p: (ROLE_ORDER.get(p.role, 99), p.start or today))
    members = Person.objects.restrict(user, VIEW).select_related("group")
    members = members.filter(group=org) if org.type == OrgType.GROUP else members.filter(org=org)
    show_all = request.GET.get("all") == "1"
    if not show_all:
        members = members.exclude(status__in=LEFT_STATUSES)
    table = MemberTable(members, prefix="m-", org=org)
    RequestConfig(request, paginate={"per_page": 20}).configure(table)
    children = list(Org.objects.filter(path__subtree=org.path, depth=org.depth + 1)
                    .restrict(user, VIEW)[:CHILDREN_PAGE])
    annotate_member_counts(children)
    findings = list(Finding.objects.restrict(user, VIEW).filter(org=org, state=FindingState.OPEN)
                    .select_related("person"))
    term_end = org.term_end
    may_change = can_in_org(user, CHANGE, org) and not org.is_dissolved
    return render(request, "orgs/org_detail.html", {
        "org": org, "ancestors": _ancestors(org, user), "posts": posts, "table": table,
        "show_all": show_all, "children": children, "more_children": org.numchild > len(children),
        "findings": findings, "term_end": term_end,
        "days_left": (term_end - today).days if term_end else None,
        "may_change": may_change,
        "may_add": can_in_org(user, ADD, org) and not org.is_dissolved and bool(child_types_for(org)),
        "may_appoint": may_change and bool(roles_for(org)),
        "may_add_person": can_in_org(user, ADD, org) and not org.is_dissolved
                          and org.type not in (OrgType.GROUP, OrgType.WORK_COMMITTEE, OrgType.LEADING_GROUP),
        "may_audit": can_in_org(user, VIEW_AUDIT, org),
    })


@login_required
def org_history(request, pk):
    org = get_restricted(request, Org, VIEW, pk=pk)
    return render_history(request, org, org=org, extra={"ancestors": _ancestors(org, request.user)})


# --- action pages -------------------------------------------------------------------------------
def _form_page(request, form, *, org, title, submit, intro="", danger=False, post=None, cancel_url=None):
    return render(request, "orgs/org_form.html", {
        "form": form, "org": org, "title": title, "submit": submit, "intro": intro, "danger": danger,
        "post": post, "ancestors": _ancestors(org, request.user), "cancel_url": cancel_url or org_url(org),
    })


def org_url(org):
    from django.urls import reverse

    return reverse("orgs:org_detail", kwargs={"pk": org.pk})


def _org_for(request, pk, action=CHANGE):
    org = get_restricted(request, Org.objects.select_related("unit"), action, pk=pk)
    if org.is_dissolved:
        messages.error(request, "该组织已撤销，不能再办理此项业务。")
        raise _Redirect(org_url(org))
    return org


class _Redirect(Exception):
    def __init__(self, url):
        self.url = url


def _handles_redirect(view):
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Redirect as r:
            return redirect(r.url)

    return wrapper


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_child_create(request, pk):
    parent = _org_for(request, pk, ADD)
    if not child_types_for(parent):
        messages.error(request, f"{parent.get_type_display()}下不能再设立下级组织。")
        return redirect(org_url(parent))
    form = OrgCreateForm(request.POST or None, parent=parent, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            org = actions.do_create_org(parent=parent, acting_user=request.user, **data)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已设立{org.get_type_display()}“{org.name}”。")
            return redirect(org_url(org))
    return _form_page(request, form, org=parent, title="设立下级组织", submit="设立",
                      intro=f"在“{parent.name}”下设立党组织。可设立：{'、'.join(l for _, l in child_types_for(parent))}。")


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_edit(request, pk):
    org = _org_for(request, pk)
    form = OrgEditForm(request.POST or None, instance=org, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in form.changed_data}
        if not changes:
            messages.info(request, "没有修改任何内容。")
            return redirect(org_url(org))
        try:
            org = actions.do_update_org(org, acting_user=request.user, **changes)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已保存组织信息。")
            return redirect(org_url(org))
    return _form_page(request, form, org=org, title="修改组织信息", submit="保存",
                      intro="修改名称即为更名，将记入组织的历史。")


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_move(request, pk):
    org = _org_for(request, pk)
    form = OrgMoveForm(request.POST or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.do_move_org(org, form.cleaned_data["parent"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已将“{org.name}”调整到“{form.cleaned_data['parent'].name}”之下。")
            return redirect(org_url(org))
    return _form_page(request, form, org=org, title="调整隶属关系", submit="调整",
                      intro="把本组织（连同其下级组织）调整到另一个上级组织之下。")


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_merge(request, pk):
    org = _org_for(request, pk)
    form = OrgMergeForm(request.POST or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            target = actions.do_merge_orgs(org, form.cleaned_data["target"], on=form.cleaned_data["on"],
                                           acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"“{org.name}”已并入“{target.name}”。")
            return redirect(org_url(target))
    return _form_page(request, form, org=org, title="合并组织", submit="确认合并", danger=True)


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_dissolve(request, pk):
    org = _org_for(request, pk, CHANGE)
    form = OrgDissolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_dissolve_org(org, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"],
                                    acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已撤销“{org.name}”。")
            return redirect(org_url(org))
    return _form_page(request, form, org=org, title="撤销组织", submit="确认撤销", danger=True,
                      intro="撤销前须先转出全部党员和发展对象、撤销或调整下级组织；现任职务将同时免去。")


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_election(request, pk):
    org = _org_for(request, pk)
    if not org.has_term:
        messages.error(request, f"{org.get_type_display()}不实行委员会任期制，无需登记换届。")
        return redirect(org_url(org))
    form = ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.do_record_election(org, elected_on=form.cleaned_data["elected_on"],
                                             acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记换届选举，本届任期至 {org.term_end:%Y-%m-%d}。")
            return redirect(org_url(org))
    return _form_page(request, form, org=org, title="登记换届选举", submit="登记",
                      intro=f"任期 {org.effective_term_years} 年（党组织按期换届，见选举工作条例）。新一届委员请在登记后通过“任职”逐一录入。")


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_extend_term(request, pk):
    org = _org_for(request, pk)
    form = ExtendTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            org = actions.do_extend_term(org, until=d["until"], approved_on=d["approved_on"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记延期换届，批准延期至 {org.term_extension_until:%Y-%m-%d}。")
            return redirect(org_url(org))
    return _form_page(request, form, org=org, title="登记延期换届", submit="登记",
                      intro=f"本届任期届满日期：{org.term_end:%Y-%m-%d}。" if org.term_end else
                      "尚未登记本届选举日期，请先登记换届选举。")


@login_required
@require_http_methods(["GET", "POST"])
@_handles_redirect
def org_appoint(request, pk):
    org = _org_for(request, pk)
    if not roles_for(org):
        messages.error(request, f"{org.get_type_display()}不设职务。")
        return redirect(org_url(org))
    form = AppointForm(request.POST or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            post = actions.do_appoint(person=d["person"], org=org, role=d["role"], start=d["start"],
                                      approved=d["approved"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记{post.person.name}任{post.get_role_display()}。")
            return redirect(org_url(org))
    return _form_page(request, form, org=org, title="任职", submit="登记任职")


def _post_for(request, pk):
    return get_restricted(request, Post.objects.select_related("org", "person"), CHANGE, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk):
    post = _post_for(request, pk)
    form = PostEditForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in form.changed_data}
        try:
            if changes:
                actions.do_update_post(post, acting_user=request.user, **changes)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已保存职务信息。")
            return redirect(org_url(post.org))
    return _form_page(request, form, org=post.org, post=post, submit="保存",
                      title=f"修改职务：{post.person.name} · {post.get_role_display()}")


@login_required
@require_http_methods(["GET", "POST"])
def post_end(request, pk):
    post = _post_for(request, pk)
    form = PostEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_end_post(post, on=form.cleaned_data["on"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已免去{post.person.name}的{post.get_role_display()}职务。")
            return redirect(org_url(post.org))
    return _form_page(request, form, org=post.org, post=post, submit="确认免职", danger=True,
                      title=f"免职：{post.person.name} · {post.get_role_display()}")
