"""学习教育, each record counted once and only while it stands: a 中心组学习's credited 学时 follow the meeting
through a DJX re-import and are not doubled by a round trip; the hours a committee credits do not make a branch
"record study" (EDU-01/EDU-02); one meeting or class shows one plan item done, one lecture one planned lecture;
the 补课 list is cleared by giving the lecture late, and an accountability task is taken up once for the same
days; a class keeps the hours of participants nobody removed; the bounds on hours, classes and years."""
import datetime as dt
from decimal import Decimal

import pytest

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.orglife.actions import do_record_meeting, do_update_meeting
from dangjian.study import actions
from dangjian.study.models import StudyRecord

from .clock import TODAY
from .test_plans import center_session, give, hits, hours_of, schedule

pytestmark = pytest.mark.django_db


# ── 1, 2: DJX keeps credited hours in step, and a round trip does not double them ────────────────────────
def _center_doc(present, date):
    from dangjian.djx.tests.test_import_orglife import branch_doc

    return branch_doc(meetings=[{"id": "sc", "org": "c", "type": "study_center", "date": date,
                                 "topic": "学习贯彻党的二十届四中全会精神", "present": present}])


def test_a_reimported_study_center_session_rewrites_the_hours_it_credits(db):
    from dangjian.djx.actions import do_import_djx
    from dangjian.orglife.models import Meeting

    assert do_import_djx(_center_doc(["m1", "m2", "m4"], "2025-04-08")).ok
    m = Meeting.objects.get(external_id="sc")
    assert actions.do_credit_meeting(m, hours="4") == 3
    # The file says only 党员1 was present, a week later: 党员2 and 党员4 lose the 4 学时, the date follows.
    report = do_import_djx(_center_doc(["m1"], "2025-04-15"))
    assert report.ok, report.errors
    assert sorted(StudyRecord.objects.filter(meeting=m).values_list("person__external_id", "date", "hours")) == [
        ("m1", dt.date(2025, 4, 15), Decimal("4"))]


def test_credited_hours_are_not_doubled_by_a_djx_round_trip(tree, people, users):
    from dangjian.djx.actions import do_import_djx
    from dangjian.djx.exporter import export_document

    m = center_session(tree, people, users)
    actions.do_credit_meeting(m, hours="4")
    c = actions.do_create_class(org=tree.committee, kind="reading", title="读书班", start=dt.date(2025, 5, 6),
                                end=dt.date(2025, 5, 6))
    actions.do_change_participants(c, add=[people.member_a])
    actions.do_set_completion(c, {people.member_a.pk})
    actions.do_record_study([people.member_a], date=dt.date(2025, 3, 1), hours="2", title="自学")
    doc = export_document()
    # DJX v1 has no section for credits or classes: only the record entered as such is a study row.
    assert [(r["date"], r["hours"]) for r in doc["study"]] == [("2025-03-01", 2)]
    assert hours_of(people.member_a, 2025) == Decimal("14")
    # An older file that did carry the credited row, from before the session's hours were corrected to 3: it is
    # not added beside the credited one.
    doc["study"] += [{"person": r["person"], "date": "2025-04-08", "hours": 4, "kind": "centralized",
                      "title": "理论学习中心组学习：学习贯彻党的二十届四中全会精神"} for r in doc["study"]]
    actions.do_credit_meeting(m, hours="3")
    report = do_import_djx(doc)
    assert report.ok, report.errors
    assert hours_of(people.member_a, 2025) == Decimal("13")


# ── 3: a branch records study only by its own records ──────────────────────────────────────────────
def test_hours_credited_by_the_committee_do_not_make_branch_a_record_study(tree, people, users):
    m = center_session(tree, people, users, day=dt.date(2025, 4, 8))
    actions.do_credit_meeting(m, hours="4")
    c = actions.do_create_class(org=tree.committee, kind="rotation", title="党支部书记轮训",
                                start=dt.date(2025, 5, 6), end=dt.date(2025, 5, 6))
    actions.do_change_participants(c, add=[people.secretary_a])
    actions.do_set_completion(c, {people.secretary_a.pk})
    # Branch A entered no study of its own in 2025: nobody there is judged short of hours.
    assert hits("EDU-01", dt.date(2025, 12, 31)) == []
    assert not [h for h in hits("EDU-02", dt.date(2025, 12, 31)) if "学时" in h.message]
    actions.do_record_study([people.member_a], date=dt.date(2025, 3, 1), hours="8")   # now it does
    assert [h.subject.pk for h in hits("EDU-01", dt.date(2025, 12, 31))] == [people.member_a.pk]


