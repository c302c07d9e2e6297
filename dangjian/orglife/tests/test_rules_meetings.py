"""Defects of one meeting are findings on that meeting: a vote without quorum at a 党员大会 (BR-05),
a 支委会 with fewer than half of its members (BR-06), a chair who is not the secretary or one the
secretary may delegate to (BR-08), a 民主生活会 below two thirds (DLH-01), and a 组织生活会 held
without talks beforehand (TALK-01)."""
import datetime as dt

import pytest

from conftest import _person
from dangjian.core import engine
from dangjian.core.models import Finding
from dangjian.orglife.actions import do_record_meeting, do_record_talk
from dangjian.orgs.actions import do_appoint, do_create_org

D = dt.date
AS_OF = D(2025, 12, 31)


def on_meeting(rule_id, meeting, as_of=AS_OF):
    """(severity, message) of the rule's hit on this meeting, or None."""
    ctx = engine.Context(as_of=as_of, settings=engine.effective_settings())
    for r, h in engine.evaluate(ctx, [rule_id]):
        if engine.subject_kind(r, h) == "meeting" and h.subject.pk == meeting.pk:
            return h.severity or r.severity, h.message
    return None


def vote(eligible, present, yes=None):
    return {"motion": "表决事项", "eligible": eligible, "present": present, "yes": present if yes is None else yes}


# --- BR-05: quorum at a 党员大会 --------------------------------------------------------------------
def test_exactly_half_present_is_a_quorum_one_less_is_blocked(tree, people):
    half = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 6, 10), topic="半数",
                             present=[people.secretary_a], resolutions=[vote(10, 5)])
    short = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 6, 11), topic="不足半数",
                              present=[people.secretary_a], resolutions=[vote(10, 4)])
    assert on_meeting("BR-05", half) is None
    severity, message = on_meeting("BR-05", short)
    assert severity == "BLOCK" and "不足应到10人的半数" in message


def test_a_member_assembly_that_decided_with_fewer_than_half_attending(tree, people):
    _person(tree.a, "党员丙")
    # 3 voting members expected, 1 present: below half although the tally claims 2 of 3.
    m = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 6, 10), topic="党员大会",
                          present=[people.secretary_a], resolutions=[vote(3, 2)])
    severity, message = on_meeting("BR-05", m)
    assert severity == "BLOCK" and "出席记录" in message
    # Without decisions the attendance alone is not a quorum question.
    plain = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 6, 12), topic="学习",
                              present=[people.secretary_a])
    assert on_meeting("BR-05", plain) is None


def test_the_stored_finding_is_about_the_meeting(tree, people):
    m = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 6, 10), topic="不足半数",
                          present=[people.secretary_a], resolutions=[vote(10, 4)])
    engine.run(as_of=AS_OF, rule_ids=["BR-05"])
    f = Finding.objects.get(rule_id="BR-05", subject_kind="meeting")
    assert (f.subject_id, f.org_id, f.severity, f.period) == (m.pk, tree.a.pk, "BLOCK", "")
    assert Finding.objects.filter(rule_id="BR-05", subject_kind="org", subject_id=tree.a.pk).exists()


# --- BR-06: a 支委会 needs half of its members -----------------------------------------------------
def test_a_committee_meeting_with_fewer_than_half_of_its_members(tree, people):
    c, d = _person(tree.a, "委员丙"), _person(tree.a, "委员丁")
    committee = [people.secretary_a, people.member_a, c, d]
    half = do_record_meeting(org=tree.a, type="committee", date=D(2025, 6, 5), topic="支委会",
                             expected=committee, present=committee[:2])
    short = do_record_meeting(org=tree.a, type="committee", date=D(2025, 7, 5), topic="支委会",
                              expected=committee, present=committee[:1])
    decided = do_record_meeting(org=tree.a, type="committee", date=D(2025, 8, 5), topic="支委会",
                                expected=committee, present=committee[:1], resolutions=[vote(4, 1)])
    assert on_meeting("BR-06", half) is None
    assert on_meeting("BR-06", short)[0] == "WARN"
    assert on_meeting("BR-06", decided)[0] == "BLOCK"


