"""个人信息访问记录 (for auditors and admins in their subtree; a member sees who viewed their own data) and the
person page's 导出个人数据."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.downloads import download
from dangjian.core.errors import ActionError
from dangjian.core.forms import DateInput
from dangjian.core.permissions import VIEW_AUDIT, VIEW_ID_NUMBER, user_scope
from dangjian.core.views import get_restricted
from dangjian.people.models import Person

from . import actions
from .filtersets import PersonalDataAccessFilterSet
from .models import PersonalDataAccess

PER_PAGE = 50
ZIP = "application/zip"


@login_required
@require_GET
def access_list(request):
    base = PersonalDataAccess.objects.restrict(request.user, VIEW_AUDIT).select_related("actor__person", "person", "org")
    fs = PersonalDataAccessFilterSet(request.GET or None, queryset=base)
    for name, field in fs.form.fields.items():
        field.widget.attrs.setdefault("class", "form-select" if name == "purpose" else "form-control")
    for name in ("since", "until"):
        fs.form.fields[name].widget = DateInput(attrs={"class": "form-control"})
    # An invalid filter shows no rows (like the other lists), never everything.
    qs = (fs.qs if fs.is_valid() else base.none()) if fs.is_bound else base
    page = Paginator(qs.order_by("-created", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    own_only = user_scope(request.user, VIEW_AUDIT).empty     # a member: only the records about themself
    return render(request, "privacy/access_list.html", {
        "filter": fs, "page": page, "query": params.urlencode(), "own_only": own_only,
        "invalid": fs.is_bound and not fs.is_valid()})


@never_cache
@login_required
@require_POST
def person_export(request, pk):
    """导出个人数据: the zip of every record about the person; admins with the person in scope only (404 otherwise)."""
    person = get_restricted(request, Person.objects.select_related("org"), VIEW_ID_NUMBER, pk=pk)
    try:
        content, filename = actions.do_export_person_data(request.user, person, request=request)
    except ActionError as e:
        messages.error(request, e.message)
        return redirect("people:person_detail", pk=person.pk)
    return download(content, ZIP, filename, f"person-data-{person.pk}.zip")
