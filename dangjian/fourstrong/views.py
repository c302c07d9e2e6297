"""“四强”党支部 screens: the standards (the jurisdiction drafts, edits and publishes; the branches below read the
published ones); a branch's 创建 page (its standing against the baseline — which findings stand in the way —, its
applications and titles); an application (self-assessment with the evidence from the records, submission, the
机关党委's review, the jurisdiction's 命名); the review queues; the register of named branches (tree order, no
ranking) and a title's 复核 and revocation. Out of scope is 404; a refused form keeps what was typed."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org

from . import actions, baseline, evidence
from .choices import JURISDICTION_TYPES, ApplicationState, TitleState
from .forms import (CommentForm, CriterionForm, DecideForm, OpenForm, RecheckForm, RevokeForm, StandardForm,
                    StandardSettingsForm)
from .models import Application, Criterion, Standard, StandardDimension, Title

NAV = "fourstrong"
NOT_FOUND = "未找到，或不在您的管理范围内。"


def _posted(request, name):
    return request.POST if request.method == "POST" and request.POST.get("form") == name else None


def _page(request, template, ctx):
    ctx.setdefault("nav_active", NAV)
    return render(request, template, ctx)


def _dimensions(standard):
    dims = list(standard.dimensions.prefetch_related("criteria"))
    for d in dims:
        d.rows = list(d.criteria.all())
        d.full = sum((c.points for c in d.rows), 0)
    return dims


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    """The standards in scope (and the published ones above the user's branches), the branches the user keeps."""
    user = request.user
    jurisdictions = Org.objects.restrict(user, CHANGE).filter(type__in=JURISDICTION_TYPES, dissolved__isnull=True)
    form = StandardForm(_posted(request, "standard"), jurisdictions=jurisdictions,
                        initial={"year": timezone.localdate().year}) if jurisdictions.exists() else None
    if _posted(request, "standard"):
        if form is None:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                s = actions.do_create_standard(acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已创建“{s}”，已按四个维度预置具体标准，请调整后发布。")
                return redirect("fourstrong:fsstandard_detail", pk=s.pk)
    standards = list(Standard.objects.restrict(user, VIEW).select_related("jurisdiction")[:200])
    branches, summary, more = _branch_standing(user)
    return _page(request, "fourstrong/index.html", {"standards": standards, "form": form, "branches": branches,
                                                   "summary": summary, "more": more, "tab": "standards"})


BRANCH_LIMIT = 1000
IN_PROGRESS = (ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.RETURNED, ApplicationState.PASSED)


def _branch_standing(user):
    """The branches the user keeps, in tree order, each with where it stands — named (until when), applying (which
    step), held back by findings, or free to apply — and how many stand where. Five queries whatever their number;
    not a ranking."""
    today = timezone.localdate()
    qs = Org.objects.restrict(user, CHANGE).filter(type="branch", dissolved__isnull=True).order_by("path")
    branches = list(qs[:BRANCH_LIMIT + 1])
    more = len(branches) > BRANCH_LIMIT
    branches = branches[:BRANCH_LIMIT]
    ids = [b.pk for b in branches]
    titles = {t.org_id: t for t in Title.objects.filter(org_id__in=ids, state__in=(TitleState.VALID, TitleState.FLAGGED),
                                                        valid_until__gte=today).order_by("valid_from")}
    applying = {a.org_id: a for a in Application.objects.filter(org_id__in=ids, state__in=IN_PROGRESS,
                                                                 year__gte=today.year - 1).order_by("created_at")}
    blocked = baseline.blocked_org_ids(branches)
    summary = {"named": 0, "applying": 0, "blocked": 0, "free": 0}
    for b in branches:
        b.title, b.application, b.blocked = titles.get(b.pk), applying.get(b.pk), b.pk in blocked
        b.standing = ("named" if b.title else "applying" if b.application else "blocked" if b.blocked else "free")
        summary[b.standing] += 1
    return branches, summary, more


@login_required
@require_http_methods(["GET", "POST"])
def standard_detail(request, pk):
    user = request.user
    standard = get_restricted(request, Standard.objects.select_related("jurisdiction"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, standard.jurisdiction) and not standard.published_at
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted and not can_in_org(user, CHANGE, standard.jurisdiction):
        raise Http404(NOT_FOUND)
    crit_form = CriterionForm(_posted(request, "criterion"), standard=standard)
    settings_form = StandardSettingsForm(_posted(request, "settings"), initial={
        "name": standard.name, "validity_years": standard.validity_years, "recheck_months": standard.recheck_months,
        "pass_score": standard.pass_score})
    typed_weights, weight_error = {}, ""
    try:
        if posted == "criterion" and crit_form.is_valid():
            d = crit_form.cleaned_data
            actions.do_add_criterion(d["dimension"], text=d["text"], points=d["points"], evidence_key=d["evidence_key"],
                                     minimum=d["minimum"], acting_user=user)
            messages.success(request, "已添加具体标准。")
            return redirect(request.path)
        if posted == "settings" and settings_form.is_valid():
            actions.do_update_standard(standard, acting_user=user, **settings_form.cleaned_data)
            messages.success(request, "已保存。")
            return redirect(request.path)
        if posted == "weights":
            typed_weights = {dim.pk: request.POST[f"weight_{dim.pk}"] for dim in standard.dimensions.all()
                             if f"weight_{dim.pk}" in request.POST}
            actions.do_set_weights(standard, typed_weights, acting_user=user)
            messages.success(request, "已保存权重。")
            return redirect(request.path)
        if posted in ("criterion_update", "criterion_delete"):
            c = Criterion.objects.get(dimension__standard=standard, pk=int(request.POST.get("criterion") or 0))
            if posted == "criterion_delete":
                actions.do_delete_criterion(c, acting_user=user)
                messages.success(request, "已删除。")
            else:
                actions.do_update_criterion(c, acting_user=user, text=request.POST.get("text", ""),
                                            points=request.POST.get("points", ""),
                                            evidence_key=request.POST.get("evidence_key", ""),
                                            minimum=request.POST.get("minimum") or None)
                messages.success(request, "已修改。")
            return redirect(request.path)
        if posted == "publish":
            actions.do_publish_standard(standard, acting_user=user)
            messages.success(request, "创建标准已发布，下级党支部可以按此申报。")
            return redirect(request.path)
    except (Criterion.DoesNotExist, ValueError):
        raise Http404("未找到该项标准。")
    except ActionError as e:
        target = crit_form if posted == "criterion" else settings_form if posted == "settings" else None
        if target is not None:
            apply_action_error(target, e)
        else:
            messages.error(request, e.message)
            weight_error = e.field or ""
    dims = _dimensions(standard)
    for d in dims:
        # What was typed comes back after a refusal (nothing was saved).
        d.typed = typed_weights.get(d.pk)
        d.invalid = weight_error == f"weight_{d.pk}"
    return _page(request, "fourstrong/standard_detail.html", {
        "standard": standard, "dims": dims, "may_change": may_change, "crit_form": crit_form,
        "settings_form": settings_form, "weight_total": sum(d.weight for d in dims),
        "evidence_choices": evidence.choices(with_text=True),
        "applications": Application.objects.restrict(user, VIEW).filter(standard=standard).count()})


def _blocking_rows(findings):
    return [{"f": f, "title": baseline.rule_title(f.rule_id)} for f in findings]


@login_required
@require_http_methods(["GET", "POST"])
def branch(request, org_pk):
    """A branch's 创建 page: does it meet the baseline (and which findings stand in the way), its applications and
    titles, and applying under a published standard of a level above."""
    user = request.user
    org = get_restricted(request, Org, VIEW, pk=org_pk)
    if org.type != "branch":
        raise Http404("“四强”党支部由党支部申报。")
    # Only the branch's own admins apply; the levels above read this page.
    may_apply = actions.holds_role_at(user, org)
    above = [o.pk for o in org.ancestors_and_self() if o.pk != org.pk]
    first, last = actions.open_years(timezone.localdate())
    standards = Standard.objects.filter(jurisdiction_id__in=above, published_at__isnull=False,
                                        year__gte=first, year__lte=last).exclude(
        applications__org=org).select_related("jurisdiction").order_by("-year", "jurisdiction__path")
    form = OpenForm(_posted(request, "apply"), standards=standards) if may_apply else None
    if _posted(request, "apply"):
        if form is None:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                app = actions.do_open_application(standard=form.cleaned_data["standard"], org=org, acting_user=user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, "已开始申报，请逐项自评；佐证材料由系统从记录中自动汇集。")
                return redirect("fourstrong:fsapplication_detail", pk=app.pk)
    findings = baseline.blocking_findings(org)
    apps = list(Application.objects.filter(org=org).select_related("standard__jurisdiction"))
    titles = list(Title.objects.filter(org=org).select_related("standard__jurisdiction"))
    return _page(request, "fourstrong/branch.html", {
        "org": org, "blocking": _blocking_rows(findings), "apps": apps, "titles": titles, "form": form,
        "has_standards": standards.exists() if form is not None else False, "today": timezone.localdate(),
        "prefixes": baseline.gated_prefixes()})


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request, pk):
    user = request.user
    app = get_restricted(request, Application.objects.select_related("org", "standard__jurisdiction"), VIEW, pk=pk)
    # The branch's own admins fill in and submit; the levels above read the application (and review or name it).
    may_edit = actions.holds_role_at(user, app.org) and app.state in (ApplicationState.DRAFT, ApplicationState.RETURNED)
    may_review = actions.may_review(user, app) and app.state == ApplicationState.SUBMITTED
    may_decide = actions.may_decide(user, app) and app.state == ApplicationState.PASSED
    # The reviewer of a jurisdiction that also names (a 机关党委's own standard) is told someone else names it.
    reviewer_cannot_name = (app.state == ApplicationState.PASSED and app.reviewed_by_id == user.pk
                            and can_in_org(user, CHANGE, app.standard.jurisdiction))
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted in ("self", "submit") and not may_edit:
        raise Http404(NOT_FOUND)
    if posted in ("pass", "return") and not may_review:
        raise Http404(NOT_FOUND)
    if posted in ("name", "reject") and not may_decide:
        raise Http404(NOT_FOUND)
    comment = CommentForm(request.POST if posted in ("pass", "return") else None)
    decide = DecideForm(request.POST if posted in ("name", "reject") else None, initial={"on": timezone.localdate()})
    typed = {}
    if posted in ("self", "submit", "pass"):
        prefix = "review" if posted == "pass" else "self"
        typed = {int(k[len(prefix) + 1:]): (v, request.POST.get(f"{prefix}text_{k[len(prefix) + 1:]}", ""))
                 for k, v in request.POST.items() if k.startswith(prefix + "_") and k[len(prefix) + 1:].isdecimal()
                 and k[len(prefix) + 1:].isascii()}
    try:
        if posted in ("self", "submit"):
            actions.do_save_self_assessment(app, scores=typed, summary=request.POST.get("summary", ""), acting_user=user)
            if posted == "submit":
                actions.do_submit(app, acting_user=user)
                messages.success(request, "已提交，等待机关党委审核。佐证材料已按提交时的记录固定。")
            else:
                messages.success(request, "自评已保存。")
            return redirect(request.path)
        if posted in ("pass", "return") and comment.is_valid():
            actions.do_review(app, passed=posted == "pass", scores=typed, comment=comment.cleaned_data["comment"],
                              acting_user=user)
            messages.success(request, "审核通过，报命名机关命名。" if posted == "pass" else "已退回修改。")
            return redirect(request.path)
        if posted in ("name", "reject") and decide.is_valid():
            actions.do_decide(app, named=posted == "name", on=decide.cleaned_data["on"],
                              comment=decide.cleaned_data["comment"], acting_user=user)
            messages.success(request, "已命名。" if posted == "name" else "已决定不予命名。")
            return redirect(request.path)
    except ActionError as e:
        target = comment if posted in ("pass", "return") else decide if posted in ("name", "reject") else None
        if target is not None:
            apply_action_error(target, e)
        else:
            messages.error(request, e.message)
    app.refresh_from_db()
    frozen = app.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED)
    ev = app.evidence if frozen and app.evidence else evidence.collect(app.org, app.year, timezone.localdate())
    items = (ev or {}).get("items") or {}
    scores = {s.criterion_id: s for s in app.scores.all()}
    dims = _dimensions(app.standard)
    short = {s["criterion"].pk for s in actions.shortfalls(app.standard, ev)}
    for d in dims:
        for c in d.rows:
            c.score = scores.get(c.pk)
            c.item = dict(items[c.evidence], shown=evidence.shown(items[c.evidence])) if c.evidence in items else None
            c.short = c.pk in short
            # What was typed comes back after a refusal.
            if c.pk in typed:
                c.typed = typed[c.pk]
    show_blocking = app.state in (ApplicationState.DRAFT, ApplicationState.RETURNED, ApplicationState.SUBMITTED,
                                  ApplicationState.PASSED)
    title = Title.objects.filter(application=app).first()
    return _page(request, "fourstrong/application.html", {
        "app": app, "dims": dims, "evidence": evidence.ordered(ev), "frozen": frozen, "as_of": ev.get("as_of"),
        "blocking": _blocking_rows(baseline.blocking_findings(app.org)) if show_blocking else [],
        "short": bool(short), "may_edit": may_edit, "may_review": may_review, "may_decide": may_decide,
        "comment": comment, "decide": decide, "reviewer": actions.reviewer_org(app), "title": title, "posted": posted,
        "reviewer_cannot_name": reviewer_cannot_name})


@login_required
def reviews(request):
    """审核 and 命名 queues: the applications waiting for a level the user keeps (not their own branch's)."""
    user = request.user
    waiting = list(Application.objects.restrict(user, CHANGE).filter(
        state__in=(ApplicationState.SUBMITTED, ApplicationState.PASSED)).select_related(
        "org", "standard__jurisdiction").order_by("org__path")[:300])
    parents = {o.path: o for o in Org.objects.filter(
        path__in={a.org.path[:-Org.steplen] for a in waiting})}
    to_review, to_name = [], []
    for a in waiting:
        parent = parents.get(a.org.path[:-Org.steplen])
        if a.state == ApplicationState.SUBMITTED and parent is not None and actions.holds_role_at(user, parent):
            to_review.append(a)
        elif a.state == ApplicationState.PASSED and actions.may_decide(user, a):
            to_name.append(a)
    blocked = baseline.blocked_org_ids({a.org for a in to_review + to_name})
    for a in to_review + to_name:
        a.blocked = a.org_id in blocked
    return _page(request, "fourstrong/reviews.html", {"to_review": to_review, "to_name": to_name, "tab": "reviews"})


@login_required
def register(request):
    """命名名册: the titles in scope in tree order (no ranking), with validity and the next re-check."""
    user = request.user
    today = timezone.localdate()
    show = request.GET.get("show", "current")
    titles = Title.objects.restrict(user, VIEW).select_related("org", "standard__jurisdiction").order_by("org__path", "-valid_from")
    if show == "current":
        titles = titles.exclude(state=TitleState.REVOKED).filter(valid_until__gte=today)
    rows = list(titles[:1000])
    blocked = baseline.blocked_org_ids({t.org for t in rows if t.state != TitleState.REVOKED})
    for t in rows:
        t.status = t.status_on(today)
        t.due = t.recheck_due(today)
        t.blocked = t.org_id in blocked
    return _page(request, "fourstrong/register.html", {"rows": rows, "show": show, "today": today, "tab": "register"})


@login_required
@require_http_methods(["GET", "POST"])
def title_detail(request, pk):
    user = request.user
    title = get_restricted(request, Title.objects.select_related("org", "standard__jurisdiction", "application"),
                           VIEW, pk=pk)
    may = can_in_org(user, CHANGE, title.standard.jurisdiction)
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted and not may:
        raise Http404(NOT_FOUND)
    today = timezone.localdate()
    recheck = RecheckForm(_posted(request, "recheck"), initial={"on": today})
    revoke = RevokeForm(_posted(request, "revoke"), initial={"on": today})
    try:
        if posted == "recheck" and recheck.is_valid():
            r = actions.do_recheck(title, acting_user=user, **recheck.cleaned_data)
            messages.success(request, r.get_outcome_display())
            return redirect(request.path)
        if posted == "revoke" and revoke.is_valid():
            actions.do_revoke(title, acting_user=user, **revoke.cleaned_data)
            messages.success(request, "已撤销命名。")
            return redirect(request.path)
    except ActionError as e:
        apply_action_error(recheck if posted == "recheck" else revoke, e)
    title.refresh_from_db()
    active = title.state != TitleState.REVOKED and not title.lapsed_on(today)
    return _page(request, "fourstrong/title.html", {
        "title": title, "rechecks": list(title.rechecks.select_related("recorded_by")), "may": may and active,
        "recheck": recheck, "revoke": revoke, "status": title.status_on(today), "due": title.recheck_due(today),
        "blocking": _blocking_rows(baseline.blocking_findings(title.org)) if active else []})
