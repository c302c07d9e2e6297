"""履责 tasks evidenced the way responsibility items are: a task of the 工作要点 names the kind of record that
evidences it (佐证来源); the records that already exist — a lecture its owner gave, a meeting its org held —
are offered as candidates (1 January of the task's year up to its deadline) and only confirmed, by the
owner or an administrator of the task's org, checked against the candidates recomputed on the server.
Confirming does not complete the task: completion stays its own step, prefilled from the evidence, and a
task whose 佐证来源 is not manual cannot be completed before it has evidence. The secretary of sibling B
gets 404 on A's tasks, on the page and over the API; the tasks page costs the same number of queries
however many tasks it shows."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.duty import actions
from dangjian.duty.evidence import candidates, task_candidates
from dangjian.duty.models import Evidence, Task
from dangjian.orglife.actions import do_record_meeting, do_record_talk

pytestmark = pytest.mark.django_db
JSON = "application/json"
D = dt.date
URL = "/duty/"
SOURCES = ["lecture_given", "meeting_held", "meeting_attended", "talk", "contact_visit", "study", "rectification_closed",
           "manual"]


def lecture(org, lecturer, day, users, by=None):
    return do_record_meeting(org=org, type="lecture", date=day, topic="学习贯彻党的二十届三中全会精神",
                             lecturer=lecturer, present=[lecturer], acting_user=by or users.secretary_a)


def lecture_task(tree, owner, users, **kw):
    kw = {"title": "书记带头讲党课", "deadline": D(2025, 6, 30), "target": "上半年至少讲一次党课",
          "evidence_source": "lecture_given", **kw}
    return actions.do_create_task(org=tree.a, owner=owner, acting_user=users.secretary_a, **kw)


@pytest.fixture
def task(tree, people, users):
    return lecture_task(tree, people.secretary_a, users)


def test_tasks_default_to_manual_and_the_source_is_checked(tree, people, users):
    t = actions.do_create_task(org=tree.a, title="完善支部工作台账", deadline=D(2025, 6, 30))
    assert t.evidence_source == "manual" and t.meeting_type == "" and not t.needs_evidence
    assert task_candidates(t) == []
    with pytest.raises(ActionError, match="请选择佐证来源") as e:
        actions.do_create_task(org=tree.a, title="x", deadline=D(2025, 6, 30), evidence_source="nope")
    assert e.value.field == "evidence_source"
    with pytest.raises(ActionError, match="才能限定会议类型") as e:
        actions.do_create_task(org=tree.a, title="x", deadline=D(2025, 6, 30), owner=people.secretary_a,
                               evidence_source="lecture_given", meeting_type="lecture")
    assert e.value.field == "meeting_type"
    # "本人…" is the owner's own records: a task without an owner cannot use one; "本组织…" needs none.
    with pytest.raises(ActionError, match="请选择责任人") as e:
        actions.do_create_task(org=tree.a, title="x", deadline=D(2025, 6, 30), evidence_source="talk")
    assert e.value.field == "owner"
    held = actions.do_create_task(org=tree.a, title="每季度召开党员大会", deadline=D(2025, 6, 30),
                                  evidence_source="meeting_held", meeting_type="member_assembly",
                                  acting_user=users.secretary_a)
    assembly = do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 3, 5), topic="一季度党员大会",
                                 present=[people.secretary_a], acting_user=users.secretary_a)
    do_record_meeting(org=tree.a, type="committee", date=D(2025, 3, 6), topic="支委会", present=[people.secretary_a],
                      acting_user=users.secretary_a)
    do_record_meeting(org=tree.b, type="member_assembly", date=D(2025, 3, 7), topic="B的党员大会",
                      present=[people.secretary_b], acting_user=users.secretary_b)
    assert [c.ref_id for c in task_candidates(held)] == [assembly.pk]      # (A's 党员大会 only)
    assert AuditEvent.objects.filter(verb="duty.task", object_id=str(held.pk), summary__contains="佐证来源").exists()


def test_a_lecture_the_owner_gave_is_a_candidate_and_is_confirmed(task, tree, people, users):
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    lecture(tree.a, people.secretary_a, D(2024, 12, 20), users)        # before the task's year
    lecture(tree.a, people.secretary_a, D(2025, 7, 10), users)         # after its deadline
    lecture(tree.a, people.member_a, D(2025, 5, 12), users)            # someone else's
    (c,) = task_candidates(task)
    assert (c.source, c.ref_id, c.date) == ("orglife.meeting", given.pk, D(2025, 5, 10)) and "本人授课" in c.text
    e = actions.do_confirm_task_evidence(task, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_a)
    assert (e.task_id, e.item_id, e.date, e.confirmed_by) == (task.pk, None, D(2025, 5, 10), users.secretary_a)
    assert task_candidates(task) == []
    ev = AuditEvent.objects.get(verb="duty.task_evidence")
    assert ev.org_id == tree.a.pk and ev.person_id == people.secretary_a.pk and "书记带头讲党课" in ev.summary
    # Confirming is not completing: the task stays open until its owner says the target is met.
    task.refresh_from_db()
    assert task.state == "open" and task.done_on is None
    with pytest.raises(ActionError, match="不是此任务的佐证候选"):
        actions.do_confirm_task_evidence(task, source="orglife.meeting", ref_id=given.pk)    # (never twice)


def test_the_owner_confirms_their_own_and_nobody_else_does(tree, people, users):
    """The owner (here an ordinary member) or an administrator of the task's org — not the outsider, not
    an account without a person (which is nobody's owner, not even of a task without one)."""
    t = lecture_task(tree, people.member_a, users, title="党员讲微党课")
    given = lecture(tree.a, people.member_a, D(2025, 4, 1), users)
    with pytest.raises(ActionError, match="责任人本人或责任党组织的管理员"):
        actions.do_confirm_task_evidence(t, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_b)
    with pytest.raises(ActionError, match="责任人本人或责任党组织的管理员"):
        actions.do_confirm_task_evidence(t, source="orglife.meeting", ref_id=given.pk, acting_user=users.auditor)
    actions.do_confirm_task_evidence(t, source="orglife.meeting", ref_id=given.pk, acting_user=users.member_a)
    ownerless = actions.do_create_task(org=tree.a, title="召开党员大会", deadline=D(2025, 6, 30))
    assert not actions.may_act_on_task(users.auditor, ownerless)
    assert actions.may_act_on_task(users.committee_admin, ownerless)
    assert not actions.may_act_on_task(users.member_a, ownerless)
    with pytest.raises(ActionError, match="登记完成情况"):
        actions.do_complete_task(ownerless, done_on=D(2025, 6, 1), evidence="召开", acting_user=users.auditor)


def test_a_forged_ref_id_is_refused(task, tree, people, users, client_as):
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    other = lecture(tree.a, people.member_a, D(2025, 5, 12), users)
    talk = do_record_talk(a=people.secretary_a, b=people.member_a, date=D(2025, 3, 1), acting_user=users.secretary_a)
    for source, ref_id in (("orglife.meeting", other.pk),          # a lecture, but not the owner's
                           ("orglife.meeting", given.pk + 999),    # no such record
                           ("orglife.talk", talk.pk),              # a record of another kind than the task's
                           ("orglife.talk", given.pk)):            # the right id under another label
        with pytest.raises(ActionError, match="不是此任务的佐证候选") as e:
            actions.do_confirm_task_evidence(task, source=source, ref_id=ref_id, acting_user=users.secretary_a)
        assert e.value.field == "ref_id"
    c = client_as(users.secretary_a)
    r = c.post(URL, {"form": "confirm", "task": task.pk, "source": "orglife.meeting", "ref_id": other.pk}, follow=True)
    assert r.status_code == 200 and "不是此任务的佐证候选" in r.content.decode()
    r = c.post(f"/api/duty/tasks/{task.pk}/confirm/", {"source": "orglife.meeting", "ref_id": other.pk},
               content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "ref_id"
    assert not Evidence.objects.exists()


def test_the_secretary_of_b_gets_404(task, tree, people, users, client_as):
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    out = client_as(users.secretary_b)
    confirm = {"source": "orglife.meeting", "ref_id": given.pk}
    assert out.post(URL, {"form": "confirm", "task": task.pk, **confirm}).status_code == 404
    assert out.post(URL, {"form": "manual", "task": task.pk, "date": "2025-05-01", "text": "x"}).status_code == 404
    assert out.post(URL, {"form": "done", "task": task.pk, "done_on": "2025-05-01", "evidence": "x"}).status_code == 404
    assert out.get(f"/api/duty/tasks/{task.pk}/").status_code == 404
    assert out.post(f"/api/duty/tasks/{task.pk}/confirm/", confirm, content_type=JSON).status_code == 404
    assert out.post(f"/api/duty/tasks/{task.pk}/evidence/", {"date": "2025-05-01", "text": "x"},
                    content_type=JSON).status_code == 404
    e = actions.do_confirm_task_evidence(task, acting_user=users.secretary_a, **confirm)
    assert out.post(URL, {"form": "remove", "evidence": e.pk, "reason": "x"}).status_code == 404
    assert out.post(f"/api/duty/tasks/{task.pk}/unconfirm/", {"evidence": e.pk, "reason": "x"},
                    content_type=JSON).status_code == 404
    assert f'id="task-{task.pk}"' not in out.get(URL).content.decode()
    assert Evidence.objects.count() == 1


def test_completion_needs_evidence_unless_manual(task, tree, people, users):
    with pytest.raises(ActionError, match="请先确认佐证"):
        actions.do_complete_task(task, done_on=D(2025, 6, 1), evidence="讲专题党课一次", acting_user=users.secretary_a)
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    actions.do_confirm_task_evidence(task, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_a)
    done = actions.do_complete_task(task, done_on=D(2025, 5, 10), evidence="讲专题党课一次", acting_user=users.secretary_a)
    assert done.state == "done" and done.done_on == D(2025, 5, 10)
    # Done: its evidence is what it was completed with.
    with pytest.raises(ActionError, match="已完成"):
        actions.do_add_task_evidence(task, date=D(2025, 6, 1), text="x", acting_user=users.secretary_a)
    # Where no record exists, a manual note is the way through (audited, shown as 手工佐证).
    t = lecture_task(tree, people.secretary_a, users, title="到联系点讲党课")
    with pytest.raises(ActionError, match="佐证情况"):
        actions.do_add_task_evidence(t, date=D(2025, 6, 1), text=" ", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="2025年1月1日之后") as e:
        actions.do_add_task_evidence(t, date=D(2024, 12, 31), text="讲党课", acting_user=users.secretary_a)
    assert e.value.field == "date"
    note = actions.do_add_task_evidence(t, date=D(2025, 6, 1), text="在局机关讲党课（记录在机关党委）",
                                        acting_user=users.secretary_a)
    assert note.is_manual and note.ref_id is None and note.task_id == t.pk
    actions.do_complete_task(t, done_on=D(2025, 6, 1), evidence="讲党课一次")
    # A manual task completes with its text alone, as every task did before.
    m = actions.do_create_task(org=tree.a, title="完善台账", deadline=D(2025, 6, 30))
    actions.do_complete_task(m, done_on=D(2025, 6, 1), evidence="台账已完善")


def test_withdrawing_evidence_of_an_open_task(task, tree, people, users):
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    e = actions.do_confirm_task_evidence(task, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="理由"):
        actions.do_remove_evidence(e, reason=" ", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="责任人本人或责任党组织的管理员"):
        actions.do_remove_evidence(e, reason="误确认", acting_user=users.secretary_b)
    actions.do_remove_evidence(e, reason="误确认", acting_user=users.secretary_a)
    assert [c.ref_id for c in task_candidates(task)] == [given.pk] and not Evidence.objects.exists()
    assert AuditEvent.objects.filter(verb="duty.task_evidence_remove", summary__contains="误确认").exists()


def test_evidence_changes_are_scheduled_for_the_tasks_org(task, tree, people, users, monkeypatch):
    from dangjian.core import engine

    scheduled = []
    monkeypatch.setattr(engine, "schedule", lambda ids, changed=None: scheduled.append((set(ids), changed)))
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    scheduled.clear()
    actions.do_confirm_task_evidence(task, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_a)
    assert scheduled == [({tree.a.pk}, actions.TASK_EVIDENCE)]
    # (no rule reads a task's evidence: DUTY-01 reads the task's state and deadline only)
    assert "DUTY-01" not in engine.affected_rules(actions.TASK_EVIDENCE)
    actions.do_complete_task(task, done_on=D(2025, 5, 10), evidence="讲党课", acting_user=users.secretary_a)
    assert "DUTY-01" in engine.affected_rules(scheduled[-1][1])


def test_items_still_find_their_own(tree, people, users):
    """(The finders are shared: a task's confirmed record stays a candidate of a responsibility item.)"""
    from .test_responsibility import make_template

    t = make_template(tree, users, items=[dict(text="讲党课", evidence_source="lecture_given")])
    (lst,) = actions.do_instantiate(t, org=tree.a, people=[people.secretary_a], acting_user=users.secretary_a)
    task = lecture_task(tree, people.secretary_a, users)
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    actions.do_confirm_task_evidence(task, source="orglife.meeting", ref_id=given.pk, acting_user=users.secretary_a)
    assert [c.ref_id for c in candidates(lst.items.get())] == [given.pk]


# --- the page -------------------------------------------------------------------------------------------------
def test_the_tasks_page(task, client_as, tree, people, users):
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    c = client_as(users.secretary_a)
    page = c.get(URL).content.decode()
    assert "佐证来源：本人讲党课" in page and "本人授课" in page and 'value="confirm"' in page
    assert "请先确认佐证，再登记完成" in page
    # Completing before confirming is refused, with what was typed kept.
    r = c.post(URL, {"form": "done", "task": task.pk, "done_on": "2025-06-01", "evidence": "讲专题党课一次"})
    assert r.status_code == 200 and "请先确认佐证" in r.content.decode() and "讲专题党课一次" in r.content.decode()
    r = c.post(URL, {"form": "confirm", "task": task.pk, "source": "orglife.meeting", "ref_id": given.pk})
    assert r.status_code == 302 and r["Location"].endswith(f"#task-{task.pk}")
    assert Evidence.objects.get().task_id == task.pk and Task.objects.get(pk=task.pk).state == "open"
    # The completion form starts from the confirmed evidence: its text and its day.
    page = c.get(URL).content.decode()
    assert "佐证：2025-05-10 第一党支部党课" in page and 'value="2025-05-10"' in page
    assert "请先确认佐证，再登记完成" not in page
    # A refused manual note keeps what was typed.
    r = c.post(URL, {"form": "manual", "task": task.pk, "date": "2024-05-01", "text": "在局机关讲党课"})
    assert r.status_code == 200 and "在局机关讲党课" in r.content.decode() and "2025年1月1日之后" in r.content.decode()
    assert c.post(URL, {"form": "done", "task": task.pk, "done_on": "2025-05-10",
                        "evidence": "讲专题党课一次"}).status_code == 302
    assert Task.objects.get(pk=task.pk).state == "done"
    # The member sees nothing of the secretary's task; an account that only reads may not complete one.
    assert f'id="task-{task.pk}"' not in client_as(users.member_a).get(URL).content.decode()
    ownerless = actions.do_create_task(org=tree.a, title="召开党员大会", deadline=D(2025, 6, 30))
    assert client_as(users.auditor).post(URL, {"form": "done", "task": ownerless.pk, "done_on": "2025-06-01",
                                               "evidence": "x"}).status_code == 404


def test_the_create_form_takes_the_evidence_source(client_as, tree, people, users):
    c = client_as(users.secretary_a)
    page = c.get(URL).content.decode()
    assert "佐证来源" in page and "会议类型" in page
    r = c.post(URL, {"form": "task", "title": "每季度召开党员大会", "org": tree.a.pk, "deadline": "2025-12-31",
                     "evidence_source": "talk", "meeting_type": "member_assembly"})
    assert r.status_code == 200 and "才能限定会议类型" in r.content.decode() and "每季度召开党员大会" in r.content.decode()
    r = c.post(URL, {"form": "task", "title": "每季度召开党员大会", "org": tree.a.pk, "deadline": "2025-12-31",
                     "evidence_source": "meeting_held", "meeting_type": "member_assembly"})
    assert r.status_code == 302
    t = Task.objects.get()
    assert (t.evidence_source, t.meeting_type) == ("meeting_held", "member_assembly")


def test_the_tasks_page_is_a_fixed_number_of_queries(client_as, tree, people, users, django_assert_max_num_queries):
    from dangjian.people.models import Person
    from dangjian.study.actions import do_record_study

    Person.objects.filter(pk=people.secretary_a.pk).update(leading_cadre=True)
    owner = Person.objects.get(pk=people.secretary_a.pk)
    point = actions.do_assign_contact_point(leader=owner, branch=tree.b, since=D(2025, 1, 1))
    for day in (D(2025, 3, 1), D(2025, 4, 1)):
        lecture(tree.a, owner, day, users)
        do_record_talk(a=owner, b=people.member_a, date=day, acting_user=users.secretary_a)
        do_record_study([owner], date=day, hours="4")
        actions.do_log_visit(point, date=day, kind="research")

    def page_queries(n_per_source):
        tasks = [actions.do_create_task(org=tree.a, owner=owner, title=f"{s}{k}", deadline=D(2025, 12, 31),
                                        evidence_source=s, acting_user=users.secretary_a)
                 for s in SOURCES for k in range(n_per_source)]
        for t in tasks:           # (one confirmed, one still waiting, where there are records)
            first = next(iter(task_candidates(t)), None)
            if first:
                actions.do_confirm_task_evidence(t, source=first.source, ref_id=first.ref_id)
        c = client_as(users.secretary_a)
        c.get(URL)      # (warm the session)
        with CaptureQueriesContext(connection) as q:
            page = c.get(URL)
        assert page.status_code == 200 and page.content.decode().count('value="confirm"') >= 5 * n_per_source
        Task.objects.filter(pk__in=[t.pk for t in tasks]).delete()
        return len(q)

    assert page_queries(1) == page_queries(5)
    for s in SOURCES:
        actions.do_create_task(org=tree.a, owner=owner, title=s, deadline=D(2025, 12, 31), evidence_source=s)
    c = client_as(users.secretary_a)
    c.get(URL)
    with django_assert_max_num_queries(25):
        c.get(URL)


# --- the API --------------------------------------------------------------------------------------------------
def test_the_api_round_trip(client_as, tree, people, users):
    api = client_as(users.secretary_a)
    r = api.post("/api/duty/tasks/", {"org": tree.a.pk, "title": "书记带头讲党课", "owner": people.secretary_a.pk,
                                      "deadline": "2025-06-30", "evidence_source": "lecture_given"}, content_type=JSON)
    assert r.status_code == 201, r.content
    tid = r.json()["id"]
    assert r.json()["evidence_source"] == "lecture_given"
    bad = api.post("/api/duty/tasks/", {"org": tree.a.pk, "title": "x", "deadline": "2025-06-30",
                                        "evidence_source": "study"}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["field"] == "owner"
    given = lecture(tree.a, people.secretary_a, D(2025, 5, 10), users)
    detail = api.get(f"/api/duty/tasks/{tid}/").json()
    assert detail["evidence_records"] == [] and [c["ref_id"] for c in detail["candidates"]] == [given.pk]
    r = api.post(f"/api/duty/tasks/{tid}/complete/", {"done_on": "2025-05-10", "evidence": "讲党课一次"},
                 content_type=JSON)
    assert r.status_code == 400 and "请先确认佐证" in r.json()["detail"]
    r = api.post(f"/api/duty/tasks/{tid}/confirm/", {"source": "orglife.meeting", "ref_id": given.pk},
                 content_type=JSON)
    assert r.status_code == 200 and r.json()["candidates"] == [] and r.json()["state"] == "open"
    (ev,) = r.json()["evidence_records"]
    assert ev["ref_id"] == given.pk and ev["date"] == "2025-05-10"
    r = api.post(f"/api/duty/tasks/{tid}/unconfirm/", {"evidence": ev["id"], "reason": "误确认"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["evidence_records"] == [] and len(r.json()["candidates"]) == 1
    r = api.post(f"/api/duty/tasks/{tid}/evidence/", {"date": "2025-05-20", "text": "在局机关讲党课"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["evidence_records"][0]["source"] == "manual"
    # The auditor reads the task but may not act on it.
    assert client_as(users.auditor).post(f"/api/duty/tasks/{tid}/confirm/", {
        "source": "orglife.meeting", "ref_id": given.pk}, content_type=JSON).status_code == 403
    api = client_as(users.secretary_a)
    r = api.post(f"/api/duty/tasks/{tid}/complete/", {"done_on": "2025-05-20", "evidence": "讲党课一次"},
                 content_type=JSON)
    assert r.status_code == 200 and r.json()["state"] == "done"
    detail = api.get(f"/api/duty/tasks/{tid}/").json()
    assert detail["candidates"] == [] and len(detail["evidence_records"]) == 1 and detail["evidence"] == "讲党课一次"
