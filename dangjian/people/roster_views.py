"""Web pages of the Excel 党员花名册: template download, upload → preview → 确认导入, export."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.errors import ActionError
from dangjian.core.params import id_param
from dangjian.core.permissions import ADD, VIEW, VIEW_ID_NUMBER, user_scope
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.privacy.access import record_access
from dangjian.privacy.choices import Purpose

from . import actions, roster
from .filtersets import PersonFilterSet
from .models import Person

MAX_UPLOAD = 20 * 1024 * 1024
PREVIEW_ROWS_SHOWN = 500


def _require_import_right(user) -> None:
    if user_scope(user, ADD).empty:
        raise PermissionDenied("只有党组织管理员（书记、组织委员）可以导入花名册。")


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=roster.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def template(request):
    _require_import_right(request.user)
    return _xlsx(roster.build_template(request.user), "党员花名册模板.xlsx")


@login_required
def upload(request):
    _require_import_right(request.user)
    error = None
    if request.method == "POST":
        f = request.FILES.get("file")
        if f is None:
            error = "请选择要上传的花名册文件（.xlsx）。"
        elif not f.name.lower().endswith(".xlsx"):
            error = "只能上传 .xlsx 格式的 Excel 文件；旧版 .xls 请先在 Excel 中“另存为” .xlsx。"
        elif f.size > MAX_UPLOAD:
            error = "文件超过 20 MB，请分成几个文件分批导入。"
        else:
            try:
                preview = roster.parse_workbook(f, org_scope_user=request.user, filename=f.name)
            except ActionError as e:
                error = e.message
            else:
                token = roster.save_preview(preview, request.user)
                return redirect("people:roster_preview", token=token)
    return render(request, "people/roster_import.html", {"error": error}, status=400 if error else 200)


def _load(request, token):
    preview = roster.load_preview(token, request.user)
    if preview is None:
        raise Http404("该导入预览不存在或已过期，请重新上传花名册。")
    return preview


@login_required
@require_GET
def preview(request, token):
    _require_import_right(request.user)
    p = _load(request, token)
    errors = p.errors
    rows = [r for r in p.rows if r.errors] + [r for r in p.rows if not r.errors]
    return render(request, "people/roster_preview.html", {
        "preview": p, "token": token, "counts": p.counts, "errors": errors[:PREVIEW_ROWS_SHOWN],
        "more_errors": max(0, len(errors) - PREVIEW_ROWS_SHOWN), "rows": rows[:PREVIEW_ROWS_SHOWN],
        "more_rows": max(0, len(rows) - PREVIEW_ROWS_SHOWN),
    })


@login_required
@require_POST
def commit(request, token):
    _require_import_right(request.user)
    p = _load(request, token)
    try:
        result = roster.commit(p, acting_user=request.user)
    except actions.RosterImportError as e:
        # Something changed since the preview (or the preview had errors): show why, keep nothing.
        for msg in e.errors[:20]:
            messages.error(request, msg)
        messages.error(request, e.message if len(e.errors) <= 20 else f"共 {len(e.errors)} 处问题，未导入任何数据。")
        return redirect("people:roster_preview", token=token)
    except ActionError as e:
        messages.error(request, e.message)
        return redirect("people:roster_preview", token=token)
    roster.discard_preview(token)
    messages.success(request, f"导入完成：{result}。")
    return redirect(reverse("people:roster_import"))


@login_required
@require_GET
def export(request):
    """A subtree's 花名册. Out-of-scope `within` answers 404 like every object route; ID numbers
    are masked except where the user may see them (view_id_number), and the export is logged."""
    user = request.user
    within = request.GET.get("within")
    org = None
    if within:
        if id_param(within) is None:
            raise Http404("未找到，或不在您的管理范围内。")
        org = get_restricted(request, Org, VIEW, pk=id_param(within))
    qs = Person.objects.restrict(user, VIEW)
    filterset = PersonFilterSet(request.GET, queryset=qs, request=request)
    if not filterset.is_valid():
        return HttpResponse("筛选条件有误：" + "；".join(
            f"{filterset.filters[k].label}：{'、'.join(v)}" for k, v in filterset.errors.items()), status=400,
            content_type="text/plain; charset=utf-8")
    id_scope = user_scope(user, VIEW_ID_NUMBER)

    def may_see(person) -> bool:
        return id_scope.everything or (person.org_id is not None and any(
            person.org.path.startswith(p) for p in id_scope.prefixes))

    data, stats = roster.export_workbook_with_stats(filterset.qs, reveal_id_numbers=may_see)
    actions.do_log_roster_export(acting_user=user, count=stats["count"], revealed=stats["revealed"], org=org)
    record_access(request, filterset.qs, Purpose.ROSTER_EXPORT, skip_self=False)   # one row per person, one INSERT
    name = f"党员花名册-{org.name if org else '全部'}-{timezone.localdate():%Y%m%d}.xlsx"
    return _xlsx(data, name)
