"""组织生活 screens, phone first: a branch secretary records a meeting once, in a minute. Every
query goes through `restrict()`; objects out of scope answer 404; a refused save keeps every row
that was typed."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.models import Finding, FindingState
from dangjian.core.params import INT_MAX, ascii_int, id_param
from dangjian.core.pending import pending_checks_first
from dangjian.core.permissions import ADD, CHANGE, DELETE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orgs.choices import OrgType
from dangjian.orgs.models import Org
from dangjian.people.choices import Status
from dangjian.people.models import Person

from . import actions
from .actions import CRITIQUE_TYPES
from .choices import FIRST_ITEM_TYPES, AttendanceStatus, Grade, MeetingState, MeetingType
from .coverage import talk_coverage
from .filtersets import MeetingFilterSet, TalkFilterSet
from .forms import (DeleteForm, MeetingForm, TalkForm, appraisal_row, default_topic, parse_appraisal,
                    parse_attendance, parse_critiques, parse_raters, parse_votes, suggest_grades, types_for)
from .models import VOTE_FIELDS, Appraisal, AppraisalGrade, Meeting, Talk, tally_hint
from .tables import MeetingTable, TalkTable

NAV = "orglife"


def _ancestors(org, user):
    from dangjian.orgs.views import _ancestors as chain

    return chain(org, user)


def _org_param(request, action):
    """The org named by `?org=` (404 when missing or out of scope for `action`)."""
    org_id = id_param(request.GET.get("org") or request.POST.get("org"))
    if org_id is None:
        # Without ?org= a secretary means their own branch.
        person_org = Person.objects.filter(pk=getattr(request.user, "person_id", None)).values_list(
            "org_id", flat=True).first()
        if person_org is None:
            raise Http404("请从组织页面进入（未指定党组织）。")
        org_id = person_org
    return get_restricted(request, Org, action, pk=org_id)


def _meeting_url(m):
    return reverse("orglife:meeting_detail", kwargs={"pk": m.pk})


def _list_url(name, org):
    return f"{reverse(name)}?org={org.pk}"


def _org_filter_data(request):
    """`?org=<id>` on a list page: the org (404 out of scope) and the filter data narrowed to its
    subtree."""
    org = None
    if (pk := id_param(request.GET.get("org"))) is not None:
        org = get_restricted(request, Org, VIEW, pk=pk)
    data = request.GET.copy()
    if org is not None:
        data["within"] = str(org.pk)
    return org, data


# --- meetings: list and page ----------------------------------------------------------------------
@login_required
@require_GET
def meeting_list(request):
    user = request.user
    org, data = _org_filter_data(request)
    base = Meeting.objects.restrict(user, VIEW).select_related("org")
    fs = MeetingFilterSet(data, queryset=base)
    for name in ("type", "state"):
        fs.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
    fs.form.fields["year"].widget.attrs.update({"class": "form-control form-control-sm", "placeholder": "年度",
                                                "min": 2000, "max": 2100})
    table = MeetingTable(fs.qs if fs.is_valid() else base.none())
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    # From the menu (no ?org=): a secretary still gets "登记会议" for their own branch.
    add_org = org or _own_org(user)
    return render(request, "orglife/meeting_list.html", {
        "org": org, "filter": fs, "table": table, "nav_active": NAV,
        "ancestors": _ancestors(org, user) if org else [], "add_org": add_org,
        "may_add": add_org is not None and can_in_org(user, ADD, add_org) and not add_org.is_dissolved,
    })


def _own_org(user):
    org_id = Person.objects.filter(pk=getattr(user, "person_id", None)).values_list("org_id", flat=True).first()
    return Org.objects.filter(pk=org_id).first() if org_id else None


def vote_outcome(r) -> str:
    """通过 / 未通过 with the reason, in the words of the rule (BR-05/BR-06)."""
    if r.passed:
        return f"通过：赞成{r.yes}票，超过应到会有表决权党员{r.eligible}人的半数。"
    if not r.quorum:
        return f"未通过：到会有表决权党员{r.present}人，不足应到{r.eligible}人的半数，不能进行表决。"
    return f"未通过：赞成{r.yes}票，未超过应到会有表决权党员{r.eligible}人的半数。"


@login_required
@require_GET
@pending_checks_first     # (the queue peeked before the findings: core.pending)
def meeting_detail(request, pk):
    user = request.user
    m = get_restricted(request, Meeting.objects.select_related("org", "chair", "lecturer", "entered_by"), VIEW, pk=pk)
    rows = list(m.attendance.select_related("person").order_by("person__name", "person_id"))
    groups = {s: [a for a in rows if a.status == s] for s in AttendanceStatus.values}
    resolutions = list(m.resolutions.all())
    for r in resolutions:
        r.outcome = vote_outcome(r)
    critiques = list(m.critiques.select_related("author", "target"))
    findings = list(Finding.objects.restrict(user, VIEW).filter(subject_kind="meeting", subject_id=m.pk,
                                                               state=FindingState.OPEN))
    return render(request, "orglife/meeting_detail.html", {
        "m": m, "org": m.org, "ancestors": _ancestors(m.org, user), "nav_active": NAV,
        "present": groups[AttendanceStatus.PRESENT], "excused": groups[AttendanceStatus.EXCUSED],
        "absent": groups[AttendanceStatus.ABSENT], "resolutions": resolutions, "critiques": critiques,
        "findings": findings,
        "may_change": can_in_org(user, CHANGE, m.org), "may_delete": can_in_org(user, DELETE, m.org),
    })


# --- meetings: the one form -----------------------------------------------------------------------
def _chosen(form, name, default):
    """A field's value as posted (or its initial), before validation: the checklist follows it."""
    raw = form.data.get(name) if form.is_bound else form.initial.get(name)
    return raw if raw not in (None, "") else default


