"""学习教育 (rules.md §6 EDU-01/EDU-02, §2 JG-06, §1a ORGLIFE-02): a year's study plan whose progress is read off
the records; a 理论学习中心组 session crediting 学时 to those present, exactly once and only while it stands; 读书班
and 轮训 whose completions are the members' hours (and a new secretary's 任职培训); the secretaries' lecture
schedules (LECT-02, the 补课 list) and, when it repeats, the level above's accountability task."""
import datetime as dt
from decimal import Decimal

import pytest

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.orglife.actions import do_delete_meeting, do_record_meeting, do_update_meeting
from dangjian.study import actions
from dangjian.study.models import StudyRecord
from dangjian.study.rules import _hours

from .clock import TODAY

pytestmark = pytest.mark.django_db


def hits(rule_id, as_of):
    ctx = engine.Context(as_of=as_of, settings=engine.effective_settings())
    return [h for _, h in engine.evaluate(ctx, [rule_id])]


def hours_of(person, year):
    ctx = engine.Context(as_of=dt.date(year, 12, 31), settings=engine.effective_settings())
    return _hours(ctx)[0].get((person.pk, year), Decimal("0"))


def center_session(tree, people, users, day=dt.date(2025, 4, 8), present=None):
    people_list = [people.secretary_a, people.member_a]
    return do_record_meeting(org=tree.committee, type="study_center", date=day, topic="学习贯彻党的二十届四中全会精神",
                             expected=people_list, present=people_list if present is None else present,
                             first_item_study=True, acting_user=users.committee_admin)


# ── 年度学习计划 ────────────────────────────────────────────────────────────────────────────────────
def test_plan_progress_is_read_off_a_meeting_and_a_class(tree, people, users):
    today = TODAY
    plan = actions.do_create_plan(org=tree.committee, year=today.year, acting_user=users.committee_admin)
    april = actions.do_add_plan_item(plan, form="study_center", topic="党的创新理论", month=4)
    q2 = actions.do_add_plan_item(plan, form="reading", topic="读原著学原文", quarter=2)
    later = actions.do_add_plan_item(plan, form="lecture", topic="专题党课", month=12)
    status = {r["item"].pk: r for r in actions.plan_progress(plan, today)}
    assert [status[i.pk]["status"] for i in (april, q2, later)] == ["overdue", "overdue", "upcoming"]

    m = center_session(tree, people, users, day=dt.date(today.year, 4, 8))
    c = actions.do_create_class(org=tree.committee, kind="reading", title="读书班", start=dt.date(today.year, 6, 2),
                                end=dt.date(today.year, 6, 3))
    status = {r["item"].pk: r for r in actions.plan_progress(plan, today)}
    assert (status[april.pk]["status"], status[april.pk]["record"], status[april.pk]["auto"]) == ("done", m, True)
    assert (status[q2.pk]["status"], status[q2.pk]["record"]) == ("done", c)

    # A second session in April: still done — only which of the two it is stays to be linked with a click.
    m2 = center_session(tree, people, users, day=dt.date(today.year, 4, 22))
    row = {r["item"].pk: r for r in actions.plan_progress(plan, today)}[april.pk]
    assert row["status"] == "done" and row["choices"] == [m, m2]
    actions.do_link_plan_item(april, m2)
    assert {r["item"].pk: r for r in actions.plan_progress(plan, today)}[april.pk]["record"] == m2
    with pytest.raises(ActionError, match="形式相符"):
        actions.do_link_plan_item(q2, m)


def test_upper_levels_see_which_orgs_have_no_plan(tree, people, users, client):
    year = TODAY.year
    actions.do_create_plan(org=tree.a, year=year)
    client.force_login(users.committee_admin)
    page = client.get("/study/plans/", {"year": year}).content.decode()
    assert "2/3 个党组织已制定" not in page and "1/3 个党组织已制定" in page
    assert "第二党支部" in page.split('id="coverage"')[1]
    r = client.post("/study/plans/", {"org": tree.a.pk, "year": year, "title": "重复的计划"})
    assert "已有" in r.content.decode() and 'value="重复的计划"' in r.content.decode()      # kept input


