"""换届选举 screens: the elections of the user's scope and 发起换届; one election's procedure step by step (each
step for the level whose step it is, with the rules' findings about it); the counting screen (ballots one by
one or as tallies, valid and invalid and the result updating as they are entered; the server counts again);
the new committee in one step; the record set (选举结果报告, 选举大会记录) as Word or PDF once counted. Out of scope
is 404; a refused form keeps what was typed."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.core.params import id_param
from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.models import Finding, FindingState
from dangjian.core.permissions import CHANGE, VIEW, can_in_org
from dangjian.core.views import get_restricted
from dangjian.orglife.actions import members_on
from dangjian.orgs.choices import COMMITTEE_ROLES, PostRole
from dangjian.orgs.models import Org

from . import actions
from .count import min_candidates
from .forms import CountForm, DateForm, ExclusionForm, OpenForm
from .models import Election

NAV = "elections"


def electorate(org, day):
    """The members an election of `org` concerns: a branch's, or those of every branch under a 机关党委 or 党总支."""
    from dangjian.people.choices import MEMBER_STATUSES
    from dangjian.people.models import Person

    if org.type == "branch":
        return members_on(org, day).order_by("name", "pk")
    return Person.objects.filter(org__path__startswith=org.path, status__in=list(MEMBER_STATUSES)).order_by("name", "pk")
ROLE_CHOICES = [(r.value, r.label) for r in PostRole if r in COMMITTEE_ROLES]


@login_required
@require_http_methods(["GET", "POST"])
def election_list(request):
    user = request.user
    orgs = Org.objects.restrict(user, CHANGE).filter(type__in=actions.ELECTING_TYPES, dissolved__isnull=True).order_by("path")
    form = OpenForm(request.POST or None, orgs=orgs, initial={"request_date": timezone.localdate(), "seats": 3}) \
        if orgs.exists() else None
    if request.method == "POST":
        if form is None:
            raise Http404("未找到，或不在您的管理范围内。")
        if form.is_valid():
            try:
                e = actions.do_open_election(acting_user=user, **form.cleaned_data)
            except ActionError as err:
                apply_action_error(form, err)
            else:
                messages.success(request, f"已登记{'增补委员' if e.by_election else '换届'}请示，等待上级党组织批复。")
                return redirect("elections:election_detail", pk=e.pk)
    rows = list(Election.objects.restrict(user, VIEW).select_related("org")[:300])
    return render(request, "elections/list.html", {"rows": rows, "form": form, "nav_active": NAV})


def _step_forms(request, posted):
    return {name: DateForm(request.POST if posted == name else None, initial={"on": timezone.localdate()})
            for name in ("approve", "candidates_approved", "filed")}


@login_required
@require_http_methods(["GET", "POST"])
def election_detail(request, pk):
    user = request.user
    e = get_restricted(request, Election.objects.select_related("org", "follows"), VIEW, pk=pk)
    may_org = can_in_org(user, CHANGE, e.org)
    parent = Org.objects.get_parent(e.org)
    may_upper = parent is not None and can_in_org(user, CHANGE, parent)
    posted = request.POST.get("form") if request.method == "POST" else None
    dates = _step_forms(request, posted)
    day = e.date or timezone.localdate()
    members = electorate(e.org, day)
    exclusion = ExclusionForm(request.POST if posted == "exclusion" else None, people=members)
    try:
        if posted in ("approve", "candidates_approved", "filed"):
            if not may_upper:
                raise Http404("未找到，或不在您的管理范围内。")
            f = dates[posted]
            if f.is_valid():
                {"approve": actions.do_approve_request, "candidates_approved": actions.do_approve_candidates,
                 "filed": actions.do_file_results}[posted](e, on=f.cleaned_data["on"], acting_user=user)
                messages.success(request, "已登记。")
                return redirect(request.path)
        elif posted in ("candidates", "exclusion", "install", "followup"):
            if not may_org:
                raise Http404("未找到，或不在您的管理范围内。")
            if posted == "candidates":
                ids = [i for x in request.POST.getlist("people") if (i := id_param(x)) is not None]
                actions.do_set_candidates(e, list(members.filter(pk__in=ids)), acting_user=user)
                messages.success(request, "已确定候选人预备人选，报上级党组织审查。")
                return redirect(request.path)
            if posted == "exclusion" and exclusion.is_valid():
                actions.do_add_exclusion(e, acting_user=user, **exclusion.cleaned_data)
                messages.success(request, "已登记。")
                return redirect(request.path)
            if posted == "followup":
                f = actions.do_open_followup(e, acting_user=user)
                messages.success(request, "已发起再投票（另行选举）。")
                return redirect("elections:election_detail", pk=f.pk)
            if posted == "install":
                roles = {int(k[5:]): v for k, v in request.POST.items()
                         if k.startswith("role_") and k[5:].isascii() and k[5:].isdecimal() and v}
                actions.do_install_committee(e, roles=roles, acting_user=user)
                messages.success(request, "新一届委员会已产生，职务已更新。")
                return redirect(request.path)
    except ActionError as err:
        target = dates.get(posted) or (exclusion if posted == "exclusion" else None)
        if target is not None:
            apply_action_error(target, err)
        else:
            messages.error(request, err.message)
    e.refresh_from_db()
    cands = list(e.candidates.select_related("person"))
    out = actions.outcome(e) if e.date else None
    findings = list(Finding.objects.filter(subject_kind="election", subject_id=e.pk, state=FindingState.OPEN))
    chosen = {c.person_id for c in cands}
    by_election = actions.is_by_election(e)
    sitting = list(actions.committee_members(e.org, day).select_related("person").order_by("role", "person__name")) \
        if by_election else []
    return render(request, "elections/detail.html", {
        "e": e, "parent": parent, "may_org": may_org, "may_upper": may_upper, "dates": dates, "exclusion": exclusion,
        "cands": cands, "out": out, "findings": findings, "need": min_candidates(e.seats),
        "members": [(m, m.pk in chosen, actions.eligible(m, day)) for m in members],
        "exclusions": list(e.exclusions.select_related("person")), "roles": ROLE_CHOICES,
        "installed": e.date and e.org.posts.filter(start=e.date).exists(), "nav_active": NAV,
        "by_election": by_election, "sitting": sitting, "sitting_ids": {p.person_id for p in sitting}})