def _type_and_date(request, form, org, fallback_type, fallback_date):
    allowed = {t for t, _ in types_for(org)}
    t = _chosen(form, "type", fallback_type)
    t = t if t in allowed else (fallback_type if fallback_type in allowed else next(iter(allowed)))
    d = _chosen(form, "date", fallback_date)
    if isinstance(d, str):
        try:
            d = dt.date.fromisoformat(d)
        except ValueError:
            d = fallback_date
    return t, d


def _attendance_rows(people, status, reasons, day, signed=None):
    rows = []
    for p in people:
        rows.append({"person": p, "status": status.get(p.pk, AttendanceStatus.ABSENT),
                     "reason": reasons.get(p.pk, ""), "voting": actions.can_vote_on(p, day),
                     "signed_in_at": (signed or {}).get(p.pk)})
    return rows


def _people_for(org, meeting_type, day, meeting=None):
    """Who is on the checklist: derived from membership on the date, plus (when correcting a
    record) whoever the record already lists, so nobody silently drops off."""
    people = actions.expected_attendees(org, meeting_type, day)
    if meeting is not None and meeting.pk:
        have = {p.pk for p in people}
        extra = [a.person for a in meeting.attendance.select_related("person") if a.person_id not in have]
        people = sorted(people + extra, key=lambda p: (p.name, p.pk))
    return people


def _meeting_page(request, *, org, form, meeting=None, people, status, reasons, vote_rows, crit_rows, title,
                  signed=None):
    t, d = _type_and_date(request, form, org, MeetingType.THEME_DAY, timezone.localdate())
    form.fields["type"].widget.attrs["x-model"] = "type"
    return render(request, "orglife/meeting_form.html", {
        "org": org, "form": form, "m": meeting, "title": title, "nav_active": NAV,
        "ancestors": _ancestors(org, request.user),
        "rows": _attendance_rows(people, status, reasons, d, signed), "vote_rows": vote_rows, "crit_rows": crit_rows,
        "critique_types": [c.value for c in CRITIQUE_TYPES], "lecture_type": MeetingType.LECTURE.value,
        "first_item_types": list(FIRST_ITEM_TYPES),
        "suggested_topic": default_topic(t, d), "statuses": AttendanceStatus.choices,
        "cancel_url": _meeting_url(meeting) if meeting else _list_url("orglife:meeting_list", org),
    })


