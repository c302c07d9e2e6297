"""Meeting attachments (photos, scans): uploaded from the meeting page, downloaded through
`restrict()` (404 out of scope) and always as a download — a user's upload is never rendered by the
browser as a page of this site."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import CHANGE, DELETE, VIEW
from dangjian.core.views import get_restricted

from . import actions
from .forms import DeleteForm
from .models import Meeting, MeetingAttachment

NAV = "orglife"


def _meeting_url(m, anchor="attachments"):
    return reverse("orglife:meeting_detail", kwargs={"pk": m.pk}) + f"#{anchor}"


@login_required
@require_POST
def meeting_attachment_upload(request, pk):
    m = get_restricted(request, Meeting.objects.select_related("org"), CHANGE, pk=pk)
    try:
        added = actions.do_add_attachments(m, request.FILES.getlist("files"), acting_user=request.user)
    except ActionError as e:
        messages.error(request, f"上传未成功，未保存任何文件：{e.message}")
    else:
        messages.success(request, f"已上传{len(added)}个附件。")
    return redirect(_meeting_url(m))


@login_required
@require_GET
def attachment_download(request, pk):
    a = get_restricted(request, MeetingAttachment.objects.select_related("meeting"), VIEW, pk=pk)
    try:
        fh = a.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件文件已丢失，请联系管理员。")
    # The type is read again from the stored bytes, never taken from the row (an import, an older version
    # or a hand-edited database may say anything) nor from the uploader: anything that is not one of the
    # accepted images or PDF goes out as opaque bytes.
    head = fh.read(64)
    fh.seek(0)
    content_type = actions.sniff_content_type(head) or "application/octet-stream"  # only image or PDF kinds
    response = FileResponse(fh, as_attachment=True, filename=a.original_name, content_type=content_type)
    # Belt and braces: even a browser that ignored the disposition may not sniff or run it.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def attachment_delete(request, pk):
    a = get_restricted(request, MeetingAttachment.objects.select_related("meeting__org"), DELETE, pk=pk)
    m = a.meeting
    form = DeleteForm(request.POST or None)
    form.fields["reason"].help_text = "例如：传错了照片、重复上传。理由将记入操作记录。"
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_delete_attachment(a, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已删除附件“{a.original_name}”。")
            return redirect(_meeting_url(m))
    from .views import _ancestors

    return render(request, "orglife/attachment_delete.html", {
        "form": form, "a": a, "m": m, "org": m.org, "ancestors": _ancestors(m.org, request.user),
        "nav_active": NAV, "title": f"删除附件：{a.original_name}", "cancel_url": _meeting_url(m),
    })
