"""Recording a meeting once: who was expected is derived from membership on the date."""
import datetime as dt

import pytest

from conftest import _person
from dangjian.core.errors import ActionError
from dangjian.orglife.actions import do_delete_meeting, do_record_appraisal, do_record_meeting, do_update_meeting
from dangjian.orglife.choices import AttendanceStatus
from dangjian.orglife.models import Resolution


def test_expected_are_the_members_on_that_day_and_probationary_members_do_not_vote(tree, people):
    newcomer = _person(tree.a, "新预备党员", status="probationary", probationary_date=dt.date(2025, 5, 1),
                       full_member_date=None)
    late = _person(tree.a, "后来入党", status="probationary", probationary_date=dt.date(2025, 9, 1),
                   full_member_date=None)
    m = do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 10), topic="二季度党员大会",
                          present=[people.secretary_a, newcomer])
    statuses = dict(m.attendance.values_list("person__name", "status"))
    assert statuses == {"王建国": "present", "李红梅": "absent", "新预备党员": "present"}
    assert late.name not in statuses
    assert (m.expected_count, m.present_count, m.voting_expected, m.voting_present) == (3, 2, 2, 1)
    assert not m.attendance.get(person=newcomer).voting


def test_excused_keeps_the_reason_and_one_person_cannot_be_both(tree, people):
    m = do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 10), topic="党员大会",
                          present=[people.secretary_a], excused={people.member_a: "出差"})
    a = m.attendance.get(person=people.member_a)
    assert (a.status, a.reason) == (AttendanceStatus.EXCUSED, "出差")
    with pytest.raises(ActionError, match="既出席又请假"):
        do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 11), topic="党员大会",
                          present=[people.secretary_a], excused={people.secretary_a: "出差"})


def test_committee_meeting_expects_the_committee_members(tree, people):
    m = do_record_meeting(org=tree.a, type="committee", date=dt.date(2025, 6, 10), topic="支委会",
                          present=[people.secretary_a])
    assert list(m.attendance.values_list("person__name", flat=True)) == ["王建国"]


def test_a_vote_passes_only_with_more_than_half_of_those_eligible(tree, people):
    m = do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 10), topic="党员大会",
                          present=[people.secretary_a, people.member_a],
                          resolutions=[{"motion": "半数", "eligible": 10, "present": 5, "yes": 5},
                                       {"motion": "过半", "eligible": 10, "present": 6, "yes": 6},
                                       {"motion": "不足法定人数", "eligible": 10, "present": 4, "yes": 4}])
    r = {x.motion: x for x in Resolution.objects.filter(meeting=m)}
    assert r["半数"].quorum and not r["半数"].passed        # exactly half present; yes not more than half
    assert r["过半"].passed
    assert not r["不足法定人数"].quorum and not r["不足法定人数"].passed


def test_a_future_meeting_is_an_announcement_not_a_record(tree, people):
    future = dt.date.today() + dt.timedelta(days=10)
    with pytest.raises(ActionError, match="会议通知"):
        do_record_meeting(org=tree.a, type="theme_day", date=future, topic="主题党日")
    m = do_record_meeting(org=tree.a, type="theme_day", date=future, topic="主题党日", state="announced",
                          agenda="1. 学习；2. 志愿服务")
    assert m.expected_count == 0
    m = do_update_meeting(m, date=dt.date.today(), state="held", present=[people.member_a])
    assert (m.expected_count, m.present_count) == (2, 1)


def test_deleting_a_record_needs_a_reason(tree, people):
    m = do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 10), topic="主题党日")
    with pytest.raises(ActionError, match="理由"):
        do_delete_meeting(m)
    do_delete_meeting(m, reason="重复录入")


def test_excellent_is_at_most_a_third_of_those_appraised(tree, people):
    members = [people.secretary_a, people.member_a] + [_person(tree.a, f"党员{i}") for i in range(4)]
    grades = {p: "qualified" for p in members}
    grades[members[0]] = grades[members[1]] = "excellent"          # 2 of 6: exactly a third
    do_record_appraisal(org=tree.a, year=2025, grades=grades)
    grades[members[2]] = "excellent"                                 # 3 of 6
    with pytest.raises(ActionError, match="三分之一") as e:
        do_record_appraisal(org=tree.a, year=2025, grades=grades)
    assert e.value.rule == "EVAL-01"


def test_probationary_members_take_part_but_are_not_graded(tree, people):
    p = _person(tree.a, "预备党员", status="probationary", probationary_date=dt.date(2025, 5, 1),
                full_member_date=None)
    with pytest.raises(ActionError) as e:
        do_record_appraisal(org=tree.a, year=2025, grades={p: "qualified", people.member_a: "qualified"})
    assert e.value.rule == "EVAL-02"
    do_record_appraisal(org=tree.a, year=2025, grades={p: None, people.member_a: "qualified"})


# --- 批评和自我批评: checked by the action, whoever calls it (form, API, script) -------------------------
def test_critiques_belong_to_the_org_life_meeting_and_its_participants(tree, people):
    day = dt.date(2025, 12, 10)
    m = do_record_meeting(org=tree.a, type="org_life", date=day, topic="年度组织生活会",
                          present=[people.secretary_a, people.member_a],
                          critiques=[{"from": people.member_a, "to": people.secretary_a, "text": "调研次数偏少"},
                                     {"from": people.secretary_a, "to": None, "text": "联系群众不够"}])
    assert m.critiques.count() == 2
    with pytest.raises(ActionError, match="提出人须是参会人员") as e:
        do_update_meeting(m, critiques=[{"from": people.member_b, "text": "意见"}])
    assert e.value.field == "critiques"
    with pytest.raises(ActionError, match="对象须是参会人员"):
        do_update_meeting(m, critiques=[{"from": people.member_a, "to": people.secretary_b, "text": "意见"}])
    with pytest.raises(ActionError, match="请填写内容"):
        do_update_meeting(m, critiques=[{"from": people.member_a, "text": "  "}])
    assert m.critiques.count() == 2                      # a refused change loses nothing
    with pytest.raises(ActionError, match="主题党日不登记批评和自我批评"):
        do_record_meeting(org=tree.a, type="theme_day", date=day, topic="主题党日", present=[people.secretary_a],
                          critiques=[{"from": people.secretary_a, "text": "自我批评"}])
