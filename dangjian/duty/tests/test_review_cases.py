"""Cases a review found: two overdue tasks of one owner are one finding naming both; a leader with two
contact points is one finding per period, kept in one place whatever run finds it; a half-year the
contact did not cover whole is not judged; a bad id answers 404, not an error."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.duty import actions
from dangjian.people.models import Person

from .test_duty import hits

pytestmark = pytest.mark.django_db


def test_two_overdue_tasks_of_one_owner(people, tree):
    for title in ("召开党员大会", "讲专题党课"):
        actions.do_create_task(org=tree.a, title=title, owner=people.secretary_a, deadline=dt.date(2025, 6, 30))
    ((_, msg),) = hits("DUTY-01", dt.date(2025, 7, 5))
    assert "召开党员大会" in msg and "讲专题党课" in msg


def test_a_leader_with_two_contact_points(people, tree):
    Person.objects.filter(pk=people.secretary_b.pk).update(leading_cadre=True)
    leader = Person.objects.get(pk=people.secretary_b.pk)
    actions.do_assign_contact_point(leader=leader, branch=tree.a, since=dt.date(2025, 1, 1))
    actions.do_assign_contact_point(leader=leader, branch=tree.b, since=dt.date(2025, 1, 1))
    ((_, msg),) = hits("DUTY-03", dt.date(2025, 7, 1))
    assert "第一党支部" in msg and "第二党支部" in msg
    engine.run(as_of=dt.date(2025, 7, 1))
    f = Finding.objects.get(rule_id="DUTY-03", state=FindingState.OPEN)
    engine.run(as_of=dt.date(2025, 7, 1), org_ids=[tree.b.pk])
    engine.run(as_of=dt.date(2025, 7, 1), org_ids=[tree.a.pk])
    assert Finding.objects.get(rule_id="DUTY-03", state=FindingState.OPEN).org_id == f.org_id


def test_a_half_year_not_covered_whole_is_not_judged(people, tree):
    Person.objects.filter(pk=people.secretary_b.pk).update(leading_cadre=True)
    leader = Person.objects.get(pk=people.secretary_b.pk)
    actions.do_assign_contact_point(leader=leader, branch=tree.a, since=dt.date(2025, 6, 30))
    assert hits("DUTY-03", dt.date(2025, 7, 1)) == []
    assert [p for p, _ in hits("DUTY-03", dt.date(2025, 12, 31))] == ["2025"]


def test_a_bad_id_is_404(client_as, users):
    c = client_as(users.secretary_a)
    assert c.post(reverse("duty:task_list"), {"form": "done", "task": "abc"}).status_code == 404
    assert c.post(reverse("duty:contactpoint_list"), {"form": "visit", "point": "abc"}).status_code == 404