# --- BR-08: who chairs -----------------------------------------------------------------------------
def test_the_secretary_or_a_committee_member_chairs_the_member_assembly(tree, people):
    by_secretary = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 6, 10), topic="大会",
                                     chair=people.secretary_a)
    by_member = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 6, 11), topic="大会",
                                  chair=people.member_a)
    assert on_meeting("BR-08", by_secretary) is None
    severity, message = on_meeting("BR-08", by_member)
    assert severity == "WARN" and "李红梅" in message
    # Once a committee member, the secretary may delegate the chair to them.
    do_appoint(person=people.member_a, org=tree.a, role="propaganda", start=D(2025, 6, 1))
    assert on_meeting("BR-08", by_member) is None


def test_a_group_meeting_is_chaired_by_its_leader(tree, people):
    leader = _person(tree.a, "组长", group=tree.a1)
    other = _person(tree.a, "组员", group=tree.a1)
    do_appoint(person=leader, org=tree.a1, role="group_leader", start=D(2025, 1, 1))
    ok = do_record_meeting(org=tree.a1, type="group", date=D(2025, 6, 10), topic="小组会", chair=leader)
    by_secretary = do_record_meeting(org=tree.a1, type="group", date=D(2025, 7, 10), topic="小组会",
                                     chair=people.secretary_a)
    wrong = do_record_meeting(org=tree.a1, type="group", date=D(2025, 8, 10), topic="小组会", chair=other)
    assert on_meeting("BR-08", ok) is None and on_meeting("BR-08", by_secretary) is None
    assert on_meeting("BR-08", wrong)[0] == "WARN"


# --- DLH-01: two thirds at a 民主生活会 ------------------------------------------------------------
def test_a_democratic_life_meeting_needs_two_thirds_present(tree, people):
    lg = do_create_org(name="市交通运输局党组", type="leading_group", parent=tree.wc)
    six = [people.secretary_a, people.member_a, people.secretary_b, people.member_b,
           _person(tree.b, "成员五"), _person(tree.b, "成员六")]
    two_thirds = do_record_meeting(org=lg, type="democratic_life", date=D(2025, 12, 10), topic="民主生活会",
                                   expected=six, present=six[:4])
    fewer = do_record_meeting(org=lg, type="democratic_life", date=D(2025, 12, 11), topic="民主生活会",
                              expected=six, present=six[:3])
    assert on_meeting("DLH-01", two_thirds) is None
    severity, message = on_meeting("DLH-01", fewer)
    assert severity == "BLOCK" and "2/3" in message


# --- TALK-01: talks before a 组织生活会 ------------------------------------------------------------
def test_talks_among_the_participants_in_the_sixty_days_before_the_org_life_meeting(tree, people):
    day = D(2025, 11, 20)
    m = do_record_meeting(org=tree.a, type="org_life", date=day, topic="组织生活会",
                          present=[people.secretary_a, people.member_a])
    do_record_talk(a=people.secretary_a, b=people.member_a, date=day - dt.timedelta(days=61))
    do_record_talk(a=people.secretary_a, b=people.secretary_b, date=day - dt.timedelta(days=3))  # not a participant
    assert on_meeting("TALK-01", m)[0] == "WARN"
    do_record_talk(a=people.member_a, b=people.secretary_a, date=day - dt.timedelta(days=60))
    assert on_meeting("TALK-01", m) is None


@pytest.mark.parametrize("recorded_by", ["a", "committee"])
@pytest.mark.parametrize("offset, ok", [(-1, False), (0, True), (60, True), (61, False)])
def test_a_talk_counts_on_the_meeting_day_and_the_sixty_days_before_whoever_recorded_it(
        tree, people, offset, ok, recorded_by):
    """The talks recorded by the meeting's own org are checked first in the database; a talk between
    two participants recorded elsewhere (here by the 机关党委) counts the same, on the same days:
    the meeting day and the 60 days before it, not the day after."""
    day = D(2025, 11, 20)
    m = do_record_meeting(org=tree.a, type="org_life", date=day, topic="组织生活会",
                          present=[people.secretary_a, people.member_a])
    do_record_talk(a=people.member_a, b=people.secretary_a, date=day - dt.timedelta(days=offset),
                   org=getattr(tree, recorded_by))
    assert (on_meeting("TALK-01", m) is None) == ok
