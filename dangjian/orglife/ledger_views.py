"""Downloads of the 台账: a branch's year as Word or PDF, a subtree's year as Excel. Every org comes
through `get_restricted` (out of scope: 404), and the documents are built from the recorded meetings."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.dbrouter import replica_view
from dangjian.core.downloads import DOCX, PDF, XLSX, download
from dangjian.core.params import id_param
from dangjian.core.permissions import VIEW
from dangjian.core.views import get_restricted
from dangjian.orgs.choices import OrgType
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from . import ledger
from .views import _ancestors

FIRST_YEAR = 2000


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise Http404("年度超出范围。")
    return year



def _branch(request, pk):
    org = get_restricted(request, Org, VIEW, pk=pk)
    if org.type not in (OrgType.BRANCH, OrgType.GENERAL_BRANCH, OrgType.GROUP):
        raise Http404("组织生活台账按党支部生成；上级党组织请下载汇总表。")
    return org


@login_required
@require_GET
@replica_view
def org_ledger_docx(request, pk: int, year: int):
    org = _branch(request, pk)
    data = ledger.branch_ledger(org, _year(year), request.user)
    return download(ledger.render_docx(data), DOCX, f"{org.name}{year}年度组织生活台账.docx",
                     f"ledger-{org.pk}-{year}.docx")


@login_required
@require_GET
@replica_view
def org_ledger_pdf(request, pk: int, year: int):
    org = _branch(request, pk)
    data = ledger.branch_ledger(org, _year(year), request.user)
    return download(ledger.render_pdf(ledger.render_html(data)), PDF, f"{org.name}{year}年度组织生活台账.pdf",
                     f"ledger-{org.pk}-{year}.pdf")


@login_required
@require_GET
@replica_view
def org_ledger_xlsx(request, pk: int, year: int):
    org = get_restricted(request, Org, VIEW, pk=pk)
    content = ledger.subtree_summary_xlsx(org, _year(year), request.user)
    return download(content, XLSX, f"{org.name}{year}年度组织生活汇总表.xlsx", f"ledger-summary-{org.pk}-{year}.xlsx")


@login_required
@require_GET
def ledger_index(request):
    """Pick a year and download the three documents of `?org=` (without it: the user's own branch)."""
    org_id = id_param(request.GET.get("org"))
    if org_id is None:
        org_id = (Person.objects.filter(pk=getattr(request.user, "person_id", None))
                  .values_list("org_id", flat=True).first())
        if not org_id:
            raise Http404("请从组织页面进入（未指定党组织）。")
    org = get_restricted(request, Org, VIEW, pk=org_id)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    year = min(max(year, FIRST_YEAR), this_year)
    branches = (Org.objects.restrict(request.user, VIEW)
                .filter(path__startswith=org.path, type=OrgType.BRANCH).count())
    return render(request, "orglife/ledger_index.html", {
        "org": org, "year": year, "years": list(range(this_year, max(FIRST_YEAR, this_year - 9) - 1, -1)),
        "is_branch": org.type in (OrgType.BRANCH, OrgType.GENERAL_BRANCH, OrgType.GROUP),
        "branch_count": branches, "nav_active": "orglife", "ancestors": _ancestors(org, request.user),
    })