# ── 中心组学习计入学时 ───────────────────────────────────────────────────────────────────────────────
def test_credited_hours_count_once_and_go_with_the_meeting(tree, people, users):
    actions.do_record_study([people.member_a], date=dt.date(2025, 3, 1), hours="28", acting_user=users.secretary_a)
    m = center_session(tree, people, users)
    assert [h.subject.pk for h in hits("EDU-01", dt.date(2025, 12, 31))] == [people.member_a.pk]

    assert actions.do_credit_meeting(m, hours="4", acting_user=users.committee_admin) == 2
    assert hours_of(people.member_a, 2025) == Decimal("32")
    assert hits("EDU-01", dt.date(2025, 12, 31)) == []                          # 32 学时: enough
    actions.do_credit_meeting(m, hours="4")                                     # again: no double counting
    do_update_meeting(m, present=[people.secretary_a, people.member_a], minutes="研讨发言：……")
    assert hours_of(people.member_a, 2025) == Decimal("32")
    assert StudyRecord.objects.filter(meeting=m).count() == 2

    do_update_meeting(m, present=[people.secretary_a])                          # member_a was absent after all
    assert hours_of(people.member_a, 2025) == Decimal("28")
    do_update_meeting(m, present=[people.secretary_a, people.member_a])
    assert hours_of(people.member_a, 2025) == Decimal("32")

    do_update_meeting(m, state="cancelled")
    assert hours_of(people.member_a, 2025) == Decimal("28")
    assert [h.subject.pk for h in hits("EDU-01", dt.date(2025, 12, 31))] == [people.member_a.pk]
    do_update_meeting(m, state="held", present=[people.secretary_a, people.member_a])
    assert hours_of(people.member_a, 2025) == Decimal("32")
    do_delete_meeting(m, reason="重复录入")
    assert hours_of(people.member_a, 2025) == Decimal("28")
    assert not StudyRecord.objects.filter(title__startswith="理论学习中心组").exists()


def test_only_a_held_study_center_session_credits_hours(tree, people, users):
    lecture = do_record_meeting(org=tree.a, type="lecture", date=dt.date(2025, 4, 8), topic="党课",
                                present=[people.member_a], acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="中心组"):
        actions.do_credit_meeting(lecture, hours="4")


# ── 读书班、轮训、任职培训 ───────────────────────────────────────────────────────────────────────────
def test_a_class_gives_its_hours_to_those_who_complete_it(tree, people, users):
    c = actions.do_create_class(org=tree.committee, kind="rotation", title="党支部书记集中轮训",
                                start=dt.date(2025, 5, 12), end=dt.date(2025, 5, 15), acting_user=users.committee_admin)
    assert c.hours == Decimal("32")                                             # 4 full days × 8 学时
    half = actions.do_create_class(org=tree.a, kind="reading", title="读书班", start=dt.date(2025, 6, 1),
                                   end=dt.date(2025, 6, 1), hours="4")
    assert half.hours == Decimal("4")
    with pytest.raises(ActionError, match="管理范围"):
        actions.do_change_participants(half, add=[people.member_b])            # branch B is not under branch A
    actions.do_change_participants(c, add=[people.secretary_a, people.member_a, people.member_b])
    assert actions.do_set_completion(c, {people.member_a.pk, people.member_b.pk}) == 2
    assert hours_of(people.member_a, 2025) == Decimal("32")
    assert StudyRecord.objects.get(person=people.member_a).kind == "rotation"
    actions.do_set_completion(c, {people.member_a.pk, people.member_b.pk})     # saved again: once each
    assert hours_of(people.member_a, 2025) == Decimal("32")
    actions.do_change_participants(c, remove=[people.member_a])                # member_a removed
    assert hours_of(people.member_a, 2025) == Decimal("0")
    actions.do_delete_class(c, reason="录入错误")
    assert hours_of(people.member_b, 2025) == Decimal("0")


def test_an_induction_class_clears_the_new_secretary_finding(tree, people, users):
    # 王建国 became secretary of branch A on 2024-03-15: 任职培训 within six months (JG-06, EDU-02).
    actions.do_record_study([people.member_a], date=dt.date(2024, 9, 1), hours="8")
    assert any("任职培训" in h.message and h.subject.pk == people.secretary_a.pk
               for h in hits("EDU-02", dt.date(2024, 12, 31)))
    c = actions.do_create_class(org=tree.committee, kind="induction", title="新任党支部书记任职培训班",
                                start=dt.date(2024, 9, 14), end=dt.date(2024, 9, 15))     # ends on the last day
    actions.do_change_participants(c, add=[people.secretary_a])
    actions.do_set_completion(c, {people.secretary_a.pk})
    assert not any("任职培训" in h.message for h in hits("EDU-02", dt.date(2024, 12, 31)))


# ── 书记讲党课安排 (LECT-02) ──────────────────────────────────────────────────────────────────────
def schedule(tree, people, windows, users=None):
    s = actions.do_create_schedule(org=tree.a, person=people.secretary_a, year=2026)
    for start, end in windows:
        actions.do_add_planned_lecture(s, topic=f"{start:%m}月党课", start=start, end=end)
    return s


def give(tree, people, users, day):
    return do_record_meeting(org=tree.a, type="lecture", date=day, topic="讲党课", lecturer=people.secretary_a,
                             present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)


def test_lect02_a_lecture_on_the_last_day_counts_the_day_after_is_missed(tree, people, users):
    schedule(tree, people, [(dt.date(2026, 6, 1), dt.date(2026, 6, 30))])
    assert hits("LECT-02", dt.date(2026, 6, 30)) == []                         # not yet due
    (h,) = hits("LECT-02", dt.date(2026, 7, 1))                                 # the day after: missed
    assert h.subject.pk == people.secretary_a.pk and "06月党课" in h.message and h.period == "2026"
    give(tree, people, users, dt.date(2026, 6, 30))                             # on the last day: as planned
    assert hits("LECT-02", dt.date(2026, 7, 1)) == []


