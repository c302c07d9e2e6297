"""机关单位 screens: the register (list), a unit's page, and the form the 工委 keeps it with.

Everyone sees the units through `Unit.objects.restrict(user, VIEW)`: the 工委 the whole register,
others the units their organisations sit in. Units are kept by the work committee: creating and
editing need a scope over a whole tree (`covers_a_root`, the same rule as the API)."""
from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import ADD, CHANGE, VIEW, subtree_q, user_scope
from dangjian.core.views import get_restricted

from . import actions
from .api.views import covers_a_root
from .filtersets import UnitFilterSet
from .models import Org, Unit
from .unit_forms import UnitForm

PER_PAGE = 30
ORGS_SHOWN = 200


def unit_url(unit) -> str:
    return reverse("orgs:unit_detail", kwargs={"pk": unit.pk})


def person_url(pk) -> str:
    return reverse("people:person_detail", kwargs={"pk": pk})


def visible_ids(model, user, ids) -> set[int]:
    """Which of `ids` the user may open: one query for a whole page of links."""
    ids = {i for i in ids if i}
    if not ids:
        return set()
    return set(model.objects.restrict(user, VIEW).filter(pk__in=ids).values_list("pk", flat=True))


def _visible_orgs_q(user, prefix: str = "") -> Q | None:
    """The orgs the user may see, as a condition (None: all of them). Counts and lists on unit
    pages show only these, so a number never promises organisations the user cannot open."""
    scope = user_scope(user, VIEW)
    if scope.everything:
        return None
    return subtree_q(f"{prefix}path", scope.prefixes)


def _count_orgs(user, relation: str):
    """Active, visible orgs per unit as a correlated subquery: two joined counts would multiply
    each other's rows, and the subquery keeps the list one query however many units it shows."""
    orgs = Org.objects.filter(**{relation: OuterRef("pk")}, dissolved__isnull=True)
    visible = _visible_orgs_q(user)
    if visible is not None:
        orgs = orgs.filter(visible)
    counted = orgs.order_by().values(relation).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


HIDE_ON_PHONE = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}


class UnitTable(tables.Table):
    name = tables.Column("单位名称", linkify=lambda record: unit_url(record),
                         attrs={"th": {"class": "ps-3"}, "td": {"class": "fw-semibold ps-3"}})
    parent = tables.Column("上级单位", order_by=("parent__name",), attrs=HIDE_ON_PHONE)
    head = tables.Column("主要负责人", order_by=("head__name",), attrs={"td": {"class": "text-nowrap"}})
    org_count = tables.Column("党组织", attrs={"th": {"class": "text-end pe-3"}, "td": {"class": "text-end pe-3"}})

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle bg-white mb-0"}
        order_by = ("name",)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.visible_people: set[int] = set()
        self.visible_units: set[int] = set()

    def prepare_links(self) -> None:
        """After pagination: which heads and parents on this page the user may open (two queries
        per page, whatever its length)."""
        records = [row.record for row in self.paginated_rows]
        self.visible_people = visible_ids(_person_model(), self.user, (r.head_id for r in records))
        self.visible_units = visible_ids(Unit, self.user, (r.parent_id for r in records))

    def render_parent(self, record, value):
        if record.parent_id in self.visible_units:
            return format_html('<a href="{}">{}</a>', unit_url(value), value.name)
        return value.name

    def render_head(self, record, value):
        if record.head_id in self.visible_people:
            return format_html('<a href="{}">{}</a>', person_url(record.head_id), value.name)
        return value.name

    def render_org_count(self, record, value):
        # A small unit often has no branch of its own: its members sit in a 联合党支部.
        html = format_html("{}", value) if value else mark_safe('<span class="text-muted">0</span>')
        if record.joint_count:
            html += format_html('<br><small class="text-muted text-nowrap">联合支部 {}</small>', record.joint_count)
        return html


def _person_model():
    from dangjian.people.models import Person

    return Person


