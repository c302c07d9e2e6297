"""换届选举 as a guided procedure. Each step is an action, audited, refusing what the 选举工作条例 forbids
(the BLOCK rules are applied where the record is made): 请示 → 上级批复 → candidates (20% more than seats,
正式党员 only) → the upper level's consent to them → exclusions (both approvals) → the meeting's count
(quorum, ballots, majority; ties and shortfalls say what comes next) → the committee's posts in one step →
results filed with (and the secretary approved by) the upper level.

A 增补选举 (`by_election`) fills vacancies of the committee in office: same procedure and rules (the 20% margin
included — rules.md §5 makes no exception for it), candidates not already on the committee, and the posts of
those elected are added to the committee as it stands (nobody's post ends, the term does not restart)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit, engine
from dangjian.core.errors import ActionError
from dangjian.core.permissions import CHANGE, can_in_org
from dangjian.orgs.choices import COMMITTEE_ROLES, PostRole
from dangjian.orgs.models import Org, Post

from .choices import ExclusionReason, Kind
from .count import Outcome, count, min_candidates
from .models import Candidate, Election, Exclusion

RECORDS = (Election, Candidate, Exclusion)
ELECTING_TYPES = ("committee", "general_branch", "branch")


def _may_org(user, e: Election) -> None:
    if user is not None and not can_in_org(user, CHANGE, e.org):
        raise ActionError(f"只有{e.org.name}（或上级）的管理员可以办理。")


def _may_upper(user, e: Election, what: str) -> None:
    parent = Org.objects.get_parent(e.org)
    if user is not None and (parent is None or not can_in_org(user, CHANGE, parent)):
        raise ActionError(f"{what}由上级党组织（{parent.name if parent else '上级'}）办理。")


def _day(d: dt.date | None, field: str, label: str, after: dt.date | None = None) -> dt.date:
    if d is None:
        raise ActionError(f"请填写{label}。", field=field)
    if d > timezone.localdate():
        raise ActionError(f"{label}不能晚于今天。", field=field)
    if after is not None and d < after:
        raise ActionError(f"{label}不能早于上一步（{after:%Y-%m-%d}）。", field=field)
    return d


def _done(e: Election, verb: str, text: str, user) -> Election:
    audit.record(f"election.{verb}", f"{e.org.name}：{text}", actor=user, org=e.org, obj=e)
    engine.schedule([e.org_id], changed=RECORDS)
    return e


@transaction.atomic
def do_open_election(*, org: Org, seats: int, request_date: dt.date, kind: str = Kind.COMMITTEE, follows=None,
                     by_election: bool = False, acting_user=None) -> Election:
    """换届请示 (or a 再投票/另行选举 following an earlier election, or — `by_election` — the 请示 for a 增补选举
    of the committee in office)."""
    if org.type not in ELECTING_TYPES:
        raise ActionError("委员会由机关党委、党总支、党支部选举产生。", field="org")
    if acting_user is not None and not can_in_org(acting_user, CHANGE, org):
        raise ActionError(f"只有{org.name}（或上级）的管理员可以发起换届选举。", field="org")
    if not seats or seats < 1:
        raise ActionError("请填写应选人数。", field="seats")
    if kind not in Kind.values:
        raise ActionError("请选择选举类型。", field="kind")
    _day(request_date, "request_date", "请示日期")
    if follows is not None and follows.org_id != org.pk:
        raise ActionError("重新投票或另行选举应是同一党组织的选举。", field="follows")
    if by_election:
        if follows is not None:
            raise ActionError("增补选举是任期中补选出缺的委员，不是再投票或另行选举，二者不能同时选择。", field="by_election")
        if kind != Kind.COMMITTEE:
            raise ActionError("增补选举只用于补选委员会委员。", field="by_election")
        if not org.committee_elected:
            raise ActionError(f"{org.name}没有本届委员会的选举日期，无从增补：请先登记本届选举日期，或发起换届选举。",
                              field="by_election")
        end = org.term_extension_until if org.term_extension_until and org.term_extension_approved else org.term_end
        if end and request_date and request_date > end:
            raise ActionError(f"本届任期已于{end:%Y-%m-%d}届满，应换届选举，而不是增补。", field="by_election",
                              rule="ELEC-01")
    e = Election.objects.create(org=org, kind=kind, seats=seats, request_date=request_date, follows=follows,
                                by_election=bool(by_election), created_by=audit.user_or_none(acting_user))
    what = "另行选举（重新投票）" if follows else "增补委员" if by_election else "换届选举"
    return _done(e, "open", f"{what}请示，应选{seats}名（{request_date:%Y-%m-%d}）", acting_user)


@transaction.atomic
def do_approve_request(e: Election, *, on: dt.date, acting_user=None) -> Election:
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_upper(acting_user, e, "换届请示的批复")
    e.approved_date = _day(on, "on", "批复日期", e.request_date)
    e.save(update_fields=["approved_date"])
    return _done(e, "approve", f"上级党组织批复同意换届（{on:%Y-%m-%d}）", acting_user)


def eligible(person, day: dt.date) -> bool:
    """正式党员 have the right to stand (ELEC-03); 预备党员 and those under 留党察看 do not."""
    from dangjian.orglife.actions import can_vote_on

    return can_vote_on(person, day)


@transaction.atomic
def do_set_candidates(e: Election, people, *, acting_user=None) -> Election:
    """The candidate list (候选人预备人选): at least seats × 1.2, rounded up (ELEC-04/05)."""
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_org(acting_user, e)
    if e.date:
        raise ActionError("选举大会已召开，不能再改候选人。")
    people = list({p.pk: p for p in people}.values())
    need = min_candidates(e.seats) if e.follows_id is None else 1    # (a revote or 另行选举: see ELEC-04/05)
    if len(people) < need:
        rule = "ELEC-04" if e.kind == Kind.DELEGATES else "ELEC-05"
        raise ActionError(f"应选{e.seats}名，候选人至少{need}名（差额不少于20%，向上取整），现有{len(people)}名。",
                          field="people", rule=rule)
    day = timezone.localdate()
    if bad := [p.name for p in people if not eligible(p, day)]:
        raise ActionError(f"{'、'.join(bad)}不是有被选举权的正式党员（预备党员、留党察看期间的党员没有被选举权）。",
                          field="people", rule="ELEC-03")
    if is_by_election(e) and (sitting := sorted(committee_members(e.org, day).filter(
            person_id__in=[p.pk for p in people]).values_list("person__name", flat=True).distinct())):
        raise ActionError(f"{'、'.join(sitting)}是本届委员会的现任委员，增补选举的候选人应是委员以外的党员。", field="people")
    e.candidates.all().delete()
    Candidate.objects.bulk_create([Candidate(election=e, person=p, order=n) for n, p in enumerate(people)])
    e.candidates_approved = None           # a changed list goes to the upper level again (ELEC-06)
    e.save(update_fields=["candidates_approved"])
    return _done(e, "candidates", f"候选人预备人选{len(people)}名：{'、'.join(p.name for p in people)}", acting_user)


@transaction.atomic
def do_approve_candidates(e: Election, *, on: dt.date, acting_user=None) -> Election:
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_upper(acting_user, e, "候选人预备人选的审查")
    if not e.candidates.exists():
        raise ActionError("还没有候选人预备人选。")
    e.candidates_approved = _day(on, "on", "审查同意日期", e.approved_date or e.request_date)
    e.save(update_fields=["candidates_approved"])
    return _done(e, "candidates_approved", f"上级党组织审查同意候选人预备人选（{on:%Y-%m-%d}）", acting_user)


@transaction.atomic
def do_add_exclusion(e: Election, *, person, reason: str, upper_consent: dt.date | None, assembly_passed: bool,
                     acting_user=None) -> Exclusion:
    """ELEC-08: only with the upper level's consent and the assembly's vote, both recorded."""
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_org(acting_user, e)
    if e.date:
        raise ActionError("选举大会已召开，不能再登记不计入应到会人数的党员。")
    if person.org_id is None or not person.org.path.startswith(e.org.path):
        raise ActionError(f"{person.name}不是{e.org.name}的党员。", field="person")
    if reason not in ExclusionReason.values:
        raise ActionError("请选择不计入应到会人数的情形（五种之一）。", field="reason")
    if not (upper_consent and assembly_passed):
        raise ActionError("不计入应到会人数须经上级党组织同意并经党员大会通过，两项都要记录。", field="upper_consent",
                          rule="ELEC-08")
    if Exclusion.objects.filter(election=e, person=person).exists():
        raise ActionError(f"{person.name}已登记。", field="person")
    x = Exclusion.objects.create(election=e, person=person, reason=reason, upper_consent=upper_consent,
                                 assembly_passed=assembly_passed)
    _done(e, "exclusion", f"{person.name}不计入应到会人数（{x.get_reason_display()}）", acting_user)
    return x


@transaction.atomic
def do_record_count(e: Election, *, date: dt.date, expected_voters: int, present_voters: int, ballots_issued: int,
                    ballots_returned: int, votes: dict[int, int], invalid_ballots: int = 0, quorum: str | None = None,
                    acting_user=None) -> Outcome:
    """The election meeting's numbers and each candidate's yes votes (person id → votes). Refused, and
    nothing saved, when the meeting was not valid (quorum, ELEC-07) or the ballots void it (ELEC-11)."""
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_org(acting_user, e)
    if e.date:
        raise ActionError("本次选举已计票；结果有误的，请重新组织选举。")
    if e.approved_date is None:
        raise ActionError("换届请示尚未批复。", rule="ELEC-01")
    if e.kind == Kind.COMMITTEE and e.candidates_approved is None:
        raise ActionError("候选人预备人选尚未经上级党组织审查同意。", rule="ELEC-06")
    _day(date, "date", "选举大会日期", e.candidates_approved or e.approved_date)
    excluded = e.exclusions.filter(upper_consent__isnull=False, assembly_passed=True).count()
    expected = expected_voters - excluded
    if present_voters > expected_voters or present_voters < 1:
        raise ActionError("实到会人数应在 1 与应到会人数之间。", field="present_voters")
    inclusive = (quorum or engine.effective_settings().get("elec_quorum")) == "inclusive"
    if (5 * present_voters < 4 * expected) if inclusive else (5 * present_voters <= 4 * expected):
        raise ActionError(f"应到会{expected}人（已减去经批准不计入的{excluded}人），实到{present_voters}人，"
                          f"{'不足' if inclusive else '未超过'}4/5，选举大会无效，请另行召开。", field="present_voters",
                          rule="ELEC-07")
    if ballots_returned > ballots_issued:
        raise ActionError(f"收回选票{ballots_returned}张，多于发出的{ballots_issued}张：选举无效，应重新选举。",
                          field="ballots_returned", rule="ELEC-11")
    if ballots_issued > present_voters:
        raise ActionError("发出选票不能多于实到会有选举权人数。", field="ballots_issued")
    cands = {c.person_id: c for c in e.candidates.select_related("person")}
    if set(votes) - set(cands):
        raise ActionError("计票中有不是候选人的人员。", field="votes")
    valid = ballots_returned - invalid_ballots
    if invalid_ballots < 0 or valid < 0:
        raise ActionError("废票数应在 0 与收回选票数之间。", field="invalid_ballots")
    if any(v < 0 or v > valid for v in votes.values()):
        raise ActionError(f"每名候选人的赞成票应在 0 与有效选票数（{valid}）之间。", field="votes")
    if sum(votes.values()) > valid * e.seats:
        raise ActionError(f"赞成票合计{sum(votes.values())}张，多于有效选票{valid}张 × 应选{e.seats}名：一张有效选票最多选"
                          f"{e.seats}人，请核对计票单。", field="votes", rule="ELEC-11")
    for pid, c in cands.items():
        c.votes = votes.get(pid, 0)
    Candidate.objects.bulk_update(list(cands.values()), ["votes"])
    e.date, e.expected_voters, e.present_voters = date, expected_voters, present_voters
    e.ballots_issued, e.ballots_returned, e.invalid_ballots = ballots_issued, ballots_returned, invalid_ballots
    e.quorum_rule = "inclusive" if inclusive else "strict"           # (the meeting's record says which rule held)
    e.save()
    out = outcome(e)
    text = (f"{date:%Y-%m-%d}选举大会：应到{expected_voters}人，实到{present_voters}人；当选"
            f"{'、'.join(p.name for p in out.elected) or '无'}")
    if out.tied:
        text += f"；{'、'.join(p.name for p in out.tied)}票数相等，需再投票"
    elif out.short:
        text += f"；不足{out.short}名，需另行选举"
    _done(e, "count", text, acting_user)
    return out


def chain_root(e: Election) -> Election:
    """The first election of a chain of revotes and 另行选举 (`follows`)."""
    seen = set()
    while e.follows_id and e.follows_id not in seen:
        seen.add(e.pk)
        e = Election.objects.get(pk=e.follows_id)
    return e


def is_by_election(e: Election) -> bool:
    """A 增补选举, or a revote / 另行选举 following one (the chain's first election says)."""
    return e.by_election or bool(e.follows_id and chain_root(e).by_election)


def committee_members(org: Org, day: dt.date):
    """The committee's posts in office on `day`."""
    return Post.objects.filter(org=org, role__in=list(COMMITTEE_ROLES)).current(day)


@transaction.atomic
def do_open_followup(e: Election, *, acting_user=None) -> Election:
    """再投票 (a tie at the last seat: among those tied) or 另行选举 (seats left over): a new election following
    this one, under the same 批复; the candidates of a revote are those tied."""
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_org(acting_user, e)
    if not e.date:
        raise ActionError("尚未计票。")
    out = outcome(e)
    if out.complete:
        raise ActionError("本次选举已选足应选名额，不需要再投票或另行选举。")
    if e.followups.exists():
        raise ActionError("已发起再投票或另行选举。")
    seats = e.seats - len(out.elected)
    f = Election.objects.create(org=e.org, kind=e.kind, seats=seats, request_date=e.request_date,
                                approved_date=e.approved_date, follows=e, created_by=audit.user_or_none(acting_user))
    if out.tied:
        Candidate.objects.bulk_create([Candidate(election=f, person=p, order=n) for n, p in enumerate(out.tied)])
        f.candidates_approved = e.candidates_approved
        f.save(update_fields=["candidates_approved"])
    return _done(f, "open", f"{'就票数相等者再投票' if out.tied else '对不足名额另行选举'}，应选{seats}名", acting_user)


def outcome(e: Election) -> Outcome:
    """The count of a recorded election, candidates as Person objects."""
    votes = {c.person: c.votes for c in e.candidates.all() if c.votes is not None}
    return count(e.seats, e.present_voters or 0, votes, e.ballots_issued, e.ballots_returned)


@transaction.atomic
def do_install_committee(e: Election, *, roles: dict[int, str], acting_user=None) -> list[Post]:
    """The new committee's posts in one step: each elected person gets the role given (书记 and 副书记 await
    the upper level's approval, ELEC-12); the previous committee's posts end the day before; the org's term
    starts on the election day (TERM-01). A revote or 另行选举 (an election following an earlier one) only adds
    posts; so does a 增补选举: nobody's post ends, the term (and its end) stays the current one."""
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_org(acting_user, e)
    if e.kind != Kind.COMMITTEE:
        raise ActionError("代表选举不产生委员会。")
    if not e.date:
        raise ActionError("尚未计票。")
    out = outcome(e)
    elected = {p.pk: p for p in out.elected}
    if not elected:
        raise ActionError("本次选举没有人当选。")
    if set(roles) - set(elected):
        raise ActionError("只有当选的人可以任委员（得票须超过实到会人数的一半）。", field="roles", rule="ELEC-09")
    if missing := [p.name for pid, p in elected.items() if not roles.get(pid)]:
        raise ActionError(f"请为每名当选的委员选择职务：{'、'.join(missing)}。", field="roles")
    if bad := [r for r in roles.values() if r not in COMMITTEE_ROLES]:
        raise ActionError(f"“{bad[0]}”不是委员会的职务。", field="roles")
    if Post.objects.filter(org=e.org, start=e.date, person_id__in=list(roles)).exists():
        raise ActionError("本次选举的委员已任职。")
    from dangjian.orgs.actions import do_appoint, do_end_post, do_record_election

    # The chain's first election opens the new term; a revote or 另行选举 only adds to what it installed —
    # unless it installed nobody (all seats went to the follow-up), then the follow-up opens the term.
    root = chain_root(e)
    by_election = root.by_election
    if by_election and (sitting := sorted(committee_members(e.org, e.date).filter(person_id__in=list(roles))
                                          .values_list("person__name", flat=True).distinct())):
        raise ActionError(f"{'、'.join(sitting)}已是本届委员会委员，增补不能重复任职。", field="roles")
    opened = by_election or Post.objects.filter(org=e.org, role__in=list(COMMITTEE_ROLES), start__gte=root.date).exists()
    if not opened:
        for p in Post.objects.filter(org=e.org, role__in=list(COMMITTEE_ROLES)).current(e.date):
            if p.start is None or p.start < root.date:
                do_end_post(p, on=root.date - dt.timedelta(days=1), acting_user=acting_user)
        do_record_election(e.org, elected_on=root.date, acting_user=acting_user)
    if PostRole.SECRETARY in roles.values() and (list(roles.values()).count(PostRole.SECRETARY) > 1 or Post.objects.filter(
            org=e.org, role=PostRole.SECRETARY).current(e.date).exists()):
        raise ActionError("书记只能有一名。", field="roles")
    posts = [do_appoint(person=elected[pid], org=e.org, role=role, start=e.date, acting_user=acting_user)
             for pid, role in roles.items()]
    _done(e, "install", ("增补委员：" if by_election else "新一届委员会：") + "，".join(f"{p.person.name}（{p.get_role_display()}）" for p in posts),
          acting_user)
    return posts


@transaction.atomic
def do_file_results(e: Election, *, on: dt.date, acting_user=None) -> Election:
    """选举结果报上级党组织备案（书记、副书记报批）; the upper level records the approval (ELEC-12)."""
    e = Election.objects.select_for_update(of=("self",)).select_related("org").get(pk=e.pk)
    _may_upper(acting_user, e, "选举结果的备案和书记、副书记的批准")
    if not e.date:
        raise ActionError("尚未计票。")
    if e.kind == Kind.COMMITTEE and outcome(e).elected and not Post.objects.filter(org=e.org, start=e.date).exists():
        raise ActionError("请先按选举结果更新委员会职务，再报上级备案、批准。")
    e.filed_date = e.secretary_approved = _day(on, "on", "备案（批准）日期", e.date)
    e.save(update_fields=["filed_date", "secretary_approved"])
    from dangjian.orgs.actions import do_update_post

    for p in Post.objects.filter(org=e.org, start=e.date, role__in=(PostRole.SECRETARY, PostRole.DEPUTY_SECRETARY),
                                 approved__isnull=True):
        do_update_post(p, approved=on, acting_user=acting_user)
    return _done(e, "filed", f"选举结果经上级党组织备案，书记、副书记经批准（{on:%Y-%m-%d}）", acting_user)
