"""党内统计 pages: pick a subtree and a year, see the tables (合计 first, then 本级 and each sub-organisation, so
the rows add up to the total), download them as the 年报 workbook. Only those who administer (or audit) the
organisation see its statistics; anything else is 404."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.dbrouter import replica_view
from dangjian.core.downloads import XLSX, download
from dangjian.core.permissions import VIEW, can_in_org, user_scope
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org

from . import exports, tables
from .forms import FIRST_YEAR, PickForm

NAV = "partystats"
NOT_FOUND = "未找到，或不在您的管理范围内。"


def stats_org(request, org_pk) -> Org:
    """The root of the statistics: in the user's administered (or audited) subtree, or 404."""
    org = get_restricted(request, Org, VIEW, pk=org_pk)
    if not can_in_org(request.user, VIEW, org):
        raise Http404(NOT_FOUND)
    return org


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404("统计年度超出范围。")
    return year


def default_year() -> int:
    """The last 年报: the previous year."""
    return timezone.localdate().year - 1


@login_required
@require_GET
def index(request):
    form = PickForm(request.GET or None, initial={"year": default_year()})
    if request.GET and form.is_valid():
        org = Org.objects.filter(pk=form.cleaned_data["org"]).restrict(request.user, VIEW).first()
        if org is not None and can_in_org(request.user, VIEW, org):
            return redirect("partystats:org_stats", org_pk=org.pk, year=form.cleaned_data["year"])
        form.add_error("org", "请从搜索结果中选择一个您管理范围内的党组织。")
    if not request.GET:
        scope = user_scope(request.user, VIEW)
        top = Org.objects.filter(path__in=scope.prefixes).order_by("depth", "path").first() if scope.prefixes else (
            Org.objects.filter(depth=1).order_by("path").first() if scope.everything else None)
        if top is not None:
            return redirect("partystats:org_stats", org_pk=top.pk, year=default_year())
    return render(request, "partystats/index.html", {"form": form, "nav": NAV})


@login_required
@require_GET
@replica_view
def org_stats(request, org_pk, year):
    org = stats_org(request, org_pk)
    report = tables.compute(org, check_year(year))
    form = PickForm(initial={"org": org.pk, "year": year})
    this_year = timezone.localdate().year
    return render(request, "partystats/stats.html", {
        "org": org, "report": report, "form": form, "nav": NAV, "running_year": year == this_year,
        "prev_year": year - 1 if year > FIRST_YEAR else None, "next_year": year + 1 if year < this_year else None,
        "ancestors": list(org.ancestors_and_self().restrict(request.user, VIEW).exclude(pk=org.pk).order_by("depth"))})


@login_required
@require_GET
@replica_view
def org_stats_xlsx(request, org_pk, year):
    org = stats_org(request, org_pk)
    report = tables.compute(org, check_year(year))
    return download(exports.workbook(report), XLSX, f"{org.name}{year}年党内统计.xlsx", f"partystats-{org.pk}-{year}.xlsx")