@login_required
@require_GET
def unit_list(request):
    """机关单位名录, with the number of (active, visible) party organisations in each."""
    user = request.user
    base = (Unit.objects.restrict(user, VIEW).select_related("parent", "head")
            .annotate(org_count=_count_orgs(user, "unit"), joint_count=_count_orgs(user, "joint_units")))
    fs = UnitFilterSet(request.GET, queryset=base)
    fs.filters.pop("parent", None)  # a choice list of every unit is not for the UI
    q = (request.GET.get("q") or "").strip()
    table = UnitTable(fs.qs if fs.is_valid() else base.none(), user=user)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    table.prepare_links()
    may_create = covers_a_root(user, ADD)
    if q:
        table.empty_text = f"没有找到名称含“{q}”的单位，请换个关键词。"
    elif may_create:
        table.empty_text = "还没有登记机关单位。请点击右上角“登记机关单位”，先登记各部门，再登记其内设机构。"
    else:
        table.empty_text = "您管理的党组织还没有指定所在单位。可在组织页面“修改”中选择所在单位；单位名录由机关工委维护。"
    return render(request, "orgs/unit_list.html", {"table": table, "q": q, "may_create": may_create})


@login_required
@require_GET
def unit_pick(request):
    """Search results for the unit picker: visible units only."""
    q = (request.GET.get("q") or "").strip()
    qs = Unit.objects.restrict(request.user, VIEW).select_related("parent")
    if q:
        qs = qs.filter(name__icontains=q)
    return render(request, "orgs/unit_pick_results.html", {"results": list(qs.order_by("name", "pk")[:20]), "q": q})


@login_required
@require_GET
def unit_detail(request, pk):
    user = request.user
    unit = get_restricted(request, Unit.objects.select_related("parent", "head"), VIEW, pk=pk)
    visible = _visible_orgs_q(user)
    org_qs = Org.objects.all() if visible is None else Org.objects.filter(visible)
    # In tree order, indented under their parents; a province department may host hundreds.
    org_count = org_qs.filter(unit=unit).count()
    orgs = list(org_qs.filter(unit=unit)[:ORGS_SHOWN])
    top = min((o.depth for o in orgs), default=0)
    for o in orgs:
        o.indent = o.depth - top
    joint_orgs = list(org_qs.filter(joint_units=unit)[:ORGS_SHOWN])
    children = list(Unit.objects.restrict(user, VIEW).filter(parent=unit).select_related("head").order_by("name"))
    heads = [unit.head_id] + [c.head_id for c in children]
    return render(request, "orgs/unit_detail.html", {
        "unit": unit, "orgs": orgs, "org_count": org_count,
        "active_org_count": org_qs.filter(unit=unit, dissolved__isnull=True).count(),
        "joint_orgs": joint_orgs, "children": children,
        "parent_visible": bool(visible_ids(Unit, user, [unit.parent_id])),
        "visible_people": visible_ids(_person_model(), user, heads),
        "may_change": covers_a_root(user, CHANGE),
    })


def _form_page(request, form, *, unit=None, title, submit):
    return render(request, "orgs/unit_form.html", {
        "form": form, "unit": unit, "title": title, "submit": submit,
        "cancel_url": unit_url(unit) if unit else reverse("orgs:unit_list"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request):
    if not covers_a_root(request.user, ADD):
        # There is no object to hide here: say who keeps the register (as the API does).
        raise PermissionDenied("机关单位由机关工委管理员登记。如需增加单位，请联系机关工委。")
    form = UnitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            unit = actions.do_create_unit(name=d["name"], parent=d["parent"], head=d["head"],
                                          acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记机关单位“{unit.name}”。")
            return redirect(unit_url(unit))
    return _form_page(request, form, title="登记机关单位", submit="登记")


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    unit = get_restricted(request, Unit.objects.select_related("parent", "head"), CHANGE, pk=pk)
    if not covers_a_root(request.user, CHANGE):
        # Seeing a unit does not make it yours to edit; as for any object out of scope: 404.
        raise Http404("未找到，或不在您的管理范围内。")
    form = UnitForm(request.POST or None, user=request.user, unit=unit)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(unit)
        if not changes:
            messages.info(request, "没有修改任何内容。")
            return redirect(unit_url(unit))
        try:
            unit = actions.do_update_unit(unit, acting_user=request.user, **changes)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已保存机关单位“{unit.name}”。")
            return redirect(unit_url(unit))
    return _form_page(request, form, unit=unit, title="修改机关单位", submit="保存")
