"""年度计划 screens: an org's year month by month, and the same as an iCalendar file for a phone.

The org is reached through `restrict()` (404 out of scope); the plan itself is derived by
`plan.year_plan` from the rules' own periods and the jurisdiction's effective settings."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core import engine
from dangjian.core.permissions import ADD, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org

from . import plan

YEARS_BACK, YEARS_AHEAD = 5, 1   # a plan for the distant past or future is nobody's calendar


def _org_and_year(request, pk, year):
    org = get_restricted(request, Org, VIEW, pk=pk)
    this_year = timezone.localdate().year
    year = this_year if year is None else int(year)
    if not (this_year - YEARS_BACK <= year <= this_year + YEARS_AHEAD):
        raise Http404(f"只能查看 {this_year - YEARS_BACK}—{this_year + YEARS_AHEAD} 年的年度计划。")
    return org, year


@login_required
@require_GET
def org_plan(request, pk, year=None):
    from .views import NAV, _ancestors

    org, year = _org_and_year(request, pk, year)
    settings = engine.effective_settings()
    items = plan.year_plan(org, year, settings)
    counts = {s: sum(1 for i in items if i.status == s) for s in plan.STATUS_LABELS}
    this_year = timezone.localdate().year
    return render(request, "orglife/plan_org.html", {
        "org": org, "year": year, "months": plan.by_month(items), "items": items, "counts": counts,
        "ancestors": _ancestors(org, request.user), "nav_active": NAV,
        "years": list(range(this_year - YEARS_BACK, this_year + YEARS_AHEAD + 1)),
        "lecture_per": settings.get("lecture_per"),
        "may_add": can_in_org(request.user, ADD, org) and not org.is_dissolved,
    })


@login_required
@require_GET
def org_plan_ics(request, pk, year=None):
    org, year = _org_and_year(request, pk, year)
    items = plan.year_plan(org, year, engine.effective_settings())
    # UIDs name no host: the same plan fetched through another address must update, not duplicate.
    body = plan.to_ics(org, year, items)
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    filename = f"{org.name}{year}年组织生活计划.ics"
    response["Content-Disposition"] = (f"attachment; filename=\"plan-{org.pk}-{year}.ics\"; "
                                       f"filename*=UTF-8''{quote(filename)}")
    return response
