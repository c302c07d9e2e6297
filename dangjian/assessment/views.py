"""考责 screens: schemes and their indicator tree (the issuing level edits, publishes and re-scores; every
change re-scores), results side by side (the "不平衡" view, in tree order, not a ranking), one org's result
explained item by item with the assessors' forms, 述职 reports and 述职评议会 with tallies and grades, and
the 问责 register (discipline roles only; anyone else gets 404). Exports are Excel."""
from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.downloads import XLSX, download
from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import CHANGE, VIEW, VIEW_DISCIPLINE, can_in_org, user_scope
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from . import actions, exports, scoring
from .choices import ISSUER_TYPES, Grade, IndicatorKind, Method, ReportKind
from .forms import (AccountabilityForm, AppraiseForm, IndicatorForm, ManualScoreForm, ReportForm, ReviewForm,
                    SchemeForm)
from .models import Accountability, Indicator, Report, Result, ReviewMeeting, Scheme

NAV = "assessment"
BACKGROUND = "考核对象较多，正在后台重新评分，稍后刷新页面查看结果。"


def render_page(request, template, ctx):
    ctx.setdefault("nav_active", NAV)
    ctx["discipline"] = not user_scope(request.user, VIEW_DISCIPLINE).empty
    return render(request, template, ctx)


def _posted(request, name):
    return request.POST if request.method == "POST" and request.POST.get("form") == name else None


