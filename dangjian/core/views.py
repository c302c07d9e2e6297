from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "core/home.html", {})


def healthz(request):
    with connection.cursor() as c:
        c.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def get_restricted(request, queryset_or_model, action="view", **lookup):
    """The object-level door of `restrict()`: out-of-scope objects answer 404, never 403, so
    that their existence is not revealed."""
    from django.http import Http404

    qs = queryset_or_model if hasattr(queryset_or_model, "restrict") and not isinstance(queryset_or_model, type) \
        else queryset_or_model.objects.all()
    try:
        return qs.restrict(request.user, action).get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404("未找到，或不在您的管理范围内。")
