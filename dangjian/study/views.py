"""学习培训 screens: a branch's members with their hours of the year against what they need (32, or 56
for the secretary and committee members), one form to record a session for those who took part, and
each member's own record. Every query goes through `restrict()`; out of scope is 404."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from . import actions
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
    if (request.GET.get("org") or "").isdigit():
        org = get_restricted(request, Org, VIEW, pk=int(request.GET["org"]))
    else:
        org = branches.filter(type="branch").first() or branches.first()
    year = int(request.GET["year"]) if (request.GET.get("year") or "").isdigit() else today.year
    year = min(max(year, 2000), today.year + 1)
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
        rec = get_restricted(request, StudyRecord, CHANGE, pk=int(request.POST.get("record") or 0), person=person)
        if not may_change:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            actions.do_delete_study_record(rec, reason=form.cleaned_data["reason"], acting_user=user)
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
                           pk=int(ident) if ident.isascii() and ident.isdecimal() else 0)
        due = request.POST.get("deadline") or ""
        try:
            t = actions.do_make_up_task(f, deadline=dt.date.fromisoformat(due), acting_user=user)
        except (ValueError, ActionError) as e:
            messages.error(request, getattr(e, "message", "请填写补课期限（YYYY-MM-DD）。"))
        else:
            messages.success(request, f"已布置任务“{t.title}”，{t.deadline:%Y-%m-%d}前完成，以所讲党课为佐证。")
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
    make_up = list(Finding.objects.restrict(user, VIEW).filter(rule_id="LECT-01", state=FindingState.OPEN)
                   .select_related("org", "person")[:200])
    for f in make_up:
        f.may_task = can_in_org(user, CHANGE, f.org)
    return render(request, "study/lectures.html", {"mine": mine, "lectures": scope_lectures, "make_up": make_up,
                                                   "nav_active": "study", "days": actions.RATING_DAYS,
                                                   "due": today + dt.timedelta(days=30)})
