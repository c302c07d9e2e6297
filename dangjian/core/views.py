from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from dangjian.accounts.middleware import leaves_session_alone

from .errors import ActionError
from .models import AuditEvent, Finding, FindingState, Severity
from .permissions import VIEW, VIEW_AUDIT, WAIVE, can_in_org


@login_required
def home(request):
    """工作台: the user's organisations, the open warnings in their scope, and where to go next."""
    from dangjian.orgs.views import scope_roots, subtree_member_counts
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    from .permissions import user_scope

    user = request.user
    roots = list(scope_roots(user)[:20])
    scope = user_scope(user, VIEW)
    open_findings = Finding.objects.restrict(user, VIEW).filter(state=FindingState.OPEN)
    by_severity = dict(open_findings.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n"))
    severities = [(s.value, s.label, by_severity.get(s.value, 0)) for s in Severity]
    if scope.prefixes or scope.everything:
        counts = subtree_member_counts(roots)
        for r in roots:
            r.member_count = counts[r.pk]
        member_count = sum(counts.values())
    else:
        # Self-service: the member's own record only, not the size of their branch.
        for r in roots:
            r.member_count = None
        member_count = Person.objects.restrict(user, VIEW).filter(status__in=MEMBER_STATUSES).count()
    latest = list(open_findings.select_related("org").order_by("-first_seen")[:5])
    return render(request, "core/home.html", {
        "roots": roots, "severities": severities, "open_total": sum(by_severity.values()),
        "member_count": member_count, "latest_findings": latest,
    })


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
    except (qs.model.DoesNotExist, ValueError):
        raise Http404("未找到，或不在您的管理范围内。")


def _org_picker(form_field, params=None):
    from .forms import PickerWidget, org_label

    form_field.widget = PickerWidget("orgs:org_pick", org_label, params=params,
                                     placeholder="输入组织名称搜索（含下级）")


@login_required
def finding_list(request):
    """预警中心: every open (or waived, resolved) finding in the user's scope, with the article."""
    from .engine import registry
    from .filtersets import FindingFilterSet
    from .tables import FindingTable

    data = request.GET.copy()
    if "state" not in data and not data.get("filtered"):
        data.setlist("state", [FindingState.OPEN])  # what needs attention first
    base = Finding.objects.restrict(request.user, VIEW).select_related("org", "person")
    fs = FindingFilterSet(data, queryset=base)
    for name in ("org", "person", "period"):
        # Model choice lists would list every org and person in the database: not for the UI.
        fs.filters.pop(name, None)
    from django import forms

    _org_picker(fs.form.fields["within"])
    fs.form.fields["rule_id"].widget.attrs.update({"list": "rule-ids", "placeholder": "如 BR-01",
                                                   "class": "form-control"})
    for name in ("severity", "state"):
        field = fs.form.fields[name]
        field.widget = forms.CheckboxSelectMultiple(choices=field.choices, attrs={"class": "form-check-input"})
    valid = fs.is_valid()
    # The queue first, then the findings (core.pending: a job done in between leaves a banner, not stale rows);
    # for the org the page is filtered to (`within`), else the user's scope.
    from dangjian.orgs.models import Org

    from .pending import pending_checks, poll_url

    within = fs.form.cleaned_data.get("within") if valid else None
    within_org = Org.objects.restrict(request.user, VIEW).filter(pk=within).first() if within else None
    pending = pending_checks(request.user, None if not within else [within_org])
    table = FindingTable(fs.qs if valid else base.none(), user=request.user)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    waivable_orgs = {row.record.org_id for row in table.paginated_rows
                     if can_in_org(request.user, WAIVE, row.record.org)}
    return render(request, "core/finding_list.html", {
        "filter": fs, "table": table, "rules": list(registry), "waivable_orgs": waivable_orgs,
        "pending": pending, "pending_org": within_org, "pending_poll": poll_url(within_org) if pending else "",
    })


@leaves_session_alone      # (an open tab polling must not keep the session alive for ever)
@login_required
def pending_checks_fragment(request):
    """后台检查进行中: the banner alone, polled by itself while something is pending (`?org=`: that org's subtree,
    else the user's scope; `?since=`: when the page was shown, epoch seconds). Without pending work it answers the
    banner without its trigger — the polling stops — and says so in an HX-Trigger header (`pending-checks-done`):
    the findings around it are fetched again. POLL_LIMIT after `since` it stops too, saying to refresh later. An
    org gone or out of scope: 404, to htmx 286 (“stop polling”) with an empty banner."""
    import time

    from django.http import Http404

    from dangjian.orgs.models import Org

    from .params import ascii_int, id_param
    from .pending import LATE, POLL_LIMIT, pending_checks, poll_url

    org = None
    if "org" in request.GET:
        try:
            org = get_restricted(request, Org, VIEW, pk=id_param(request.GET.get("org"), default=0))
        except Http404:
            if request.headers.get("HX-Request") != "true":
                raise
            return render(request, "core/_pending_checks.html", {"pending": None}, status=286)
    now = int(time.time())
    since = min(ascii_int(request.GET.get("since"), default=now), now)   # (none, unreadable or to come: now)
    pending = pending_checks(request.user, None if org is None else [org])
    late = LATE if pending and now - since >= POLL_LIMIT else ""
    response = render(request, "core/_pending_checks.html", {
        "pending": pending, "pending_org": org, "pending_poll": poll_url(org, since), "pending_late": late})
    if not pending:
        response["HX-Trigger"] = "pending-checks-done"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def finding_waive(request, pk):
    """豁免: an authorised role says, with a reason, that an open finding does not apply."""
    from .forms import ReasonForm, apply_action_error

    finding = get_restricted(request, Finding.objects.select_related("org", "person"), WAIVE, pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from dangjian.core.actions import do_waive_finding

        try:
            do_waive_finding(finding, form.cleaned_data["reason"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已豁免预警 {finding.rule_id}。")
            return redirect(request.POST.get("next") or "core:finding_list")
    return render(request, "core/finding_waive.html", {"finding": finding, "form": form,
                                                       "next": request.GET.get("next", "")})


def render_history(request, obj, *, org, person=None, template="core/history.html", extra=None):
    """A history page (痕迹) for any object: the domain events written by actions, restricted with
    `view_audit`, and django-auditlog's field diffs (ID numbers arrive masked as ******; phones, e-mails and the
    like are masked by `privacy.masking` for readers without `view_id_number`)."""
    from auditlog.models import LogEntry

    user = request.user
    label = obj._meta.label_lower
    cond = Q(object_type=label, object_id=str(obj.pk))
    if person is not None:
        cond |= Q(person=person)
    elif obj._meta.label_lower == "orgs.org":
        cond |= Q(org=obj)
    events = AuditEvent.objects.restrict(user, VIEW_AUDIT).filter(cond).select_related("actor")
    page = Paginator(events, 30).get_page(request.GET.get("page"))
    own_record = person is not None and getattr(user, "person_id", None) == person.pk
    diffs = []
    if can_in_org(user, VIEW_AUDIT, org) or own_record:
        from dangjian.privacy.masking import Disclosure

        diffs = list(LogEntry.objects.get_for_object(obj).select_related("actor", "content_type")[:50])
        # 最小必要: phones, e-mails, ID numbers (former values too) masked unless the reader may see them in full.
        disclosure = Disclosure(user)
        for d in diffs:
            d.changes = disclosure.show(d.changes_dict, org=org, person=person)
    ctx = {"object": obj, "org": org, "person": person, "events": page, "diffs": diffs,
           "may_audit": can_in_org(user, VIEW_AUDIT, org) or own_record}
    ctx.update(extra or {})
    return render(request, template, ctx)