def _save_inputs(request, form, org, people):
    """Parse the repeated rows; add their errors to the form. Returns the action's arguments."""
    status, reasons = parse_attendance(request.POST, people)
    vote_rows, votes, vote_error = parse_votes(request.POST)
    crit_rows, critiques, crit_error = parse_critiques(request.POST, {p.pk for p in people})
    by_id = {p.pk: p for p in people}
    for pid, s in status.items():
        if s == AttendanceStatus.EXCUSED and not reasons[pid]:
            form.add_error(None, f"请填写{by_id[pid].name}的请假事由。")
    for e in (vote_error, crit_error):
        if e:
            form.add_error(None, e)
    present = [pid for pid, s in status.items() if s == AttendanceStatus.PRESENT]
    excused = {pid: reasons[pid] for pid, s in status.items() if s == AttendanceStatus.EXCUSED}
    return dict(status=status, reasons=reasons, vote_rows=vote_rows, crit_rows=crit_rows,
                present=present, excused=excused, votes=votes, critiques=critiques)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    user = request.user
    org = _org_param(request, ADD)
    if org.is_dissolved:
        messages.error(request, "该组织已撤销，不能再登记会议。")
        return redirect("orgs:org_detail", pk=org.pk)
    today = timezone.localdate()
    allowed = [t for t, _ in types_for(org)]
    initial_type = request.GET.get("type") if request.GET.get("type") in allowed else (
        MeetingType.THEME_DAY if MeetingType.THEME_DAY in allowed else allowed[0])
    announce = request.GET.get("mode") == "announce"
    initial = {"type": initial_type, "date": today, "topic": default_topic(initial_type, today),
               "state": MeetingState.ANNOUNCED if announce else MeetingState.HELD}
    form = MeetingForm(request.POST or None, initial=initial, org=org, user=user)
    t, d = _type_and_date(request, form, org, initial_type, today)
    people = _people_for(org, t, d)
    ctx = dict(status={}, reasons={}, vote_rows=[], crit_rows=[])
    if request.method == "POST":
        inputs = _save_inputs(request, form, org, people)
        ctx = {k: inputs[k] for k in ctx}
        if form.is_valid():
            c = form.cleaned_data
            held = c["state"] == MeetingState.HELD
            try:
                m = actions.do_record_meeting(
                    org=org, type=c["type"], date=c["date"], topic=c["topic"], state=c["state"],
                    place=c["place"], agenda=c["agenda"], minutes=c["minutes"], chair=c["chair"],
                    lecturer=c["lecturer"], first_item_study=c.get("first_item_study"), acting_user=user,
                    present=inputs["present"] if held else (), excused=inputs["excused"] if held else None,
                    resolutions=inputs["votes"] if held else None,
                    critiques=inputs["critiques"] if held and c["type"] in CRITIQUE_TYPES else None)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                if held:
                    messages.success(request, f"已登记{m.get_type_display()}“{m.topic}”：应到{m.expected_count}人，"
                                              f"实到{m.present_count}人。")
                else:
                    messages.success(request, f"已发布会议通知：{m.date:%Y-%m-%d}{m.get_type_display()}“{m.topic}”。"
                                              "会后请在本页“登记召开情况”。")
                return redirect(_meeting_url(m))
    return _meeting_page(request, org=org, form=form, people=people, title="登记会议", **ctx)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    """Correct a record, or (`?hold=1`) record an announced meeting as held."""
    user = request.user
    m = get_restricted(request, Meeting.objects.select_related("org"), CHANGE, pk=pk)
    org = m.org
    today = timezone.localdate()
    hold = request.GET.get("hold") == "1" or m.state == MeetingState.HELD
    initial = {"type": m.type, "date": m.date if not (hold and m.date > today) else today, "topic": m.topic,
               "place": m.place, "agenda": m.agenda, "minutes": m.minutes, "chair": m.chair_id,
               "lecturer": m.lecturer_id, "state": MeetingState.HELD if hold else m.state,
               "first_item_study": {True: "1", False: "0"}.get(m.first_item_study, "")}
    form = MeetingForm(request.POST or None, initial=initial, org=org, user=user)
    if m.state == MeetingState.HELD:
        # A held meeting stays held: cancelling is a deletion with a reason.
        form.fields["state"].choices = [(MeetingState.HELD, "会议已召开，登记情况")]
    t, d = _type_and_date(request, form, org, m.type, initial["date"])
    people = _people_for(org, t, d, m)
    rows = {a.person_id: a for a in m.attendance.all()}
    ctx = dict(status={pid: a.status for pid, a in rows.items()}, reasons={pid: a.reason for pid, a in rows.items()},
               vote_rows=[{"motion": r.motion, **{f: str(getattr(r, f)) for f in
                                                  ("eligible", "present", "yes", "no", "abstain", "written_yes")}}
                          for r in m.resolutions.all()],
               crit_rows=[{"from": str(c.author_id), "to": str(c.target_id or ""), "text": c.text}
                          for c in m.critiques.all()])
    if request.method == "POST":
        inputs = _save_inputs(request, form, org, people)
        ctx = {k: inputs[k] for k in ctx}
        if form.is_valid():
            c = form.cleaned_data
            held = c["state"] == MeetingState.HELD
            changes = {k: c[k] for k in ("type", "date", "topic", "place", "agenda", "minutes", "chair",
                                         "lecturer", "state", "first_item_study")}
            extra = {}
            if held:
                extra = dict(present=inputs["present"], excused=inputs["excused"], resolutions=inputs["votes"],
                             critiques=inputs["critiques"] if c["type"] in CRITIQUE_TYPES else [])
            try:
                was = m.state
                m = actions.do_update_meeting(m, acting_user=user, **changes, **extra)
            except ActionError as e:
                apply_action_error(form, e)
            else:
                messages.success(request, "已登记召开情况。" if was != m.state else "已保存会议记录。")
                return redirect(_meeting_url(m))
    title = "登记召开情况" if m.state == MeetingState.ANNOUNCED and hold else "修改会议记录"
    # Who scanned the QR code (optional) is shown on the checklist; they start ticked as present.
    signed = {pid: a.signed_in_at for pid, a in rows.items() if a.signed_in_at}
    return _meeting_page(request, org=org, form=form, meeting=m, people=people, title=title, signed=signed, **ctx)