@login_required
@require_http_methods(["GET"])
def election_document(request, pk, kind, ext):
    """选举结果报告 or 选举大会记录 (Word, or PDF), generated from the recorded steps once the election is counted."""
    from dangjian.core.downloads import DOCX, PDF, download

    from . import documents

    e = get_restricted(request, Election.objects.select_related("org", "follows"), VIEW, pk=pk)
    try:
        content = documents.render(e, kind) if ext == "docx" else documents.render_pdf(e, kind)
    except ActionError as err:
        messages.error(request, err.message)
        return redirect("elections:election_detail", pk=e.pk)
    return download(content, DOCX if ext == "docx" else PDF, *documents.filename(e, kind, ext))


@login_required
@require_http_methods(["GET", "POST"])
def election_count(request, pk):
    """The counting screen: ballots entered one by one (a ballot choosing more than the seats is invalid) or as
    tallies; the result shows as they are entered. The server counts again when the result is saved."""
    user = request.user
    e = get_restricted(request, Election.objects.select_related("org"), VIEW, pk=pk)
    if not can_in_org(user, CHANGE, e.org):
        raise Http404("未找到，或不在您的管理范围内。")
    cands = list(e.candidates.select_related("person"))
    today = timezone.localdate()
    form = CountForm(request.POST or None, initial={"date": today, "invalid_ballots": 0, "expected_voters": sum(
        1 for m in electorate(e.org, today) if actions.eligible(m, today))})
    votes_typed = {c.person_id: request.POST.get(f"votes_{c.person_id}", "") for c in cands}
    if request.method == "POST" and form.is_valid():
        bad = [c.person.name for c in cands if not ((v := votes_typed[c.person_id] or "0").isascii() and v.isdecimal())]
        if bad:
            form.add_error(None, f"{'、'.join(bad)}的赞成票应为整数。")
        else:
            try:
                out = actions.do_record_count(e, acting_user=user, votes={pid: int(v or 0) for pid, v in votes_typed.items()},
                                              **form.cleaned_data)
            except ActionError as err:
                apply_action_error(form, err)
            else:
                messages.success(request, "计票结果已保存：当选" + ("、".join(p.name for p in out.elected) or "无")
                                 + ("；票数相等，需再投票" if out.tied else "") + (f"；不足{out.short}名，需另行选举" if out.short else ""))
                return redirect("elections:election_detail", pk=e.pk)
    # What was typed comes back after a refusal (the screen's state is rebuilt from it).
    return render(request, "elections/count.html", {
        "e": e, "cands": cands, "form": form, "nav_active": NAV,
        "config": {"seats": e.seats, "candidates": [{"id": c.person_id, "name": c.person.name} for c in cands],
                   "present": request.POST.get("present_voters", ""), "returned": request.POST.get("ballots_returned", ""),
                   "invalid": request.POST.get("invalid_ballots", "0"),
                   "votes": {str(pid): v for pid, v in votes_typed.items() if v}}})
