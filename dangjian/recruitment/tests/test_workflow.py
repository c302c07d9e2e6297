"""The recruitment workflow (细则, rules.md §3): a secretary takes one person from application to
confirmation entering past dates, each step on the earliest date the timeline proposes; what the
rules forbid is refused with the article (two candidates in one vote, a candidate before a year as
an activist, a step out of order); a correction voids the old record and keeps it. And the property:
every date the timeline proposes is accepted."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import _person
from dangjian.core.errors import ActionError
from dangjian.people.models import Person
from dangjian.recruitment.actions import do_correct_step, do_open_file, do_record_step
from dangjian.recruitment.models import RecruitmentEvent, RecruitmentFile
from dangjian.recruitment.rules import load_facts
from dangjian.recruitment.workflow import next_steps, window

VOTE = {"eligible": 10, "present": 7, "yes": 6, "written_yes": 1, "candidates_in_vote": 1}


def data_for(step, tree, people):
    """Valid data for each step."""
    return {
        "mentors": {"persons": [people.secretary_a, people.member_a]},
        "sponsors": {"persons": [people.secretary_a, people.member_a]},
        "political_review": {"conclusion": "pass"},
        "training": {"days": 3, "hours": 24},
        "branch_vote": dict(VOTE), "confirm_vote": dict(VOTE),
        "approval": {"approver": tree.committee}, "confirm_approval": {"approver": tree.committee},
        "archive": {"docs": ["application", "volunteer_form", "political_review", "confirm_application",
                             "cultivation_records"]},
    }.get(step, {})


def case_of(f):
    facts = load_facts(RecruitmentFile.objects.filter(pk=f.pk))
    return facts.cases[0], facts


def record_next(f, step, tree, people, pick=lambda w: w.earliest):
    case, facts = case_of(f)
    w = window(case, step, facts)
    assert w is not None, step
    return do_record_step(f, step, pick(w), **data_for(step, tree, people))


PATH = ["first_talk", "activist", "activist_filed", "mentors", "activist_review", "activist_review", "candidate",
        "candidate_filed", "sponsors", "political_review", "training", "committee_review", "pre_review",
        "volunteer_form", "branch_vote", "upper_talk", "approval", "filed_upward", "oath", "confirm_application",
        "confirm_vote", "confirm_approval", "archive"]


@pytest.fixture
def applicant(tree, people):
    return _person(tree.a, "李明", status="applicant", birth_date=dt.date(2000, 2, 29), probationary_date=None,
                   full_member_date=None)


def test_from_application_to_confirmation_on_the_earliest_dates(tree, people, users, applicant):
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1), acting_user=users.secretary_a)
    for step in PATH:
        assert step in next_steps(case_of(f)[0]), step
        record_next(f, step, tree, people)
    p = Person.objects.get(pk=applicant.pk)
    vote = RecruitmentEvent.objects.get(file=f, step="branch_vote")
    assert p.status == "full" and p.probationary_date == vote.date
    assert p.full_member_date == dt.date(vote.date.year + 1, vote.date.month, vote.date.day)   # DEV-25
    f.refresh_from_db()
    assert f.closed and "转正" in f.closed_reason
    # the candidate came exactly one year after the activist (DEV-08)
    act, cand = (RecruitmentEvent.objects.get(file=f, step=s).date for s in ("activist", "candidate"))
    assert cand == dt.date(act.year + 1, act.month, act.day)


def test_the_application_waits_for_the_18th_birthday(tree, people, applicant):
    with pytest.raises(ActionError, match="DEV-01"):
        do_open_file(person=applicant, application_date=dt.date(2018, 2, 27))
    assert not RecruitmentFile.objects.exists()   # the refusal loses nothing half-made
    f = do_open_file(person=applicant, application_date=dt.date(2018, 2, 28))
    assert f.events.get().step == "application"


def _to_vote(tree, people, applicant):
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1))
    for step in PATH[:PATH.index("branch_vote")]:
        record_next(f, step, tree, people)
    return f


def test_two_candidates_in_one_vote_are_refused(tree, people, applicant):
    f = _to_vote(tree, people, applicant)
    case, facts = case_of(f)
    day = window(case, "branch_vote", facts).earliest
    with pytest.raises(ActionError, match="逐个表决.*DEV-15"):
        do_record_step(f, "branch_vote", day, **dict(VOTE, candidates_in_vote=2))
    with pytest.raises(ActionError, match="DEV-14"):
        do_record_step(f, "branch_vote", day, **dict(VOTE, present=5))       # exactly half present
    assert do_record_step(f, "branch_vote", day, **dict(VOTE, present=6))


def test_a_step_out_of_order_or_too_early_is_refused(tree, people, applicant):
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1))
    with pytest.raises(ActionError, match="须先登记“确定入党积极分子”"):
        do_record_step(f, "candidate", dt.date(2022, 6, 1))
    record_next(f, "activist", tree, people)
    act = RecruitmentEvent.objects.get(file=f, step="activist").date
    with pytest.raises(ActionError, match="不满一年.*DEV-08"):
        do_record_step(f, "candidate", dt.date(act.year + 1, act.month, act.day) - dt.timedelta(days=1))
    with pytest.raises(ActionError, match="已登记"):
        do_record_step(f, "activist", act)


def test_a_correction_voids_the_old_record_and_is_checked_like_a_new_one(tree, people, applicant):
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1))
    talk = record_next(f, "first_talk", tree, people)
    new = do_correct_step(talk, date=talk.date + dt.timedelta(days=3), reason="日期录错")
    talk.refresh_from_db()
    assert talk.voided_at and talk.void_reason == "日期录错" and talk.corrected_by == new
    with pytest.raises(ActionError, match="理由"):
        do_correct_step(new, date=new.date, reason=" ")
    with pytest.raises(ActionError, match="不能早于"):
        do_correct_step(new, date=dt.date(2021, 2, 1), reason="提前")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.floats(min_value=0, max_value=1), min_size=len(PATH), max_size=len(PATH)))
def test_every_date_the_timeline_proposes_is_accepted(tree, people, offsets):
    """Property: at each step, any date between the proposed earliest and latest (the hard limit, or
    400 days after the earliest when there is no deadline) is accepted — no BLOCK rule refuses it."""
    RecruitmentEvent.objects.all().delete()
    RecruitmentFile.objects.all().delete()
    person = _person(tree.a, f"申请人{len(offsets)}", status="applicant", birth_date=dt.date(1995, 5, 5),
                     probationary_date=None, full_member_date=None)
    f = do_open_file(person=person, application_date=dt.date(2015, 3, 1))

    def pick(x):
        def choose(w):
            last = w.limit or w.latest or w.earliest + dt.timedelta(days=400)
            return w.earliest + dt.timedelta(days=int(x * (last - w.earliest).days))
        return choose

    for step, x in zip(PATH, offsets):
        case, facts = case_of(f)
        w = window(case, step, facts)
        assert w is not None, step        # every window so far was kept: the next step stays possible
        if pick(x)(w) > dt.date.today():
            break
        record_next(f, step, tree, people, pick=pick(x))


def test_probation_can_be_cancelled_by_a_branch_vote_and_an_approval(tree, people, applicant):
    """DEV-22: 不具备党员条件的，取消预备党员资格 — decided by the branch meeting (same quorum and
    threshold, DEV-23) and approved above; the person leaves (已除名, with the reason) and nothing about
    the file is pending any more (no 'confirmation not discussed' finding)."""
    from dangjian.core import engine
    from dangjian.recruitment.actions import do_cancel_probation

    f = _to_vote(tree, people, applicant)
    for step in PATH[PATH.index("branch_vote"):PATH.index("oath") + 1]:
        record_next(f, step, tree, people)
    appr = RecruitmentEvent.objects.get(file=f, step="approval").date
    day = appr + dt.timedelta(days=200)
    with pytest.raises(ActionError, match="DEV-23"):
        do_cancel_probation(f, vote_date=day, eligible=10, present=5, yes=5, approver=tree.committee,
                            approved_on=day, reason="严重违纪")
    with pytest.raises(ActionError, match="理由"):
        do_cancel_probation(f, vote_date=day, eligible=10, present=7, yes=7, approver=tree.committee,
                            approved_on=day, reason=" ")
    do_cancel_probation(f, vote_date=day, eligible=10, present=7, yes=7, approver=tree.committee,
                        approved_on=day + dt.timedelta(days=10), reason="严重违纪，不具备党员条件")
    f.refresh_from_db()
    p = Person.objects.get(pk=applicant.pk)
    assert f.closed and "取消预备党员资格" in f.closed_reason and p.status == "removed"
    ctx = engine.Context(as_of=appr + dt.timedelta(days=800), settings=engine.effective_settings())
    assert [h for r, h in engine.evaluate(ctx, ["DEV-22", "DEV-21", "DEV-24"])] == []
    with pytest.raises(ActionError):
        do_record_step(f, "confirm_vote", day, **VOTE)
