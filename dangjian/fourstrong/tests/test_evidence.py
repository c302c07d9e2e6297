"""佐证材料 come from the records, never typed: on a small branch the numbers equal a count by hand, and they are
frozen into the application when it is submitted."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.fourstrong import actions, evidence
from dangjian.orglife.actions import do_record_meeting
from dangjian.study.actions import do_record_study

from .helpers import full_marks, published_standard

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 11, 30)


@pytest.fixture
def records(tree, people, users):
    sec, mem = people.secretary_a, people.member_a
    both = [sec, mem]
    rec = dict(acting_user=users.secretary_a)
    do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 3, 10), topic="一季度党员大会",
                      present=both, expected=both, **rec)
    do_record_meeting(org=tree.a, type="committee", date=dt.date(2025, 4, 5), topic="四月支委会", present=[sec],
                      expected=both, **rec)
    do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 5, 20), topic="五月主题党日", present=[sec],
                      excused={mem: "出差"}, expected=both, **rec)
    do_record_meeting(org=tree.a, type="lecture", date=dt.date(2025, 6, 18), topic="学习党章", present=[sec],
                      expected=both, lecturer=sec, **rec)
    do_record_meeting(org=tree.a1, type="group", date=dt.date(2025, 7, 1), topic="七月党小组会", present=[mem],
                      expected=[mem], **rec)
    # Not counted: last year's lecture, a meeting only announced, branch B's meeting.
    do_record_meeting(org=tree.a, type="lecture", date=dt.date(2024, 6, 18), topic="去年的党课", present=both,
                      expected=both, lecturer=sec, **rec)
    do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 11, 28), topic="十一月主题党日（通知）",
                      state="announced", **rec)
    do_record_meeting(org=tree.b, type="member_assembly", date=dt.date(2025, 3, 11), topic="B的党员大会",
                      present=[people.secretary_b, people.member_b], expected=[people.secretary_b, people.member_b],
                      acting_user=users.secretary_b)
    # Study: the secretary (a 班子成员, 56 hours) 60 hours; the member (32 hours) 20 hours.
    do_record_study([sec], date=dt.date(2025, 3, 1), hours="60", **rec)
    do_record_study([mem], date=dt.date(2025, 3, 1), hours="20", **rec)
    do_record_study([mem], date=dt.date(2024, 3, 1), hours="40", **rec)        # last year's: not counted


def test_the_evidence_equals_a_count_by_hand(tree, people, users, records):
    items = evidence.collect(tree.a, 2025, AS_OF)["items"]
    counts = {k: items[k]["num"] for k in evidence.MEETING_KEYS}
    assert counts == {"member_assembly": 1, "committee": 1, "group": 1, "lecture": 1, "theme_day": 1, "org_life": 0}
    # Attendance rows: 2 + 2 + 2 + 2 + 1 = 9; present: 2 + 1 + 1 + 1 + 1 = 6 (the excused one counts as not present).
    assert (items["attendance"]["num"], items["attendance"]["den"]) == (6, 9)
    assert evidence.shown(items["attendance"]) == "66.67%（6/9）"
    assert (items["study_hours"]["num"], items["study_hours"]["den"]) == (1, 2)
    assert items["secretary_lectures"]["num"] == 1 and "学习党章" in items["secretary_lectures"]["text"]
    assert (items["committee_term"]["num"], items["committee_term"]["den"]) == (1, 1)
    assert "2027-03-15" in items["committee_term"]["text"]
    assert items["last_election"]["num"] == 0 and "没有换届选举记录" in items["last_election"]["text"]
    # Nothing of branch B's, and B's own evidence does not see A's.
    b = evidence.collect(tree.b, 2025, AS_OF)["items"]
    assert b["member_assembly"]["num"] == 1 and b["lecture"]["num"] == 0 and b["attendance"]["den"] == 2


def test_the_evidence_is_frozen_at_submission_and_shown_with_links(tree, people, users, records, client_as):
    app = actions.do_open_application(standard=published_standard(tree, users), org=tree.a, acting_user=users.secretary_a)
    actions.do_save_self_assessment(app, scores=full_marks(app), acting_user=users.secretary_a)
    actions.do_submit(app, as_of=AS_OF, acting_user=users.secretary_a)
    app.refresh_from_db()
    assert app.evidence["as_of"] == "2025-11-30" and app.evidence["items"]["attendance"]["num"] == 6
    # A meeting recorded afterwards does not change what was submitted.
    do_record_meeting(org=tree.a, type="org_life", date=dt.date(2025, 11, 29), topic="组织生活会",
                      present=[people.secretary_a, people.member_a],
                      expected=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    html = client_as(users.committee_admin).get(
        reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk})).content.decode()
    assert "提交时固定" in html and "66.67%（6/9）" in html
    assert 'id="ev-org_life"><strong>0</strong>' in html
    assert f"within={tree.a.pk}" in html and "学习党章" in html


def test_study_hours_are_measured_against_the_part_of_the_year_that_has_passed(tree, people, users):
    """An application written at the end of June holds each member to about half of the year's hours (32 → 15.9 by
    30 June, 56 → 27.8 for the secretary), not to the whole year's; from 31 December, to the whole year's."""
    rec = dict(acting_user=users.secretary_a)
    do_record_study([people.secretary_a], date=dt.date(2025, 3, 1), hours="28", **rec)
    do_record_study([people.member_a], date=dt.date(2025, 3, 1), hours="15", **rec)
    items = evidence.collect(tree.a, 2025, dt.date(2025, 6, 30))["items"]
    assert (items["study_hours"]["num"], items["study_hours"]["den"]) == (1, 2)      # 15 < 15.9; 28 ≥ 27.8
    assert "15.9学时" in items["study_hours"]["text"] and "全年32学时" in items["study_hours"]["text"]
    do_record_study([people.member_a], date=dt.date(2025, 6, 1), hours="1", **rec)
    assert evidence.collect(tree.a, 2025, dt.date(2025, 6, 30))["items"]["study_hours"]["num"] == 2
    year_end = evidence.collect(tree.a, 2025, dt.date(2026, 1, 15))["items"]["study_hours"]
    assert year_end["num"] == 0 and "达到32学时（班子成员56学时）的0人" in year_end["text"]
