"""学习培训 screens: a branch's members with their hours of the year against what they need (32, or 56
for the secretary and committee members), one form to record a session for those who took part, and
each member's own record. Every query goes through `restrict()`; out of scope is 404."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.params import id_param
from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from . import actions, forms as forms_
from .forms import DeleteForm, SessionForm
from .models import StudyRecord
from .rules import _cadres

NAV = "study"


@login_required
@require_http_methods(["GET", "POST"])
def study_list(request):
    user = request.user
    today = timezone.localdate()
    branches = Org.objects.restrict(user, VIEW).filter(type__in=("branch", "general_branch", "committee")).order_by("path")
    org = None
    if request.GET.get("org"):
        org = get_restricted(request, Org, VIEW, pk=_int(request.GET["org"]))
    else:
        org = branches.filter(type="branch").first() or branches.first()
    year = _year(request, today)
    if org is None:
        return render(request, "study/list.html", {"org": None, "nav_active": NAV, "year": year})
    people = Person.objects.restrict(user, VIEW).filter(org=org, status__in=list(MEMBER_STATUSES)).order_by("name")
    may_change = can_in_org(user, CHANGE, org)
    form = SessionForm(request.POST if request.method == "POST" else None, people=people,
                       initial={"date": today, "people": list(people)})
    if request.method == "POST":
        if not may_change:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            d = form.cleaned_data
            try:
                rows = actions.do_record_study(d["people"], date=d["date"], hours=d["hours"], kind=d["kind"],
                                               title=d["title"], acting_user=user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已为{len(rows)}名党员登记{rows[0].hours:g}学时。")
                return redirect(f"{request.path}?org={org.pk}&year={d['date'].year}")
    settings = engine.effective_settings()
    need_member, need_cadre = int(settings["study_hours_member"]), int(settings["study_hours_cadre"])
    hours = dict(StudyRecord.objects.filter(person__in=people, date__year=year).order_by().values("person_id")
                 .annotate(h=Sum("hours")).values_list("person_id", "h"))
    ctx = engine.Context(as_of=today, settings=settings, org_ids=frozenset([org.pk]))
    cadres = _cadres(ctx, year)
    rows = []
    for p in people:
        need = need_cadre if p.pk in cadres else need_member
        got = hours.get(p.pk) or Decimal("0")
        rows.append({"p": p, "hours": got, "need": need, "cadre": p.pk in cadres, "short": got < need,
                     "pct": min(100, int(got * 100 / need)) if need else 100})
    return render(request, "study/list.html", {
        "org": org, "year": year, "rows": rows, "form": form if may_change else None, "nav_active": NAV,
        "branches": branches[:300], "years": list(range(today.year, today.year - 5, -1))})


@login_required
@require_http_methods(["GET", "POST"])
def person_study(request, pk):
    user = request.user
    person = get_restricted(request, Person.objects.select_related("org"), VIEW, pk=pk)
    may_change = person.org is not None and can_in_org(user, CHANGE, person.org)
    records = list(StudyRecord.objects.filter(person=person).order_by("-date", "-pk")[:500])
    form = DeleteForm(request.POST or None)
    if request.method == "POST":
        rec = get_restricted(request, StudyRecord, CHANGE, pk=_int(request.POST.get("record")), person=person)
        if not may_change:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            try:
                actions.do_delete_study_record(rec, reason=form.cleaned_data["reason"], acting_user=user)
            except ActionError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, "已删除该学习记录。")
            return redirect(request.path)
    by_year = defaultdict(Decimal)
    for r in records:
        by_year[r.date.year] += r.hours
    return render(request, "study/person.html", {"person": person, "records": records, "may_change": may_change,
                                                  "by_year": sorted(by_year.items(), reverse=True), "form": form,
                                                  "nav_active": NAV})


__all__ = ["study_list", "person_study", "dt"]


@login_required
@require_http_methods(["GET", "POST"])
def lectures(request):
    """书记讲党课: a member rates the lectures they attended (anonymous, once each, within 30 days); the
    secretaries and upper levels see each lecture's average and count — never who gave which score — and
    the 补课 list (LECT-01)."""
    from django.db.models import Avg, Count

    from dangjian.core.models import Finding, FindingState
    from dangjian.orglife.choices import AttendanceStatus, MeetingState, MeetingType
    from dangjian.orglife.models import Attendance, Meeting

    from .models import LectureRating

    user = request.user
    today = timezone.localdate()
    pid = getattr(user, "person_id", None)
    if request.method == "POST" and request.POST.get("form") == "task":
        ident = request.POST.get("finding") or ""
        f = get_restricted(request, Finding.objects.select_related("org", "person"), CHANGE,
                           pk=id_param(ident, default=0))
        due = request.POST.get("deadline") or ""
        try:
            t = actions.do_make_up_task(f, deadline=dt.date.fromisoformat(due), acting_user=user)
        except (ValueError, ActionError) as e:
            messages.error(request, getattr(e, "message", "请填写补课期限（YYYY-MM-DD）。"))
        else:
            messages.success(request, f"已布置任务“{t.title}”，{t.deadline:%Y-%m-%d}前完成，以所讲党课为佐证。")
        return redirect(request.path)
    if request.method == "POST" and request.POST.get("form") == "accountability":
        from dangjian.people.models import Person as P

        org = get_restricted(request, Org, VIEW, pk=_int(request.POST.get("org")))
        who = get_restricted(request, P, VIEW, pk=_int(request.POST.get("person")))
        due = request.POST.get("deadline") or ""
        try:
            t = actions.do_accountability_task(person=who, org=org, deadline=dt.date.fromisoformat(due),
                                               acting_user=user)
        except (ValueError, ActionError) as e:
            messages.error(request, getattr(e, "message", "请填写期限（YYYY-MM-DD）。"))
        else:
            messages.success(request, f"已在责任落实中布置任务“{t.title}”（{t.org.name}），{t.deadline:%Y-%m-%d}前完成。")
        return redirect(request.path)
    if request.method == "POST":
        m = Meeting.objects.filter(pk=int(request.POST["meeting"])).select_related("org").first() \
            if (request.POST.get("meeting") or "").isascii() and (request.POST.get("meeting") or "").isdecimal() else None
        if m is None:
            raise Http404("未找到，或不在您的管理范围内。")
        score = request.POST.get("score") or ""
        try:
            actions.do_rate_lecture(m, score=int(score) if score.isascii() and score.isdecimal() else 0,
                                    comment=request.POST.get("comment", ""), acting_user=user)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "谢谢，评价已匿名记录。")
        return redirect(request.path)
    mine = []
    if pid:
        attended = Attendance.objects.filter(person_id=pid, status=AttendanceStatus.PRESENT,
                                             meeting__type=MeetingType.LECTURE, meeting__state=MeetingState.HELD,
                                             meeting_date__gte=today - dt.timedelta(days=actions.RATING_DAYS),
                                             meeting_date__lte=today).exclude(meeting__lecturer_id=pid)
        mine = list(Meeting.objects.filter(pk__in=attended.values("meeting_id")).select_related("org", "lecturer"))
        rated = set(LectureRating.objects.filter(token__in=[actions.rater_token(m.pk, pid) for m in mine])
                    .values_list("meeting_id", flat=True))
        for m in mine:
            m.rated = m.pk in rated
    scope_lectures = []
    if Org.objects.restrict(user, CHANGE).exists():
        scope_lectures = list(Meeting.objects.restrict(user, CHANGE).filter(
            type=MeetingType.LECTURE, state=MeetingState.HELD, date__gte=today - dt.timedelta(days=366))
            .select_related("org", "lecturer").annotate(avg=Avg("ratings__score"), n=Count("ratings"))
            .order_by("-date")[:200])
    make_up = list(Finding.objects.restrict(user, VIEW).filter(rule_id__in=("LECT-01", "LECT-02"),
                                                               state=FindingState.OPEN)
                   .select_related("org", "person").order_by("org__path", "rule_id", "pk")[:200])
    for f in make_up:
        f.may_task = f.person_id is not None and can_in_org(user, CHANGE, f.org)
    # 多次: on the list `lecture_repeat_count` times or more in 12 months → the level above takes it up, once for
    # the same days (a later task needs that many later days).
    need = int(engine.effective_settings().get("lecture_repeat_count") or 2)
    incidents = actions.make_up_incidents({(f.person_id, f.org_id) for f in make_up if f.person_id}, today)
    repeated, seen = [], set()
    from dangjian.duty.models import Task

    open_tasks = set(Task.objects.filter(state="open", source=actions.ACCOUNTABILITY_SOURCE, owner_id__in={
        f.person_id for f in make_up}).values_list("owner_id", "org_id"))
    parents = {o.path: o for o in Org.objects.filter(path__in={f.org.path[:-Org.steplen] for f in make_up})}
    marks = actions.accountability_marks({(f.person_id, parents[f.org.path[:-Org.steplen]].pk) for f in make_up
                                          if f.person_id and f.org.path[:-Org.steplen] in parents})
    for f in make_up:
        key = (f.person_id, f.org_id)
        parent = parents.get(f.org.path[:-Org.steplen])
        days = incidents.get(key, [])
        if key in seen or len(days) < need or parent is None:
            continue
        seen.add(key)
        fresh = actions.repeated_make_up(f.person_id, f.org_id, parent.pk, today, incidents=incidents, marks=marks)
        repeated.append({"person": f.person, "org": f.org, "parent": parent, "n": len(days),
                         "open": (f.person_id, parent.pk) in open_tasks or len(fresh) < need,
                         "may": can_in_org(user, CHANGE, parent)})
    return render(request, "study/lectures.html", {"mine": mine, "lectures": scope_lectures, "make_up": make_up,
                                                   "repeated": repeated, "need": need, "nav_active": "study", "days": actions.RATING_DAYS,
                                                   "due": today + dt.timedelta(days=30)})


# ── 学习教育: 年度学习计划, 中心组学习, 培训班, 书记讲党课安排 ────────────────────────────────────────────
def _year(request, today):
    y = request.GET.get("year") or ""
    return min(max(int(y), 2000), today.year + 1) if y.isascii() and y.isdecimal() else today.year


def _int(value) -> int:
    value = str(value or "")
    return id_param(value, default=0)


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request):
    """Each organisation's plan for the year in scope, and which organisations have none (coverage, no ranking)."""
    from .models import StudyPlan

    user = request.user
    today = timezone.localdate()
    year = _year(request, today)
    editable = Org.objects.restrict(user, CHANGE).filter(type__in=actions.PLAN_ORG_TYPES, dissolved__isnull=True) \
        .order_by("path")
    form = forms_.StudyPlanForm(request.POST or None, orgs=editable, initial={"year": year})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = actions.do_create_plan(org=d["org"], year=d["year"], title=d["title"], acting_user=user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, f"已制定“{plan.title}”，请添加学习专题。")
                return redirect("study:studyplan_detail", pk=plan.pk)
    plans = list(StudyPlan.objects.restrict(user, VIEW).filter(year=year).select_related("org")
                 .annotate(n=Count("items")).order_by("org__path")[:500])
    having = {p.org_id for p in plans}
    orgs = list(Org.objects.restrict(user, VIEW).filter(type__in=actions.PLAN_ORG_TYPES, dissolved__isnull=True)
                .order_by("path").values("pk", "name", "type")[:2000])
    missing = [o for o in orgs if o["pk"] not in having]
    return render(request, "study/plans.html", {
        "year": year, "plans": plans, "missing": missing, "covered": len(orgs) - len(missing), "total": len(orgs),
        "form": form if editable.exists() else None, "nav_active": NAV,
        "years": list(range(today.year + 1, today.year - 4, -1))})


