"""DJX in the browser: download what you may see; upload, review the report, then commit."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from dangjian.core.params import id_param
from dangjian.core.permissions import ADD, user_scope
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org

from .actions import do_import_djx
from .exporter import export_document
from .forms import UploadForm
from .validation import DjxInvalid, load_text

SESSION_KEY = "djx_upload"


@login_required
def index(request):
    from dangjian.core.permissions import VIEW_ID_NUMBER
    from dangjian.orgs.choices import OrgType

    # Export scopes offered in the picker: the organisations that have sub-organisations.
    orgs = Org.objects.restrict(request.user).active().exclude(
        type__in=[OrgType.BRANCH, OrgType.GROUP]).only("pk", "name", "path")[:500]
    return render(request, "djx/index.html", {
        "nav_active": "djx", "orgs": orgs,
        "can_import": not user_scope(request.user, ADD).empty,
        "can_see_numbers": not user_scope(request.user, VIEW_ID_NUMBER).empty})


@login_required
def export_view(request):
    org = None
    ref = request.GET.get("org")
    if ref:
        if id_param(ref) is None:
            raise Http404("未找到，或不在您的管理范围内。")
        org = get_restricted(request, Org, pk=id_param(ref))
    doc = export_document(user=request.user, org=org)
    from dangjian.privacy.access import record_djx_export

    record_djx_export(request, user=request.user, org=org)     # 个人信息访问记录：数据交换导出
    name = f"{org.name if org else '全部'}-{timezone.localdate():%Y%m%d}.djx.json"
    response = HttpResponse(json.dumps(doc, ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "djx-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pending(request):
    data = request.session.get(SESSION_KEY)
    if not data or not isinstance(data, dict):
        return None
    path = _upload_dir() / f"{data.get('token', '')}.json"
    return (data, path) if data.get("token") and path.exists() else None


def _discard(request):
    pending = _pending(request)
    if pending:
        pending[1].unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    if user_scope(request.user, ADD).empty:
        raise Http404("未找到，或不在您的管理范围内。")
    form = UploadForm(user=request.user)
    context = {"form": form, "report": None, "errors": None, "confirm": False, "nav_active": "djx"}
    step = request.POST.get("step") if request.method == "POST" else None

    if step == "validate":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        context["form"] = form
        if form.is_valid():
            _discard(request)
            attach_to = form.cleaned_data["attach_to"]
            raw = form.cleaned_data["file"].read()
            try:
                doc = load_text(raw)
            except DjxInvalid as e:
                context["errors"] = e.errors
                return render(request, "djx/import.html", context)
            report = do_import_djx(doc, acting_user=request.user, dry_run=True, attach_to=attach_to)
            context.update(report=report, errors=report.errors or None, filename=form.cleaned_data["file"].name)
            if report.ok:
                token = secrets.token_urlsafe(24)
                (_upload_dir() / f"{token}.json").write_bytes(raw)
                request.session[SESSION_KEY] = {"token": token, "name": form.cleaned_data["file"].name,
                                                "attach_to": attach_to.pk if attach_to else None}
                context.update(confirm=True, token=token)
        return render(request, "djx/import.html", context)

    if step in ("confirm", "cancel"):
        pending = _pending(request)
        if pending is None or request.POST.get("token") != pending[0]["token"]:
            messages.error(request, "待确认的导入已失效，请重新上传文件。")
            return redirect("djx_import")
        data, path = pending
        if step == "cancel":
            _discard(request)
            messages.info(request, "已取消导入，未写入任何数据。")
            return redirect("djx_import")
        attach_to = get_restricted(request, Org, ADD, pk=data["attach_to"]) if data.get("attach_to") else None
        doc = load_text(path.read_bytes())
        report = do_import_djx(doc, acting_user=request.user, attach_to=attach_to)
        _discard(request)
        context.update(report=report, errors=report.errors or None, filename=data["name"], done=report.ok)
        if report.ok:
            messages.success(request, f"已导入“{data['name']}”。")
        return render(request, "djx/import.html", context)

    return render(request, "djx/import.html", context)
