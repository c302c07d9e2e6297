"""/api/me/ and role assignments: a user sees who they are and which roles (each covering an org's
subtree) they hold; role assignments of others only within their scope."""
from django.urls import reverse


def test_me_shows_person_and_roles(client_as, tree, people, users):
    r = client_as(users.secretary_a).get(reverse("me-list"))
    assert r.status_code == 200
    me = r.json()
    assert me["username"] == "secretary_a"
    assert me["person"] == {"id": people.secretary_a.pk, "name": "王建国", "org": tree.a.pk,
                            "org_name": "第一党支部", "status": "full", "status_display": "正式党员"}
    assert [(x["role"], x["org"]) for x in me["roles"]] == [("org_admin", tree.a.pk)]
    assert "id_number" not in str(me)


def test_me_without_a_person(client_as, users):
    me = client_as(users.wc_admin).get(reverse("me-list")).json()
    assert me["person"] is None and me["roles"][0]["role_display"] == "工委管理员"


def test_me_needs_a_login(client, db):
    assert client.get(reverse("me-list")).status_code in (401, 403)


def test_role_assignments_within_scope(client_as, tree, users):
    rows = client_as(users.committee_admin).get(reverse("roleassignment-list"), {"limit": 100}).json()["results"]
    assert {r["username"] for r in rows} == {"secretary_a", "member_a", "secretary_b", "committee_admin", "auditor"}
    rows = client_as(users.secretary_a).get(reverse("roleassignment-list")).json()["results"]
    assert {r["username"] for r in rows} == {"secretary_a", "member_a"}


def test_member_sees_only_own_role(client_as, users):
    rows = client_as(users.member_a).get(reverse("roleassignment-list")).json()["results"]
    assert [(r["username"], r["role"]) for r in rows] == [("member_a", "member")]


def test_role_assignments_are_read_only(client_as, tree, users):
    client = client_as(users.wc_admin)
    r = client.post(reverse("roleassignment-list"), {"user": users.member_a.pk, "role": "org_admin",
                                                     "org": tree.a.pk}, content_type="application/json")
    assert r.status_code == 405
