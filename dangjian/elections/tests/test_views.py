"""The election pages as the personas use them: A's secretary opens the 请示 and sees each step; the 机关党委
approves on the same page; B's secretary gets 404 on A's election and its counting screen; a refused count
keeps what was typed."""
import datetime as dt

import pytest

from dangjian.elections import actions
from dangjian.elections.models import Election

pytestmark = pytest.mark.django_db
D = dt.date


def test_the_procedure_on_its_pages(tree, people, users, client):
    from conftest import _person

    extra = [_person(tree.a, f"党员{i}") for i in range(3)]
    client.force_login(users.secretary_a)
    r = client.post("/elections/", {"org": tree.a.pk, "kind": "committee", "seats": 3, "request_date": "2025-03-01"})
    e = Election.objects.get()
    assert r.status_code == 302
    url = f"/elections/{e.pk}/"
    assert "等待" in client.get(url).content.decode()
    assert client.post(url, {"form": "approve", "on": "2025-03-10"}).status_code == 404     # not the upper level
    client.force_login(users.committee_admin)
    client.post(url, {"form": "approve", "on": "2025-03-10"})
    client.force_login(users.secretary_a)
    r = client.post(url, {"form": "candidates", "people": [people.secretary_a.pk, people.member_a.pk]}, follow=True)
    assert "候选人至少4名" in r.content.decode()
    client.post(url, {"form": "candidates", "people": [people.secretary_a.pk, people.member_a.pk] + [p.pk for p in extra]})
    client.force_login(users.committee_admin)
    client.post(url, {"form": "candidates_approved", "on": "2025-03-20"})
    client.force_login(users.secretary_a)
    count_url = f"/elections/{e.pk}/count/"
    data = {"date": "2025-04-01", "expected_voters": 50, "present_voters": 40, "ballots_issued": 40,
            "ballots_returned": 40, "invalid_ballots": 0, f"votes_{people.secretary_a.pk}": 35}
    r = client.post(count_url, data)
    page = r.content.decode()
    assert "未超过4/5" in page and '"present": "40"' in page and '"35"' in page     # refused, kept
    data.update(present_voters=45, ballots_issued=45, ballots_returned=45)
    assert client.post(count_url, data).status_code == 302
    e.refresh_from_db()
    assert e.present_voters == 45
    client.force_login(users.secretary_b)
    assert client.get(url).status_code == 404 and client.get(count_url).status_code == 404
    client.force_login(users.committee_admin)


def test_the_api_reads_elections_with_their_outcome(tree, people, users, client):
    e = actions.do_open_election(org=tree.a, seats=1, request_date=D(2025, 3, 1), acting_user=users.secretary_a)
    client.force_login(users.secretary_a)
    r = client.get(f"/api/elections/{e.pk}/")
    assert r.status_code == 200 and r.json()["seats"] == 1 and r.json()["elected"] == []
    client.force_login(users.secretary_b)
    assert client.get(f"/api/elections/{e.pk}/").status_code == 404
    assert client.get("/api/elections/").json()["results"] == []