# ── 4, 10, 12: a plan's items — one record each, links re-checked, no query per item ──────────────────
def test_one_meeting_shows_one_plan_item_done(tree, people, users):
    year = TODAY.year
    plan = actions.do_create_plan(org=tree.committee, year=year)
    april = actions.do_add_plan_item(plan, form="study_center", topic="党的创新理论", month=4)
    q2 = actions.do_add_plan_item(plan, form="study_center", topic="纪律教育", quarter=2)
    m = center_session(tree, people, users, day=dt.date(year, 4, 8))
    status = {r["item"].pk: r for r in actions.plan_progress(plan)}
    # The April session is April's (the earlier window); the second quarter still has none of its own.
    assert (status[april.pk]["status"], status[april.pk]["record"]) == ("done", m)
    assert (status[q2.pk]["status"], status[q2.pk]["record"]) == ("overdue", None)
    actions.do_link_plan_item(april, m)
    with pytest.raises(ActionError, match="已关联本计划4月“党的创新理论”，一条记录只能对应一个学习专题"):
        actions.do_link_plan_item(q2, m)
    m2 = center_session(tree, people, users, day=dt.date(year, 5, 20))
    status = {r["item"].pk: r for r in actions.plan_progress(plan)}
    assert (status[april.pk]["record"], status[q2.pk]["record"], status[q2.pk]["status"]) == (m, m2, "done")


def test_a_linked_meeting_that_is_cancelled_or_moved_no_longer_shows_the_item_done(tree, people, users):
    year = TODAY.year
    plan = actions.do_create_plan(org=tree.committee, year=year)
    april = actions.do_add_plan_item(plan, form="study_center", topic="党的创新理论", month=4)
    m = center_session(tree, people, users, day=dt.date(year, 4, 8))
    m2 = center_session(tree, people, users, day=dt.date(year, 4, 22))
    assert {r["item"].pk: r for r in actions.plan_progress(plan)}[april.pk]["status"] == "done"   # two: still done
    actions.do_link_plan_item(april, m2)
    do_update_meeting(m2, date=dt.date(year, 7, 1))                             # moved out of April
    row = {r["item"].pk: r for r in actions.plan_progress(plan)}[april.pk]
    assert (row["status"], row["record"], row["auto"]) == ("done", m, True)     # the other April session
    do_update_meeting(m, state="cancelled")
    assert {r["item"].pk: r for r in actions.plan_progress(plan)}[april.pk]["status"] == "overdue"


def test_the_plan_page_does_not_grow_with_its_items(tree, people, users, client, django_assert_max_num_queries):
    year = TODAY.year
    plan = actions.do_create_plan(org=tree.committee, year=year)
    for month in (1, 2, 3):
        item = actions.do_add_plan_item(plan, form="study_center", topic=f"{month}月学习", month=month)
        actions.do_link_plan_item(item, center_session(tree, people, users, day=dt.date(year, month, 10)))
    client.force_login(users.committee_admin)
    with django_assert_max_num_queries(14) as few:
        assert client.get(f"/study/plans/{plan.pk}/").status_code == 200
    for month in range(4, 11):
        item = actions.do_add_plan_item(plan, form="study_center", topic=f"{month}月学习", month=month)
        actions.do_link_plan_item(item, center_session(tree, people, users, day=dt.date(year, month, 10)))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/study/plans/{plan.pk}/").status_code == 200


# ── 5, 7, 12: one lecture for one planned lecture; a late lecture is the 补课; each org's schedule ──────
def test_one_lecture_does_not_give_two_planned_lectures(tree, people, users, client):
    s = schedule(tree, people, [(dt.date(2026, 6, 1), dt.date(2026, 6, 30)), (dt.date(2026, 6, 15), dt.date(2026, 7, 15))])
    give(tree, people, users, dt.date(2026, 6, 20))                             # in both windows: counts once
    (h,) = hits("LECT-02", dt.date(2026, 7, 16))
    assert "06月党课" in h.message and "（计划2026-06-01至2026-06-30）" not in h.message
    assert actions.make_up_counts([(people.secretary_a.pk, tree.a.pk)], dt.date(2026, 7, 16))[
        (people.secretary_a.pk, tree.a.pk)] == 1
    client.force_login(users.secretary_a)
    page = client.get(f"/study/schedules/{s.pk}/").content.decode()
    assert page.count("已讲</span>") == 1 and page.count("未按计划讲</span>") == 1


