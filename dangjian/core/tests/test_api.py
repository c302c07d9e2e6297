"""预警 and 痕迹 over the API: findings within the scope, waived with a reason by an authorised role;
the audit trail readable by those with `view_audit` (a member: only about themself)."""
import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent, Finding, FindingState


@pytest.fixture
def findings(tree, people):
    def make(org, rule_id, person=None, severity="WARN"):
        return Finding.objects.create(rule_id=rule_id, severity=severity, subject_kind="person" if person else "org",
                                      subject_id=(person or org).pk, org=org, person=person,
                                      message=f"{rule_id} 测试", citation="《中国共产党支部工作条例（试行）》")

    class F:
        a_org = make(tree.a, "BR-01")
        a_member = make(tree.a, "DATA-01", person=people.member_a, severity="INFO")
        b_org = make(tree.b, "BR-01")
    return F


def test_findings_list_is_the_scope(client_as, users, findings):
    rows = client_as(users.secretary_a).get(reverse("finding-list")).json()["results"]
    assert {r["id"] for r in rows} == {findings.a_org.pk, findings.a_member.pk}
    rows = client_as(users.committee_admin).get(reverse("finding-list"), {"rule_id": "BR"}).json()["results"]
    assert {r["id"] for r in rows} == {findings.a_org.pk, findings.b_org.pk}


def test_member_sees_only_findings_about_themself(client_as, users, findings):
    rows = client_as(users.member_a).get(reverse("finding-list")).json()["results"]
    assert [r["id"] for r in rows] == [findings.a_member.pk]


def test_findings_list_is_a_constant_number_of_queries(client_as, tree, people, users, findings,
                                                       django_assert_max_num_queries):
    for i in range(20):
        Finding.objects.create(rule_id="DATA-02", severity="WARN", subject_kind="person", subject_id=1000 + i,
                               org=tree.a, person=people.secretary_a, message="x", citation="y")
    client = client_as(users.secretary_a)
    # session, user, roles, the user's own branch (self-service scope), count, rows, session save (3).
    with django_assert_max_num_queries(9):
        rows = client.get(reverse("finding-list"), {"limit": 100}).json()["results"]
    assert len(rows) == 22


def test_waive_needs_a_reason_and_is_recorded(client_as, users, findings):
    client = client_as(users.secretary_a)
    url = reverse("finding-waive", args=[findings.a_org.pk])
    r = client.post(url, {"reason": ""}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = client.post(url, {"reason": "经上级党委批准暂缓调整"}, content_type="application/json")
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "waived" and r.json()["waived_by"] == str(users.secretary_a)
    assert AuditEvent.objects.filter(verb="finding.waive", object_id=str(findings.a_org.pk)).exists()
    r = client.post(url, {"reason": "再次"}, content_type="application/json")
    assert r.status_code == 400 and "已豁免" in r.json()["detail"]
    r = client.post(reverse("finding-reopen", args=[findings.a_org.pk]), {"reason": "豁免依据失效"},
                    content_type="application/json")
    assert r.status_code == 200 and Finding.objects.get(pk=findings.a_org.pk).state == FindingState.OPEN


def test_member_and_auditor_may_not_waive(client_as, users, findings):
    url = reverse("finding-waive", args=[findings.a_member.pk])
    assert client_as(users.member_a).post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    assert client_as(users.auditor).post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    assert Finding.objects.get(pk=findings.a_member.pk).state == FindingState.OPEN


def test_audit_events_need_view_audit(client_as, tree, people, users):
    rows = client_as(users.auditor).get(reverse("auditevent-list"), {"limit": 500}).json()["results"]
    assert {r["verb"] for r in rows} >= {"person.create", "post.appoint"}
    assert all(r["org"] in (tree.committee.pk, tree.a.pk, tree.b.pk, tree.a1.pk) for r in rows)


def test_audit_event_list_is_a_constant_number_of_queries(client_as, tree, people, users,
                                                        django_assert_max_num_queries):
    client = client_as(users.committee_admin)
    # session, user, roles, count, rows, session save (3): actor, org and person are joined.
    with django_assert_max_num_queries(8):
        rows = client.get(reverse("auditevent-list"), {"limit": 500}).json()["results"]
    assert len(rows) >= 10 and all(r["org_name"] for r in rows)


def test_member_reads_only_the_events_about_themself(client_as, people, users):
    rows = client_as(users.member_a).get(reverse("auditevent-list")).json()["results"]
    assert rows and {r["person"] for r in rows} == {people.member_a.pk}


def test_audit_event_filters(client_as, tree, people, users):
    rows = client_as(users.secretary_a).get(reverse("auditevent-list"),
                                            {"verb": "post.", "ordering": "created"}).json()["results"]
    assert [r["verb"] for r in rows] == ["post.appoint"]
    assert rows[0]["person_name"] == "王建国"


def test_an_action_with_a_format_suffix_is_not_a_server_error(client_as, tree, users):
    """Found by the outsider crawl: the router's `.json` twins of the custom actions passed `format=` to
    actions that take only `pk` (`/api/orgs/<pk>/dissolve.json` → TypeError, a 500). The suffix routes are not
    served (the format is chosen by the Accept header or `?format=json`); the action itself still works."""
    from django.test import Client

    c = Client(raise_request_exception=False)
    c.force_login(users.secretary_a)
    r = c.post(f"/api/orgs/{tree.a1.pk}/dissolve.json", {"date": "2025-06-30"})
    assert r.status_code == 404, r.status_code
    assert c.get(f"/api/orgs/{tree.a.pk}/?format=json").status_code == 200
