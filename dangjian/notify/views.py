from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.utils.html import format_html
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dangjian.core.errors import ActionError

from . import actions
from .models import Notification


def _next(request, default="notify:list"):
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return redirect(nxt)
    return redirect(default)


@login_required
def notification_list(request):
    """我的提醒: only the user's own reminders (personal, not org-scoped), newest first."""
    qs = (Notification.objects.filter(recipient=request.user)
          .select_related("finding").order_by("-created", "-id"))
    if request.GET.get("show") == "unread":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page, "show": request.GET.get("show", "")})


@login_required
@require_POST
def mark_read(request):
    try:
        actions.do_mark_read(request.user, request.POST.get("id"), acting_user=request.user)
    except ActionError:
        raise Http404("未找到这条提醒") from None
    return _next(request)


@login_required
@require_POST
def mark_all_read(request):
    n = actions.do_mark_all_read(request.user, acting_user=request.user)
    messages.success(request, f"已将 {n} 条提醒标记为已读。" if n else "没有未读的提醒。")
    return _next(request)


def badge(request):
    """The navbar's unread count (an htmx fragment, one query). A logged-out session gets 204, which
    htmx leaves alone, rather than a login page swapped into the navbar."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    n = actions.unread_count(request.user)
    if not n:
        return HttpResponse('<span class="visually-hidden">没有未读提醒</span>')
    return HttpResponse(format_html(
        '<span class="badge rounded-pill text-bg-danger" data-testid="notify-badge">{}'
        '<span class="visually-hidden"> 条未读提醒</span></span>', n))