def test_a_lecture_given_after_the_window_is_the_make_up_and_clears_lect02(tree, people, users, client):
    s = schedule(tree, people, [(dt.date(2026, 3, 1), dt.date(2026, 3, 31))])
    assert len(hits("LECT-02", dt.date(2026, 4, 1))) == 1
    give(tree, people, users, dt.date(2026, 4, 10))                             # the 补课
    assert hits("LECT-02", dt.date(2026, 4, 11)) == []
    client.force_login(users.secretary_a)
    assert "已补讲" in client.get(f"/study/schedules/{s.pk}/").content.decode()
    # It was on the 补课 list all the same.
    assert actions.make_up_counts([(people.secretary_a.pk, tree.a.pk)], dt.date(2026, 4, 11))[
        (people.secretary_a.pk, tree.a.pk)] == 1


def test_a_missed_planned_lecture_becomes_a_make_up_task(tree, people, users, client):
    from dangjian.core.models import Finding
    from dangjian.duty.models import Task

    schedule(tree, people, [(dt.date(2026, 3, 1), dt.date(2026, 3, 31))])
    engine.run(org_ids=[tree.a.pk])
    f = Finding.objects.get(rule_id="LECT-02", state="open")
    client.force_login(users.committee_admin)
    assert 'value="task"' in client.get("/study/lectures/").content.decode()
    client.post("/study/lectures/", {"form": "task", "finding": f.pk, "deadline": "2099-01-01"})
    t = Task.objects.get()
    assert (t.owner_id, t.org_id, t.evidence_source, t.target) == (people.secretary_a.pk, tree.a.pk, "lecture_given",
                                                                   "补讲未按计划讲的党课")


def test_a_secretary_of_two_organisations_is_told_each_schedule_under_its_own_name(tree, people, users):
    from dangjian.orgs.models import Org

    committee_s = actions.do_create_schedule(org=tree.committee, person=people.secretary_a, year=2026)
    actions.do_add_planned_lecture(committee_s, topic="机关党委党课", start=dt.date(2026, 3, 1),
                                   end=dt.date(2026, 3, 31))
    schedule(tree, people, [(dt.date(2026, 5, 1), dt.date(2026, 5, 31))])
    # A lecture in branch A in April is not the committee's March lecture made up.
    give(tree, people, users, dt.date(2026, 4, 10))
    (h,) = hits("LECT-02", dt.date(2026, 6, 1))
    assert f"未按计划在{tree.committee.name}讲党课，需补课：“机关党委党课”" in h.message
    assert f"未按计划在{tree.a.name}讲党课，需补课：“05月党课”" in h.message
    assert Org.objects.filter(pk=h.org_id).exists()


# ── 6: the accountability task once for the same 补课 days ─────────────────────────────────────────
def test_a_completed_accountability_task_is_not_raised_again_for_the_same_days(tree, people, users, client):
    from dangjian.duty.actions import do_complete_task
    from dangjian.duty.models import Task

    schedule(tree, people, [(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), (dt.date(2026, 6, 1), dt.date(2026, 6, 30))])
    engine.run(org_ids=[tree.a.pk])
    t = actions.do_accountability_task(person=people.secretary_a, org=tree.a, deadline=dt.date(2099, 1, 1),
                                       acting_user=users.committee_admin)
    do_complete_task(t, done_on=TODAY, evidence="已约谈并提出问责意见", acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="不足2次"):
        actions.do_accountability_task(person=people.secretary_a, org=tree.a, deadline=dt.date(2099, 1, 1),
                                       acting_user=users.committee_admin)
    client.force_login(users.committee_admin)
    page = client.get("/study/lectures/").content.decode()
    assert "已有问责任务" in page and 'value="accountability"' not in page
    assert Task.objects.count() == 1


# ── 8: a class keeps the hours of participants nobody removed ─────────────────────────────────────
def test_saving_the_participants_does_not_drop_someone_who_moved_away(tree, people, users, client):
    from conftest import _person
    from dangjian.people.models import Person

    c = actions.do_create_class(org=tree.a, kind="reading", title="支部读书班", start=dt.date(2025, 6, 2),
                                end=dt.date(2025, 6, 2))
    actions.do_change_participants(c, add=[people.member_a])
    actions.do_set_completion(c, {people.member_a.pk})
    Person.objects.filter(pk=people.member_a.pk).update(org=tree.b)             # transferred to branch B since
    newcomer = _person(tree.a, "新学员")
    client.force_login(users.secretary_a)
    page = client.get(f"/study/classes/{c.pk}/").content.decode()
    assert "李红梅" in page and f'name="remove" value="{people.member_a.pk}"' in page
    client.post(f"/study/classes/{c.pk}/", {"form": "participants", "people": [newcomer.pk]})
    assert set(c.participants.values_list("person_id", flat=True)) == {people.member_a.pk, newcomer.pk}
    assert hours_of(people.member_a, 2025) == Decimal("8")
    client.post(f"/study/classes/{c.pk}/", {"form": "participants", "remove": [people.member_a.pk]})   # explicit
    assert hours_of(people.member_a, 2025) == Decimal("0")