def test_a_lecture_elsewhere_or_by_someone_else_is_not_the_planned_one(tree, people, users):
    schedule(tree, people, [(dt.date(2026, 6, 1), dt.date(2026, 6, 30))])
    do_record_meeting(org=tree.a, type="lecture", date=dt.date(2026, 6, 10), topic="党课", lecturer=people.member_a,
                      present=[people.member_a], acting_user=users.secretary_a)
    assert len(hits("LECT-02", dt.date(2026, 7, 1))) == 1


def test_repeated_make_up_becomes_the_committees_accountability_task_once(tree, people, users, client):
    from dangjian.duty.models import Task

    schedule(tree, people, [(dt.date(2026, 3, 1), dt.date(2026, 3, 31))])
    with pytest.raises(ActionError, match="不足2次"):
        actions.do_accountability_task(person=people.secretary_a, org=tree.a, deadline=dt.date(2099, 1, 1),
                                       acting_user=users.committee_admin)
    actions.do_add_planned_lecture(tree.a.lecture_schedules.get(), topic="6月党课",
                                   start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))
    engine.run(org_ids=[tree.a.pk])
    with pytest.raises(ActionError, match="只有中共市交通运输局机关委员会"):
        actions.do_accountability_task(person=people.secretary_a, org=tree.a, deadline=dt.date(2099, 1, 1),
                                       acting_user=users.secretary_a)          # not the branch itself
    client.force_login(users.secretary_b)
    assert client.post("/study/lectures/", {"form": "accountability", "org": tree.a.pk,
                                            "person": people.secretary_a.pk, "deadline": "2099-01-01"}).status_code == 404
    client.force_login(users.committee_admin)
    page = client.get("/study/lectures/").content.decode()
    assert "一年内2次列入补课名单" in page and "未按计划" in page
    client.post("/study/lectures/", {"form": "accountability", "org": tree.a.pk, "person": people.secretary_a.pk,
                                     "deadline": "2099-01-01"})
    t = Task.objects.get()
    assert (t.org_id, t.owner_id, t.state) == (tree.committee.pk, people.secretary_a.pk, "open")
    assert "已有问责任务" in client.get("/study/lectures/").content.decode()
    with pytest.raises(ActionError, match="已有未完成的问责任务"):
        actions.do_accountability_task(person=people.secretary_a, org=tree.a, deadline=dt.date(2099, 1, 1),
                                       acting_user=users.committee_admin)
    from dangjian.core.models import AuditEvent
    assert AuditEvent.objects.filter(verb="duty.task").count() == 1


# ── screens: scope, empty states, query counts ───────────────────────────────────────────────────
def test_a_member_sees_only_their_own_records_and_no_admin_forms(tree, people, users, client):
    c = actions.do_create_class(org=tree.a, kind="reading", title="读书班", start=dt.date(2025, 6, 1),
                                end=dt.date(2025, 6, 2))
    actions.do_change_participants(c, add=[people.secretary_a, people.member_a])
    actions.do_set_completion(c, {people.secretary_a.pk, people.member_a.pk})
    client.force_login(users.member_a)
    ids = {r["person"] for r in client.get("/api/study/", {"limit": 100}).json()["results"]}
    assert ids == {people.member_a.pk}
    assert client.post(f"/study/classes/{c.pk}/", {"form": "delete", "reason": "x"}).status_code == 404
    client.force_login(users.secretary_b)
    assert client.get("/api/training-classes/").json()["results"] == []
    assert client.get(f"/study/classes/{c.pk}/").status_code == 404


def test_empty_pages_say_so(tree, people, users, client):
    client.force_login(users.secretary_a)
    assert "还没有学习计划" in client.get("/study/plans/").content.decode()
    assert "没有理论学习中心组学习的记录" in client.get("/study/center/").content.decode()
    assert "没有登记培训班" in client.get("/study/classes/").content.decode()
    assert "还没有书记讲党课安排" in client.get("/study/schedules/").content.decode()


@pytest.mark.parametrize("url", ["/study/plans/", "/study/center/", "/study/classes/", "/study/schedules/",
                                 "/study/lectures/"])
def test_list_pages_do_not_grow_with_the_rows(tree, people, users, client, django_assert_max_num_queries, url):
    from conftest import _person

    year = TODAY.year
    orgs = [tree.a, tree.b, tree.committee]
    for i, org in enumerate(orgs):
        actions.do_create_plan(org=org, year=year)
        p = _person(org if org.type == "branch" else tree.a, f"学员{i}")
        c = actions.do_create_class(org=org, kind="reading", title=f"读书班{i}", start=dt.date(year, 3, 1 + i),
                                    end=dt.date(year, 3, 1 + i))
        actions.do_change_participants(c, add=[p])
        s = actions.do_create_schedule(org=org if org.type == "branch" else tree.a, person=p, year=year)
        actions.do_add_planned_lecture(s, topic="党课", start=dt.date(year, 1, 1), end=dt.date(year, 1, 31))
        m = center_session(tree, people, users, day=dt.date(year, 2, 1 + i))
        actions.do_credit_meeting(m, hours="2")
    client.force_login(users.committee_admin)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
