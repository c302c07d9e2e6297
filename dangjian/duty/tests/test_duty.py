"""履责 as the personas use it: a task of the 工作要点 past its deadline is DUTY-01 on its owner until it is
marked done with what was achieved; a leader's 基层党建联系点 needs a visit every half-year (DUTY-03) — a
logged visit, or attendance at a meeting the branch held; the secretary of sibling B gets 404."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.duty import actions
from dangjian.duty.models import Task
from dangjian.people.models import Person

pytestmark = pytest.mark.django_db
JSON = "application/json"


def hits(rule, as_of):
    ctx = engine.Context(as_of=as_of, settings=engine.effective_settings())
    return [(h.period, h.message) for _, h in engine.evaluate(ctx, [rule])]


def test_a_task_past_its_deadline(people, tree, users):
    t = actions.do_create_task(org=tree.a, title="全年召开党员大会不少于4次", owner=people.secretary_a,
                               deadline=dt.date(2025, 6, 30), acting_user=users.secretary_a)
    assert hits("DUTY-01", dt.date(2025, 6, 30)) == []
    ((_, msg),) = hits("DUTY-01", dt.date(2025, 7, 1))
    assert "王建国" in msg and "逾期1天" in msg
    with pytest.raises(ActionError, match="完成情况"):
        actions.do_complete_task(t, done_on=dt.date(2025, 7, 2), evidence=" ")
    actions.do_complete_task(t, done_on=dt.date(2025, 7, 2), evidence="召开党员大会4次")
    assert hits("DUTY-01", dt.date(2025, 7, 3)) == []


@pytest.fixture
def leader(people):
    Person.objects.filter(pk=people.secretary_b.pk).update(leading_cadre=True)
    return Person.objects.get(pk=people.secretary_b.pk)


def test_a_leader_visits_the_contact_point_each_half_year(leader, tree, people, users):
    point = actions.do_assign_contact_point(leader=leader, branch=tree.a, since=dt.date(2025, 1, 1))
    assert hits("DUTY-03", dt.date(2025, 6, 29)) == []                        # the half-year has not ended
    ((period, msg),) = hits("DUTY-03", dt.date(2025, 6, 30))
    assert period == "2025" and "2025年上半年" in msg
    actions.do_log_visit(point, date=dt.date(2025, 6, 30), kind="lecture", note="讲专题党课")
    assert hits("DUTY-03", dt.date(2025, 6, 30)) == []
    # The second half: present at a meeting of the branch counts, without typing it again.
    from dangjian.orglife.actions import do_record_meeting

    assert [p for p, _ in hits("DUTY-03", dt.date(2025, 12, 31))] == ["2025"]
    do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 11, 5), topic="党员大会",
                      present=[people.secretary_a, leader], acting_user=users.secretary_a)
    assert hits("DUTY-03", dt.date(2025, 12, 31)) == []


def test_only_a_leading_cadre_and_a_branch(people, tree):
    with pytest.raises(ActionError, match="党员领导干部"):
        actions.do_assign_contact_point(leader=people.member_a, branch=tree.a, since=dt.date(2025, 1, 1))


def test_the_pages_and_the_api(client_as, users, people, tree, leader):
    c = client_as(users.secretary_a)
    r = c.post(reverse("duty:task_list"), {"form": "task", "title": "", "org": tree.a.pk, "deadline": "2025-06-30",
                                           "target": "四次"})
    assert r.status_code == 200 and "四次" in r.content.decode()
    r = c.post(reverse("duty:task_list"), {"form": "task", "title": "召开党员大会", "org": tree.a.pk,
                                           "deadline": "2025-06-30", "target": "四次"})
    assert r.status_code == 302
    t = Task.objects.get()
    assert client_as(users.secretary_b).post(reverse("duty:task_list"), {
        "form": "done", "task": t.pk, "done_on": "2025-06-01", "evidence": "x"}).status_code == 404
    c = client_as(users.secretary_a)
    assert c.post(reverse("duty:task_list"), {"form": "done", "task": t.pk, "done_on": "2025-06-01",
                                              "evidence": "召开4次"}).status_code == 302
    api = client_as(users.committee_admin)      # (the 机关党委 assigns its leaders' contact points)
    p = api.post("/api/duty/contact-points/", {"leader": leader.pk, "branch": tree.a.pk, "since": "2025-01-01"},
                 content_type=JSON)
    assert p.status_code == 201
    v = api.post(f"/api/duty/contact-points/{p.json()['id']}/visit/", {"date": "2025-03-01", "kind": "research"},
                 content_type=JSON)
    assert v.status_code == 201
    assert "第一党支部" in client_as(users.secretary_a).get(reverse("duty:contactpoint_list")).content.decode()
    assert client_as(users.member_a).get(f"/api/duty/tasks/{t.pk}/").status_code == 404