@login_required
@require_GET
def meeting_attendance(request):
    """The checklist again after the type or the date changed (htmx): ticks already made are kept."""
    org = _org_param(request, ADD)
    meeting = None
    if (pk := id_param(request.GET.get("meeting"))) is not None:
        meeting = get_restricted(request, Meeting, CHANGE, pk=pk)
    form = MeetingForm(request.GET, org=org, user=request.user)
    t, d = _type_and_date(request, form, org, MeetingType.THEME_DAY, timezone.localdate())
    people = _people_for(org, t, d, meeting if meeting and meeting.org_id == org.pk else None)
    status, reasons = parse_attendance(request.GET, people)
    return render(request, "orglife/_attendance.html", {
        "rows": _attendance_rows(people, status, reasons, d), "statuses": AttendanceStatus.choices,
        "suggested_topic": default_topic(t, d), "org": org,
    })


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request, pk):
    m = get_restricted(request, Meeting.objects.select_related("org"), DELETE, pk=pk)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = m.org
        try:
            actions.do_delete_meeting(m, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已删除会议记录“{m.topic}”。")
            return redirect(_list_url("orglife:meeting_list", org))
    return render(request, "orglife/simple_form.html", {
        "form": form, "org": m.org, "ancestors": _ancestors(m.org, request.user), "nav_active": NAV,
        "title": f"删除会议记录：{m}", "submit": "确认删除", "danger": True, "cancel_url": _meeting_url(m),
        "intro": "删除后该会议不再计入“三会一课”等统计，相关预警将重新判断。",
    })


# --- 谈心谈话 --------------------------------------------------------------------------------------
@login_required
@require_GET
def talk_list(request):
    user = request.user
    org, data = _org_filter_data(request)
    base = Talk.objects.restrict(user, VIEW).select_related("org", "a", "b")
    fs = TalkFilterSet(data, queryset=base)
    fs.form.fields["year"].widget.attrs.update({"class": "form-control form-control-sm", "placeholder": "年度"})
    table = TalkTable(fs.qs if fs.is_valid() else base.none())
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    may_add = org is not None and can_in_org(user, ADD, org) and not org.is_dissolved
    return render(request, "orglife/talk_list.html", {
        "org": org, "filter": fs, "table": table, "nav_active": NAV,
        "ancestors": _ancestors(org, user) if org else [], "may_add": may_add,
        **_talk_coverage_context(request, org, fs, names=may_add),
    })


COVERAGE_MAX_BRANCHES = 200


def _talk_coverage_context(request, org, fs, *, names: bool) -> dict:
    """The year's 谈心谈话 coverage (ORGLIFE-05) of the branch, or of each branch under the org (up
    to `COVERAGE_MAX_BRANCHES`; a bigger subtree is read one level down). Names of those still to
    talk with are shown to those who record talks for the org."""
    if org is None:
        return {}
    today = timezone.localdate()
    year = fs.form.cleaned_data.get("year") if fs.is_valid() else None
    year = int(year) if year and 2000 <= year <= 2100 else today.year
    if org.type == OrgType.BRANCH:
        branches = [org]
    else:
        qs = (Org.objects.restrict(request.user, VIEW).filter(type=OrgType.BRANCH, path__subtree=org.path)
              .exclude(dissolved__lte=today).order_by("path"))
        branches = list(qs[:COVERAGE_MAX_BRANCHES + 1])
        if len(branches) > COVERAGE_MAX_BRANCHES:
            return {"coverage_year": year, "coverage_too_big": COVERAGE_MAX_BRANCHES}
    rows = [r for r in talk_coverage(branches, year, as_of=today) if r.total]
    rows.sort(key=lambda r: (not r.judged, r.percent, r.org.path))
    return {"coverage": rows, "coverage_year": year, "coverage_names": names, "coverage_running": year == today.year}


@login_required
@require_http_methods(["GET", "POST"])
def talk_create(request):
    org = _org_param(request, ADD)
    # The one recording is usually one side of the talk (the secretary): start with them.
    own = getattr(request.user, "person_id", None)
    initial = {"a": own} if own and Person.objects.filter(pk=own, org__path__startswith=org.path).exists() else {}
    form = TalkForm(request.POST or None, initial=initial, org=org, user=request.user)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            talk = actions.do_record_talk(a=c["a"], b=c["b"], date=c["date"], topic=c["topic"], org=org,
                                          acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已登记谈心谈话：{talk.a.name}与{talk.b.name}（{talk.date:%Y-%m-%d}）。")
            return redirect(_list_url("orglife:talk_list", org))
    return render(request, "orglife/simple_form.html", {
        "form": form, "org": org, "ancestors": _ancestors(org, request.user), "nav_active": NAV,
        "title": "登记谈心谈话", "submit": "登记", "cancel_url": _list_url("orglife:talk_list", org),
        "intro": "支委之间、支委和党员之间、党员和党员之间，每年谈心谈话一般不少于1次（支部工作条例第十八条）。",
    })


# --- 民主评议党员 -----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def appraisal_create(request):
    """One page for the year's 民主评议党员: per member the grade, and folded away (all optional)
    个人自评、党员互评 and the 民主测评 tally. `预填` fills empty grades from the tallies, saving nothing."""
    user = request.user
    org = _org_param(request, ADD)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if not 2000 <= year <= today.year:
        year = today.year
    day = min(today, dt.date(year, 12, 31))
    people = list(actions.members_on(org, day).order_by("name", "pk"))
    existing = Appraisal.objects.restrict(user, VIEW).filter(org=org, year=year).first()
    max_excellent = len(people) // 3
    errors, notes = [], []

    def probationary(p):
        return p.status == Status.PROBATIONARY

    if request.method == "POST":
        rows, grades, details, errors = parse_appraisal(request.POST, people, probationary)
        raters_text, raters, raters_error = parse_raters(request.POST)
        if raters_error:
            errors.insert(0, raters_error)
        if request.POST.get("prefill"):
            # Nothing is saved: empty grades are filled from the tallies, the rest stays as typed.
            errors = [e for e in errors if not e.startswith("请为")]
            notes = suggest_grades(rows, max_excellent)
        elif not errors:
            try:
                actions.do_record_appraisal(org=org, year=year, grades=grades, details=details, raters=raters,
                                            acting_user=user)
            except ActionError as e:
                errors.append(e.message)
                for r in rows:          # unfold the member the refusal names
                    r["error"] = r.get("error") or r["person"].name in e.message and e.rule is None
            else:
                n = sum(g == Grade.EXCELLENT for g in grades.values())
                messages.success(request, f"已登记{year}年民主评议党员结果：参评{len(grades)}人，优秀{n}人。")
                return redirect("orgs:org_detail", pk=org.pk)
    else:
        saved = {g.person_id: g for g in AppraisalGrade.objects.filter(appraisal=existing)} if existing else {}
        rows = []
        for p in people:
            g = saved.get(p.pk)
            rows.append(appraisal_row(
                p, probationary=probationary(p), grade=(g.grade or "") if g else "",
                self_assessment=g.self_assessment if g else "", peer_opinion=g.peer_opinion if g else "",
                votes={f: getattr(g, f) for f in VOTE_FIELDS.values()} if g else None))
        raters_text = "" if not existing or existing.raters is None else str(existing.raters)
    for r in rows:
        counts = {v["grade"]: n for v in r["votes"] if (n := ascii_int(v["value"], max=INT_MAX)) is not None}
        r["tallied"] = bool(counts)
        r["tally_text"] = " · ".join(f"{v['label']} {v['value']}" for v in r["votes"] if v["value"])
        r["hint"] = tally_hint(r["grade"] if r["grade"] in Grade.values else None, counts)
        r["open"] = bool(r.get("error"))
    return render(request, "orglife/appraisal_form.html", {
        "org": org, "year": year, "rows": rows, "errors": errors, "notes": notes, "grades": Grade.choices,
        "nav_active": NAV, "ancestors": _ancestors(org, user), "existing": existing, "max_excellent": max_excellent,
        "raters": raters_text, "years": list(range(today.year, today.year - 3, -1)),
        "any_tally": any(r["tallied"] for r in rows),
    })
