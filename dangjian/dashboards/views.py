"""数据看板 pages: an org's dashboard (its own trend, its direct children side by side in tree order, and
for a 党支部 its calendar of meetings). The page holds the frames and the summary figures; each chart reads
its JSON endpoint (`api/views.py`), all from the rollups."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.core.dbrouter import replica_view
from dangjian.core.permissions import VIEW, can_in_org, user_scope
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org

from .data import INDICATORS, Board

NAV = "dashboards"


@login_required
def index(request):
    """The top of the user's scope."""
    scope = user_scope(request.user, VIEW)
    org = Org.objects.restrict(request.user, VIEW).order_by("depth", "path").only("pk").first() \
        if not scope.empty or request.user.is_superuser else None
    if org is None:
        raise Http404("您的管理范围内没有党组织，无法查看数据看板。")
    return redirect("dashboards:org_dashboard", pk=org.pk)


@login_required
@replica_view
def org_dashboard(request, pk):
    org = get_restricted(request, Org, VIEW, pk=pk)
    if not can_in_org(request.user, VIEW, org):      # (a member may view their own org, not its figures)
        raise Http404("未找到，或不在您的管理范围内。")
    board = Board(org)
    allowed = Org.objects.restrict(request.user, VIEW)
    step = Org.steplen
    above = [org.path[:i] for i in range(step, len(org.path), step)]
    trail = list(allowed.filter(path__in=above).order_by("path").only("pk", "name")) if above else []
    return render(request, "dashboards/org.html", {
        "org": org, "board": board, "summary": board.summary(), "children": board.children, "trail": trail,
        "indicators": INDICATORS, "is_branch": org.type == "branch", "year": timezone.localdate().year,
        "nav_active": NAV})