def _tree(scheme):
    """Dimensions with their leaves, then the leaves without a dimension, in order."""
    inds = list(scheme.indicators.all())
    groups = [i for i in inds if i.kind == IndicatorKind.GROUP]
    for g in groups:
        g.leaves = [i for i in inds if i.parent_id == g.pk]
        g.total = sum((i.points for i in g.leaves if i.kind == IndicatorKind.SCORE), scoring.ZERO)
    loose = [i for i in inds if i.kind != IndicatorKind.GROUP and i.parent_id is None]
    leaves = [leaf for g in groups for leaf in g.leaves] + loose
    return groups, loose, leaves


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    user = request.user
    issuers = Org.objects.restrict(user, CHANGE).filter(type__in=ISSUER_TYPES).order_by("path")
    form = SchemeForm(_posted(request, "scheme"), issuers=issuers,
                      initial={"year": timezone.localdate().year}) if issuers.exists() else None
    if _posted(request, "scheme"):
        if form is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            try:
                s = actions.do_create_scheme(acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已创建考核方案“{s}”，请添加指标。")
                return redirect("assessment:scheme_detail", pk=s.pk)
    schemes = list((Scheme.objects.restrict(user, VIEW) | Scheme.objects.filter(
        assessors=user, published_at__isnull=False)).distinct().select_related("issuer")[:200])
    visible = {s.pk for s in schemes}
    own = list(Result.objects.restrict(user, VIEW).exclude(scheme_id__in=visible).filter(scheme__published_at__isnull=False)
               .select_related("scheme", "org").order_by("-scheme__year", "org__path")[:100])
    return render_page(request, "assessment/index.html", {"schemes": schemes, "own": own, "form": form, "nav_active": NAV,
                                                     "tab": "schemes"})


@login_required
@require_http_methods(["GET", "POST"])
def scheme_detail(request, pk):
    user = request.user
    scheme = Scheme.objects.select_related("issuer").filter(pk=pk).first()
    if scheme is None or not (Scheme.objects.restrict(user, VIEW).filter(pk=pk).exists()
                              or actions.may_assess(scheme, user)):
        raise Http404("未找到，或不在您的管理范围内。")
    may_change = can_in_org(user, CHANGE, scheme.issuer)
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted and not may_change:
        raise Http404("未找到，或不在您的管理范围内。")
    form = IndicatorForm(_posted(request, "indicator"), scheme=scheme)
    failed_points = None
    try:
        if posted == "indicator" and form.is_valid():
            d = form.cleaned_data
            actions.do_add_indicator(scheme, acting_user=user, name=d["name"], kind=d["kind"], method=d["method"],
                                     metric=d["metric"], points=d["points"] if d["points"] is not None else 0,
                                     unit_points=d["unit_points"], parent=d["parent"], standard=d["standard"])
            messages.success(request, f"已添加“{d['name']}”{'，并重新评分' if scheme.published_at else ''}。")
            return redirect(request.path)
        if posted in ("points", "delete"):
            ind = Indicator.objects.get(scheme=scheme, pk=int(request.POST.get("indicator") or 0))
            if posted == "delete":
                actions.do_delete_indicator(ind, acting_user=user)
                messages.success(request, f"已删除“{ind.name}”，评分随之更新。")
            else:
                failed_points = (ind.pk, request.POST.get("points", ""), request.POST.get("unit_points", ""))
                actions.do_update_indicator(ind, acting_user=user, points=request.POST.get("points", ""),
                                            unit_points=request.POST.get("unit_points") or None)
                messages.success(request, f"已修改“{ind.name}”的分值，评分随之更新。")
            return redirect(request.path)
        if posted == "publish":
            s = actions.do_publish_scheme(scheme, acting_user=user)
            messages.success(request, "方案已发布，已按数据评分。" if s.scored_now else BACKGROUND)
            return redirect(request.path)
        if posted == "score":
            now = actions.do_score_scheme(scheme, acting_user=user)
            messages.success(request, "已按最新数据重新评分。" if now else BACKGROUND)
            return redirect(request.path)
        if posted == "assessors":
            from django.contrib.auth import get_user_model

            chosen = get_user_model().objects.filter(pk__in=request.POST.getlist("assessors"))
            actions.do_set_assessors(scheme, chosen, acting_user=user)
            messages.success(request, "已指定考核人。")
            return redirect(request.path)
    except (Indicator.DoesNotExist, ValueError):
        raise Http404("未找到该指标。")
    except ActionError as e:
        if posted == "indicator":
            apply_action_error(form, e)
        else:
            messages.error(request, e.message)
    groups, loose, leaves = _tree(scheme)
    for i in leaves + groups:
        if failed_points and failed_points[0] == i.pk:       # a refused value is shown again, as typed
            i.typed_points, i.typed_unit = failed_points[1], failed_points[2]
    results = list(Result.objects.filter(scheme=scheme).select_related("org").order_by("org__path"))
    for r in results:
        r.cells = [(r.detail.get(str(i.pk)) or [None])[0] for i in leaves]
    dist = Counter(r.grade for r in results)
    candidates = []
    if may_change:
        from django.contrib.auth import get_user_model

        # Accounts with a role that reads the scheme's orgs (not members' self-service accounts).
        candidates = list(get_user_model().objects.filter(
            is_active=True, role_assignments__org__path__startswith=scheme.issuer.path,
            role_assignments__role__in=("work_committee_admin", "org_admin", "auditor", "discipline"))
            .distinct().order_by("username")[:200])
    return render_page(request, "assessment/scheme_detail.html", {
        "scheme": scheme, "groups": groups, "loose": loose, "leaves": leaves, "results": results, "form": form,
        "may_change": may_change, "full": scoring.full_marks(scheme), "nav_active": NAV,
        "dist": [(label, dist.get(value, 0)) for value, label in Grade.choices],
        "assessors": set(scheme.assessors.values_list("pk", flat=True)), "candidates": candidates,
        "is_assessor": actions.may_assess(scheme, user)})


@login_required
@require_http_methods(["GET", "POST"])
def scheme_result(request, pk, org_pk):
    """One org's result, item by item with how each was reached; assessors score the manual items here."""
    user = request.user
    scheme = Scheme.objects.select_related("issuer").filter(pk=pk).first()
    if scheme is None:
        raise Http404("未找到，或不在您的管理范围内。")
    is_assessor = actions.may_assess(scheme, user)
    if not (is_assessor or Scheme.objects.restrict(user, VIEW).filter(pk=pk).exists()):
        get_restricted(request, Result.objects.all(), VIEW, scheme_id=pk, org_id=org_pk)
    org = Org.objects.filter(pk=org_pk, type=scheme.target_type, path__startswith=scheme.issuer.path).first()
    if org is None or org.pk == scheme.issuer_id:
        raise Http404("未找到，或不在您的管理范围内。")
    groups, loose, leaves = _tree(scheme)
    form = ManualScoreForm(_posted(request, "manual"))
    failed = None
    if _posted(request, "manual"):
        ind = next((i for i in leaves if str(i.pk) == request.POST.get("indicator")), None)
        if ind is None:
            raise Http404("未找到该指标。")
        failed = ind.pk
        if form.is_valid():
            try:
                actions.do_manual_score(ind, org=org, acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已评分：{ind.name}。")
                return redirect(request.path)
    result = Result.objects.filter(scheme=scheme, org=org).first()
    manual = {m.indicator_id: m for m in org_manual(scheme, org)}
    for i in leaves:
        cell = (result.detail if result else {}).get(str(i.pk)) or [None, None, None]
        i.manual = manual.get(i.pk)
        i.got, i.how = cell[0], scoring.explain(i, cell, i.manual) if result else ""
    return render_page(request, "assessment/scheme_result.html", {
        "scheme": scheme, "org": org, "result": result, "groups": groups, "loose": loose, "form": form,
        "failed": failed, "nav_active": NAV,
        "is_assessor": is_assessor and scheme.published_at is not None and not actions.assesses_own(user, org),
        "manual_method": Method.MANUAL})


def org_manual(scheme, org):
    from .models import ManualScore

    return ManualScore.objects.filter(indicator__scheme=scheme, org=org).select_related("assessor")


@login_required
def scheme_export(request, pk):
    scheme = get_restricted(request, Scheme.objects.select_related("issuer"), VIEW, pk=pk)
    _, _, leaves = _tree(scheme)
    results = Result.objects.filter(scheme=scheme).select_related("org").order_by("org__path")
    data = exports.results_xlsx(scheme, leaves, results)
    return download(data, XLSX, f"{scheme.year}年{scheme.name}考核结果.xlsx", f"assessment-{scheme.pk}.xlsx")


# ── 述职评议 ───────────────────────────────────────────────────────────────────────────────────────

@login_required
@require_http_methods(["GET", "POST"])
def reports(request):
    user = request.user
    today = timezone.localdate()
    orgs = Org.objects.restrict(user, CHANGE).exclude(type="group")
    own_posts = Org.objects.filter(posts__person_id=getattr(user, "person_id", None) or 0,
                                   posts__role__in=("secretary", "first_responsible"))
    report_orgs = Org.objects.filter(Q(pk__in=orgs.values("pk")) | Q(pk__in=own_posts.values("pk")))
    rform = ReportForm(_posted(request, "report"), request.FILES or None, orgs=report_orgs,
                       people=Person.objects.restrict(user, VIEW) | Person.objects.filter(pk=getattr(user, "person_id", None) or 0),
                       initial={"year": today.year if today.month >= 11 else today.year - 1, "submitted": today,
                                "kind": ReportKind.SECRETARY_DUTY,
                                "person": getattr(user, "person_id", None)})
    organisers = Org.objects.restrict(user, CHANGE).filter(type__in=ISSUER_TYPES).order_by("path")
    vform = ReviewForm(_posted(request, "review"), organisers=organisers,
                       initial={"year": today.year if today.month >= 11 else today.year - 1, "date": today})
    try:
        if _posted(request, "report") and rform.is_valid():
            r = actions.do_submit_report(acting_user=user, **rform.cleaned_data)
            messages.success(request, f"已报送“{r.title}”。")
            return redirect("assessment:report_detail", pk=r.pk)
        if _posted(request, "review") and vform.is_valid():
            d = vform.cleaned_data
            pending = Report.objects.filter(kind=ReportKind.SECRETARY_DUTY, year=d["year"], review__isnull=True,
                                            org__path__startswith=d["organiser"].path,
                                            org__depth=d["organiser"].depth + 1)
            rv = actions.do_create_review(acting_user=user, reports=pending, **d)
            messages.success(request, f"已登记“{rv.title}”，列入{rv.reports.count()}份述职报告。")
            return redirect("assessment:review_detail", pk=rv.pk)
    except ActionError as e:
        apply_action_error(rform if _posted(request, "report") else vform, e)
    rows = list(Report.objects.restrict(user, VIEW).select_related("org", "person", "review")[:300])
    reviews = list(ReviewMeeting.objects.restrict(user, VIEW).select_related("organiser")[:100])
    return render_page(request, "assessment/reports.html", {
        "rows": rows, "reviews": reviews, "rform": rform, "vform": vform if organisers.exists() else None,
        "nav_active": NAV, "tab": "reports"})


@login_required
def report_detail(request, pk):
    r = get_restricted(request, Report.objects.select_related("org", "person", "review__organiser", "graded_by"), VIEW,
                       pk=pk)
    if request.GET.get("download"):
        if not r.file:
            raise Http404("没有上传文件。")
        return FileResponse(r.file.open("rb"), as_attachment=True, filename=r.file_name or "report")
    return render_page(request, "assessment/report_detail.html", {"r": r, "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, pk):
    user = request.user
    review = get_restricted(request, ReviewMeeting.objects.select_related("organiser"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, review.organiser)
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted and not may_change:
        raise Http404("未找到，或不在您的管理范围内。")
    form = AppraiseForm(_posted(request, "appraise"))
    failed = None
    if posted == "add":
        r = get_restricted(request, Report.objects.all(), VIEW, pk=request.POST.get("report") or 0)
        try:
            actions.do_add_to_review(review, r, acting_user=user)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, f"已列入“{r.title}”。")
        return redirect(request.path)
    if posted == "appraise":
        r = get_restricted(request, Report.objects.filter(review=review), VIEW, pk=request.POST.get("report") or 0)
        failed = r.pk
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.do_appraise(r, votes=[d["votes_good"], d["votes_fairly_good"], d["votes_average"],
                                              d["votes_poor"]], grade=d["grade"], comment=d["comment"], acting_user=user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已评定{r.person.name if r.person else r.org.name}：{dict(Grade.choices)[d['grade']]}。")
                return redirect(request.path)
    rows = list(review.reports.select_related("org", "person").order_by("org__path"))
    for r in rows:
        r.suggested = dict(Grade.choices).get(actions.suggested_grade(r.votes), "")
        r.good_share = f"{100 * r.votes_good / sum(r.votes):.0f}%" if r.votes_good is not None and sum(r.votes) else ""
    candidates = list(Report.objects.filter(kind=ReportKind.SECRETARY_DUTY, year=review.year, review__isnull=True,
                                            org__path__startswith=review.organiser.path,
                                            org__depth=review.organiser.depth + 1)
                      .select_related("org", "person")) if may_change else []
    if request.GET.get("export"):
        return download(exports.review_xlsx(review, rows), XLSX, f"{review.title}.xlsx", f"review-{review.pk}.xlsx")
    return render_page(request, "assessment/review_detail.html", {
        "review": review, "rows": rows, "form": form, "failed": failed, "may_change": may_change,
        "candidates": candidates, "grades": Grade.choices, "nav_active": NAV})


# ── 问责 ───────────────────────────────────────────────────────────────────────────────────────────

@login_required
@require_http_methods(["GET", "POST"])
def accountability(request):
    user = request.user
    if user_scope(user, VIEW_DISCIPLINE).empty:
        raise Http404("未找到，或不在您的管理范围内。")
    scope = user_scope(user, VIEW_DISCIPLINE)
    orgs = Org.objects.all() if scope.everything else Org.objects.filter(
        Q(*[Q(path__startswith=p) for p in scope.prefixes], _connector=Q.OR))
    form = AccountabilityForm(_posted(request, "accountability"), orgs=orgs,
                              people=Person.objects.filter(org__in=orgs), initial={"date": timezone.localdate()})
    if _posted(request, "accountability") and form.is_valid():
        try:
            actions.do_record_accountability(acting_user=user, **form.cleaned_data)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已登记。")
            return redirect(request.path)
    rows = list(Accountability.objects.restrict(user, VIEW).select_related("person", "org")[:500])
    forms_count = Counter(r.form for r in rows)
    from .choices import Form

    return render_page(request, "assessment/accountability.html", {
        "rows": rows, "form": form, "nav_active": NAV, "tab": "accountability",
        "by_form": [(label, forms_count.get(v, 0)) for v, label in Form.choices]})


@login_required
def dashboard(request):
    """责任体系看板 of one org's subtree (default: the top of the user's scope)."""
    from . import dashboard as board

    user = request.user
    orgs = Org.objects.restrict(user, VIEW).exclude(type__in=("branch", "group")).order_by("path")
    org_id = request.GET.get("org")
    org = get_restricted(request, Org.objects.all(), VIEW, pk=org_id) if org_id else orgs.first()
    if org is None:
        raise Http404("看板面向机关工委、党组（党委）和机关党委；您的管理范围内没有这样的党组织。")
    d = board.data(org, timezone.localdate())
    panels = [("tasks", "工作任务", "bar", d["tasks"]),
              ("problems_by_state", "问题整改状态", "bar", d["problems_by_state"]),
              ("problems_by_category", "问题类别", "pie", d["problems_by_category"]),
              ("open_problem_ages", "未销号问题的时长（自发现起）", "bar", d["open_problem_ages"]),
              ("grades", f"考核等次分布 · {d['scheme']}" if d["scheme"] else "考核等次分布", "bar",
               d["grades"] if d["scheme"] else [])]
    panels = [(k, t, kind, pairs if any(n for _, n in pairs) else []) for k, t, kind, pairs in panels]
    return render_page(request, "assessment/dashboard.html", {
        "org": org, "orgs": orgs[:300], "d": d, "panels": panels, "series": {k: p for k, _, _, p in panels}})