@login_required
@require_http_methods(["GET", "POST"])
def studyplan_detail(request, pk):
    from dangjian.orglife.models import Meeting

    from .models import StudyPlan, StudyPlanItem, TrainingClass

    user = request.user
    plan = get_restricted(request, StudyPlan.objects.select_related("org"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, plan.org)
    form = forms_.PlanItemForm(request.POST if request.POST.get("form") == "item" else None)
    if request.method == "POST":
        if not may_change:
            raise Http404("未找到，或不在您的管理范围内。")
        what = request.POST.get("form")
        if what == "item" and form.is_valid():
            d = form.cleaned_data
            when = d["when"] or ""
            try:
                actions.do_add_plan_item(plan, form=d["form"], topic=d["topic"], materials=d["materials"],
                                         lead=d["lead"], month=int(when[1:]) if when.startswith("m") else None,
                                         quarter=int(when[1:]) if when.startswith("q") else None, acting_user=user)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, "已添加学习专题。")
                return redirect(request.path)
        elif what in ("link", "delete"):
            item = StudyPlanItem.objects.filter(plan=plan, pk=_int(request.POST.get("item"))).first()
            if item is None:
                raise Http404("未找到。")
            if what == "delete":
                actions.do_delete_plan_item(item, acting_user=user)
                messages.success(request, "已删除该学习专题。")
            else:
                ref = request.POST.get("record") or ""
                kind, _, rid = ref.partition(":")
                model = {"m": Meeting, "c": TrainingClass}.get(kind)
                record = model.objects.filter(pk=_int(rid)).first() if model else None
                try:
                    if record is None:
                        raise ActionError("请选择要关联的记录。")
                    actions.do_link_plan_item(item, record, acting_user=user)
                except ActionError as e:
                    messages.error(request, e.message)
                else:
                    messages.success(request, "已关联。")
            return redirect(request.path)
    rows = actions.plan_progress(plan)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("done", "overdue", "current", "upcoming")}
    return render(request, "study/plan_detail.html", {"plan": plan, "rows": rows, "counts": counts, "form": form,
                                                      "may_change": may_change, "nav_active": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def study_center(request):
    """理论学习中心组学习 of the 党组s and 机关党委s in scope for a year: 第一议题, attendance, 研讨发言 (the record)
    and the 学时 each session credits to those present."""
    from dangjian.orglife.choices import MeetingType
    from dangjian.orglife.models import Meeting

    user = request.user
    today = timezone.localdate()
    year = _year(request, today)
    if request.method == "POST":
        m = get_restricted(request, Meeting.objects.select_related("org"), CHANGE, pk=_int(request.POST.get("meeting")),
                           type=MeetingType.STUDY_CENTER)
        try:
            n = actions.do_credit_meeting(m, hours=request.POST.get("hours", ""), acting_user=user)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, f"已更新：{n}名出席人员计入学时。")
        return redirect(f"{request.path}?year={m.date.year}")
    meetings = list(Meeting.objects.restrict(user, VIEW).filter(type=MeetingType.STUDY_CENTER, date__year=year)
                    .select_related("org", "study_credit").annotate(credited=Count("study_records"))
                    .order_by("org__path", "date", "pk")[:500])
    for m in meetings:
        m.may_change = can_in_org(user, CHANGE, m.org)
    return render(request, "study/center.html", {"year": year, "meetings": meetings, "nav_active": NAV,
                                                 "years": list(range(today.year, today.year - 4, -1))})


@login_required
@require_http_methods(["GET", "POST"])
def class_list(request):
    from .models import TrainingClass

    user = request.user
    today = timezone.localdate()
    year = _year(request, today)
    editable = Org.objects.restrict(user, CHANGE).exclude(type="group").filter(dissolved__isnull=True).order_by("path")
    form = forms_.TrainingClassForm(request.POST or None, orgs=editable)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = actions.do_create_class(acting_user=user, **d)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记“{c.title}”，请选择学员。")
            return redirect("study:trainingclass_detail", pk=c.pk)
    classes = list(TrainingClass.objects.restrict(user, VIEW).filter(start__year=year).select_related("org")
                   .annotate(n=Count("participants", distinct=True),
                             done=Count("participants", filter=Q(participants__completed=True), distinct=True))
                   .order_by("-start", "-pk")[:500])
    return render(request, "study/classes.html", {"year": year, "classes": classes, "nav_active": NAV,
                                                  "form": form if editable.exists() else None,
                                                  "years": list(range(today.year + 1, today.year - 4, -1))})


@login_required
@require_http_methods(["GET", "POST"])
def trainingclass_detail(request, pk):
    from .models import TrainingClass

    user = request.user
    c = get_restricted(request, TrainingClass.objects.select_related("org"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, c.org)
    pool = Person.objects.restrict(user, VIEW).filter(org__path__startswith=c.org.path,
                                                      status__in=list(MEMBER_STATUSES)).select_related("org")
    if request.method == "POST":
        if not may_change:
            raise Http404("未找到，或不在您的管理范围内。")
        what = request.POST.get("form")
        try:
            if what == "participants":
                # Deltas only: people ticked are added; a participant goes only when ticked for removal.
                add = list(pool.filter(pk__in={_int(i) for i in request.POST.getlist("people")}))
                remove = {_int(i) for i in request.POST.getlist("remove")}
                added, removed = actions.do_change_participants(c, add=add, remove=remove, acting_user=user)
                messages.success(request, f"学员名单已更新：增加{added}人，移除{removed}人。")
            elif what == "completion":
                n = actions.do_set_completion(c, {_int(i) for i in request.POST.getlist("completed")}, acting_user=user)
                messages.success(request, f"已登记结业{n}人，各计{c.hours:g}学时。")
            elif what == "delete":
                actions.do_delete_class(c, reason=request.POST.get("reason", ""), acting_user=user)
                messages.success(request, "已删除该培训班及其学时记录。")
                return redirect("study:class_list")
        except ActionError as e:
            messages.error(request, e.message)
        return redirect(request.path)
    # Every participant is listed, whatever their organisation or status now; candidates are the others.
    participants = list(c.participants.select_related("person__org").order_by("person__name"))
    chosen = {p.person_id for p in participants}
    candidates = list(pool.exclude(pk__in=chosen).order_by("org__path", "name")[:CANDIDATES + 1]) if may_change else []
    return render(request, "study/class_detail.html", {"c": c, "participants": participants, "chosen": chosen,
                                                       "candidates": candidates[:CANDIDATES],
                                                       "more": len(candidates) > CANDIDATES, "may_change": may_change,
                                                       "ended": c.end <= timezone.localdate(), "nav_active": NAV})


CANDIDATES = 1000


def _schedule_rows(schedules, today):
    status = actions.lecture_statuses({(s.person_id, s.org_id) for s in schedules}, today)
    for s in schedules:
        s.rows = [{"p": p, "status": status.get(p.pk, "upcoming")} for p in s.lectures.all()]
        s.given = sum(1 for r in s.rows if r["status"] == "given")
        s.missed = sum(1 for r in s.rows if r["status"] == "missed")
    return schedules


@login_required
@require_http_methods(["GET", "POST"])
def schedule_list(request):
    """书记讲党课安排 per organisation and secretary for a year, each planned lecture given / upcoming / missed."""
    from dangjian.orgs.models import Post

    from .models import LectureSchedule

    user = request.user
    today = timezone.localdate()
    year = _year(request, today)
    editable = Org.objects.restrict(user, CHANGE).exclude(type="group").filter(dissolved__isnull=True).order_by("path")
    secretaries = Person.objects.filter(pk__in=Post.objects.filter(org__in=editable, role__in=(
        "secretary", "deputy_secretary", "first_responsible"), end__isnull=True).values("person_id")).order_by("name")
    form = forms_.ScheduleForm(request.POST or None, orgs=editable, people=secretaries, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            s = actions.do_create_schedule(acting_user=user, **d)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, "已建立讲党课安排，请添加计划党课。")
            return redirect("study:lectureschedule_detail", pk=s.pk)
    schedules = list(LectureSchedule.objects.restrict(user, VIEW).filter(year=year)
                     .select_related("org", "person").prefetch_related("lectures").order_by("org__path", "pk")[:500])
    return render(request, "study/schedules.html", {"year": year, "schedules": _schedule_rows(schedules, today),
                                                    "form": form if editable.exists() else None, "nav_active": NAV,
                                                    "years": list(range(today.year + 1, today.year - 4, -1))})


@login_required
@require_http_methods(["GET", "POST"])
def lectureschedule_detail(request, pk):
    from .models import LectureSchedule, PlannedLecture

    user = request.user
    today = timezone.localdate()
    s = get_restricted(request, LectureSchedule.objects.select_related("org", "person"), VIEW, pk=pk)
    may_change = can_in_org(user, CHANGE, s.org)
    form = forms_.PlannedLectureForm(request.POST if request.POST.get("form") == "lecture" else None)
    if request.method == "POST":
        if not may_change:
            raise Http404("未找到，或不在您的管理范围内。")
        if request.POST.get("form") == "delete":
            p = PlannedLecture.objects.filter(schedule=s, pk=_int(request.POST.get("lecture"))).first()
            if p is None:
                raise Http404("未找到。")
            actions.do_delete_planned_lecture(p, acting_user=user)
            messages.success(request, "已删除该计划党课。")
            return redirect(request.path)
        if form.is_valid():
            try:
                actions.do_add_planned_lecture(s, acting_user=user, **form.cleaned_data)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, "已添加计划党课。")
                return redirect(request.path)
    _schedule_rows([s], today)
    return render(request, "study/schedule_detail.html", {"s": s, "form": form, "may_change": may_change,
                                                          "nav_active": NAV})
