"""People over the API: the 公民身份号码 only masked (full only through the logged reveal-id), status
and 组织关系 through their actions, and a member's self-service limited to their contact details."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.people.actions import do_create_person
from dangjian.people.models import Person

MEMBER_A_ID = "110105198001010016"


@pytest.fixture
def api(client_as, users):
    return client_as(users.secretary_a)


def test_list_shows_masked_id_numbers_only(api, people):
    r = api.get(reverse("person-list"))
    rows = {row["name"]: row for row in r.json()["results"]}
    assert set(rows) == {"王建国", "李红梅"}
    assert rows["李红梅"]["id_number_masked"] == "1101**********0016"
    assert MEMBER_A_ID not in r.content.decode()
    for forbidden in ("id_number", "id_number_encrypted", "id_number_digest"):
        assert forbidden not in rows["李红梅"]


def test_person_list_is_a_constant_number_of_queries(api, tree, people, django_assert_max_num_queries):
    for i in range(20):
        do_create_person(name=f"党员{i}", org=tree.a, status="full", group=tree.a1, unit=tree.unit)
    # session, user, roles, the user's own branch (self-service scope), count, rows, the
    # session save (3), and the page's 个人信息访问记录 (one INSERT for all rows): none per row.
    with django_assert_max_num_queries(10):
        rows = api.get(reverse("person-list"), {"limit": 100}).json()["results"]
    assert len(rows) == 22 and {r["unit_name"] for r in rows} >= {"市交通运输局"}


def test_search_by_full_id_number_uses_the_blind_index(api, people):
    rows = api.get(reverse("person-list"), {"q": MEMBER_A_ID}).json()["results"]
    assert [r["name"] for r in rows] == ["李红梅"]


def test_register_a_person_with_an_id_number(api, tree, people):
    r = api.post(reverse("person-list"), {"name": "周新", "org": tree.a.pk, "status": "applicant",
                                           "id_number": "110105199001010010"}, content_type="application/json")
    assert r.status_code == 201, r.json()
    assert r.json()["id_number_masked"] == "1101**********0010"
    assert r.json()["birth_date"] == "1990-01-01"  # taken from the number
    assert "110105199001010010" not in r.content.decode()


def test_a_bad_id_number_is_refused_in_chinese_and_nothing_is_saved(api, tree, people):
    r = api.post(reverse("person-list"), {"name": "周新", "org": tree.a.pk, "status": "applicant",
                                           "id_number": "110105199001010012"}, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["field"] == "id_number" and "校验码" in r.json()["detail"]
    assert not Person.objects.filter(name="周新").exists()


def test_registering_into_another_branch_is_refused(api, tree, people):
    r = api.post(reverse("person-list"), {"name": "周新", "org": tree.b.pk, "status": "applicant"},
                 content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "org"


def test_edit_with_a_bad_id_number_keeps_the_other_fields(api, people):
    r = api.patch(reverse("person-detail", args=[people.member_a.pk]),
                  {"phone": "13800000000", "id_number": "110105198001010017"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "id_number"
    assert Person.objects.get(pk=people.member_a.pk).phone == ""


def test_correcting_an_id_number_is_logged_masked(api, people):
    r = api.patch(reverse("person-detail", args=[people.member_a.pk]), {"id_number": "110105198001010032"},
                  content_type="application/json")
    assert r.status_code == 200, r.json()
    assert Person.objects.get(pk=people.member_a.pk).id_number == "110105198001010032"
    event = AuditEvent.objects.filter(verb="person.id_number").latest("id")
    assert event.data["after"]["id_number"] == "1101**********0032"


def test_reveal_id_answers_the_full_number_and_logs_the_view(api, people, users):
    r = api.post(reverse("person-reveal-id", args=[people.member_a.pk]))
    assert r.status_code == 200 and r.json()["id_number"] == MEMBER_A_ID
    assert r["Cache-Control"] == "no-store"
    event = AuditEvent.objects.filter(verb="person.id_number.view").get()
    assert event.actor == users.secretary_a and event.person_id == people.member_a.pk
    assert MEMBER_A_ID not in str(event.data) + event.summary


def test_auditor_may_read_but_not_reveal(client_as, people, users):
    client = client_as(users.auditor)
    assert client.get(reverse("person-detail", args=[people.member_a.pk])).status_code == 200
    assert client.post(reverse("person-reveal-id", args=[people.member_a.pk])).status_code == 403
    assert not AuditEvent.objects.filter(verb="person.id_number.view").exists()


def test_status_change_through_the_action(api, people):
    r = api.post(reverse("person-status", args=[people.member_a.pk]),
                 {"status": "suspended", "on": "2026-03-01", "reason": "逾期未交纳党费"},
                 content_type="application/json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "suspended" and r.json()["status_since"] == "2026-03-01"
    r = api.post(reverse("person-status", args=[people.member_a.pk]), {"status": "applicant"},
                 content_type="application/json")
    assert r.status_code == 400 and "不能直接变为" in r.json()["detail"]


def test_status_cannot_be_set_by_a_plain_edit(api, people):
    r = api.patch(reverse("person-detail", args=[people.member_a.pk]), {"status": "removed"},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "full"


def test_member_self_service(client_as, people, users):
    client = client_as(users.member_a)
    url = reverse("person-detail", args=[people.member_a.pk])
    r = client.patch(url, {"phone": "13900000000"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["phone"] == "13900000000"
    r = client.patch(url, {"name": "李红"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = client.patch(url, {"id_number": "110105198001010032"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "id_number"
    assert client.post(reverse("person-status", args=[people.member_a.pk]),
                       {"status": "deceased"}, content_type="application/json").status_code == 403
    assert client.post(reverse("person-reveal-id", args=[people.member_a.pk])).status_code == 403


def test_move_needs_both_branches(client_as, api, tree, people, users):
    r = api.post(reverse("person-move", args=[people.member_a.pk]), {"org": tree.b.pk},
                 content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "org"
    r = client_as(users.committee_admin).post(reverse("person-move", args=[people.member_a.pk]),
                                              {"org": tree.b.pk, "on": "2026-02-01"},
                                              content_type="application/json")
    assert r.status_code == 200 and r.json()["org"] == tree.b.pk


def test_filters(api, tree, people):
    do_create_person(name="陈预备", org=tree.a, status="probationary", probationary_date=dt.date(2025, 7, 1))
    rows = api.get(reverse("person-list"), {"status": "probationary"}).json()["results"]
    assert [r["name"] for r in rows] == ["陈预备"]
    rows = api.get(reverse("person-list"), {"probationary_after": "2025-01-01", "ordering": "-name"}).json()
    assert [r["name"] for r in rows["results"]] == ["陈预备"]