# ── 9, 12: bounds ──────────────────────────────────────────────────────────────────────────────────
def test_a_class_computed_from_its_days_stays_within_200_hours(tree, users, client):
    with pytest.raises(ActionError, match="最长366天"):
        actions.do_create_class(org=tree.a, kind="reading", title="读书班", start=dt.date(2000, 1, 1),
                                end=dt.date(2100, 12, 31))
    with pytest.raises(ActionError, match="超过200学时"):
        actions.do_create_class(org=tree.a, kind="reading", title="读书班", start=dt.date(2025, 1, 1),
                                end=dt.date(2025, 1, 26))                    # 26 days × 8 = 208
    assert actions.do_create_class(org=tree.a, kind="reading", title="读书班", start=dt.date(2025, 1, 1),
                                   end=dt.date(2025, 1, 25)).hours == Decimal("200")
    client.force_login(users.secretary_a)
    r = client.post("/study/classes/", {"org": tree.a.pk, "kind": "reading", "title": "百年读书班",
                                        "start": "2000-01-01", "end": "2100-12-31"})
    assert r.status_code == 200 and "最长366天" in r.content.decode() and "百年读书班" in r.content.decode()
    for year in ("2000", "1", "99999999999999999999", "²"):
        assert client.get("/study/classes/", {"year": year}).status_code == 200


def test_odd_numbers_in_the_address_are_not_errors(tree, users, client):
    client.force_login(users.secretary_a)
    assert client.get("/study/", {"year": "²"}).status_code == 200
    assert client.get("/study/", {"org": "²"}).status_code == 404
    assert client.get("/api/study/", {"year": "²", "person": "²"}).status_code == 200


def test_only_a_partys_or_committees_study_center_credits_hours(tree, people, users):
    m = do_record_meeting(org=tree.a, type="study_center", date=dt.date(2025, 4, 8), topic="学习",
                          present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="不是党组（党委）或机关党委"):
        actions.do_credit_meeting(m, hours="4")


def test_zero_hours_in_any_spelling_stops_crediting(tree, people, users):
    m = center_session(tree, people, users)
    actions.do_credit_meeting(m, hours="4")
    assert actions.do_credit_meeting(m, hours="0.0") == 0
    assert not StudyRecord.objects.filter(meeting=m).exists()


def test_credited_records_are_changed_with_their_session_or_class_not_by_hand(tree, people, users, client):
    m = center_session(tree, people, users)
    actions.do_credit_meeting(m, hours="4")
    rec = StudyRecord.objects.get(meeting=m, person=people.member_a)
    with pytest.raises(ActionError, match="中心组学习"):
        actions.do_delete_study_record(rec, reason="手工删除")
    c = actions.do_create_class(org=tree.a, kind="reading", title="读书班", start=dt.date(2025, 6, 2),
                                end=dt.date(2025, 6, 2))
    actions.do_change_participants(c, add=[people.member_a])
    actions.do_set_completion(c, {people.member_a.pk})
    klass = StudyRecord.objects.get(training_class=c)
    client.force_login(users.secretary_a)
    r = client.post(f"/api/study/{klass.pk}/remove/", {"reason": "手工删除"}, content_type="application/json")
    assert r.status_code == 400 and "培训班" in r.json()["detail"]
    page = client.get(f"/study/people/{people.member_a.pk}/").content.decode()
    assert "培训班结业计入" in page
    client.post(f"/study/people/{people.member_a.pk}/", {"record": klass.pk, "reason": "手工删除"})
    assert StudyRecord.objects.filter(pk__in=[rec.pk, klass.pk]).count() == 2


def test_lecture_schedules_stay_within_their_year(tree, people):
    with pytest.raises(ActionError, match="年度"):
        actions.do_create_schedule(org=tree.a, person=people.secretary_a, year=1990)
    with pytest.raises(ActionError, match="年度"):
        actions.do_create_schedule(org=tree.a, person=people.secretary_a, year=TODAY.year + 2)
    s = actions.do_create_schedule(org=tree.a, person=people.secretary_a, year=2026)
    with pytest.raises(ActionError, match="2026年内"):
        actions.do_add_planned_lecture(s, topic="跨年党课", start=dt.date(2026, 12, 1), end=dt.date(2027, 1, 31))
