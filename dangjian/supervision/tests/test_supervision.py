"""督责 as the personas live it: the 机关党委 (committee_admin) organises a 集中督查 with a random sample
drawn from a logged seed (the same seed redraws the same sample), records a problem in branch A; A's
secretary adds the evidence and requests 销号; only the issuing level approves it (A's secretary cannot,
nor B's); the history shows every step with who and when; the secretary of sibling B gets 404."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.supervision import actions
from dangjian.supervision.models import Rectification

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_the_random_sample_is_reproducible_from_its_seed(tree, users):
    plan = actions.do_create_plan(issuing_org=tree.committee, scope=tree.committee, kind="random", title="随机督查",
                                  start=dt.date(2025, 5, 1), sample_size=1, acting_user=users.committee_admin)
    assert plan.seed and plan.sampled.count() == 1
    assert [o.pk for o in plan.sampled.all()] == actions.draw_sample([tree.b.pk, tree.a.pk], plan.seed, 1)
    assert actions.draw_sample(list(range(100)), "a1b2", 5) == actions.draw_sample(list(reversed(range(100))), "a1b2", 5)
    assert actions.draw_sample(list(range(100)), "a1b2", 5) != actions.draw_sample(list(range(100)), "c3d4", 5)
    audit = AuditEvent.objects.get(verb="supervision.plan")
    assert plan.seed in audit.summary
    with pytest.raises(ActionError, match="数量"):
        actions.do_create_plan(issuing_org=tree.committee, scope=tree.committee, kind="random", title="x",
                               start=dt.date(2025, 5, 1), acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="管理员"):
        actions.do_create_plan(issuing_org=tree.committee, scope=tree.a, kind="concentrated", title="x",
                               start=dt.date(2025, 5, 1), acting_user=users.secretary_a)


def _problem(tree, users):
    plan = actions.do_create_plan(issuing_org=tree.committee, scope=tree.committee, kind="concentrated",
                                  title="2025年集中督查", start=dt.date(2025, 5, 1), acting_user=users.committee_admin)
    return actions.do_record_problem(plan=plan, org=tree.a, problem="党员大会记录缺少表决情况", category="org_life",
                                     found=dt.date(2025, 5, 10), deadline=dt.date(2025, 6, 30),
                                     acting_user=users.committee_admin)


def test_only_the_issuing_level_approves_the_closure(tree, users):
    r = _problem(tree, users)
    with pytest.raises(ActionError, match="先提交整改成效"):
        actions.do_request_closure(r, acting_user=users.secretary_a)
    actions.do_add_evidence(r, evidence="补记表决情况，建立会议记录审核制度", acting_user=users.secretary_a)
    actions.do_request_closure(r, acting_user=users.secretary_a)
    for who in (users.secretary_a, users.secretary_b):
        with pytest.raises(ActionError, match="审核"):
            actions.do_approve_closure(r, acting_user=who)
    actions.do_approve_closure(r, on=dt.date(2025, 6, 20), acting_user=users.committee_admin)
    r.refresh_from_db()
    assert (r.state, r.closed, r.approved) == ("closed", dt.date(2025, 6, 20), True)
    actions.do_recheck(r, on=dt.date(2025, 9, 1), held=False, note="记录又不完整", acting_user=users.committee_admin)
    r.refresh_from_db()
    assert r.state == "open" and r.closed is None


def test_the_pages_and_the_history(client_as, users, tree):
    r = _problem(tree, users)
    url = reverse("supervision:rectification_detail", kwargs={"pk": r.pk})
    assert client_as(users.secretary_b).get(url).status_code == 404
    sec = client_as(users.secretary_a)
    assert "审核销号" not in sec.get(url).content.decode()
    assert sec.post(url, {"form": "evidence", "evidence": "", "and_request": "1"}).status_code == 200
    assert sec.post(url, {"form": "evidence", "evidence": "补记表决情况", "and_request": "1"}).status_code == 302
    assert sec.post(url, {"form": "approve"}).status_code == 404
    admin = client_as(users.committee_admin)
    page = admin.get(url).content.decode()
    assert "同意销号" in page
    assert admin.post(url, {"form": "approve"}).status_code == 302
    page = admin.get(url).content.decode()
    for step in ("发现问题", "提交整改成效", "申请销号", "审核销号"):
        assert step in page
    assert "committee_admin" in page and "王建国" in page          # (a user with a person shows their name)
    assert "党员大会记录缺少表决情况" in client_as(users.secretary_a).get(
        reverse("supervision:rectification_list")).content.decode()


def test_the_api(client_as, users, tree):
    r = _problem(tree, users)
    sec = client_as(users.secretary_a)
    assert sec.post(f"/api/rectifications/{r.pk}/evidence/", {"evidence": "已整改"}, content_type=JSON).status_code == 200
    assert sec.post(f"/api/rectifications/{r.pk}/request_closure/", content_type=JSON).status_code == 200
    assert sec.post(f"/api/rectifications/{r.pk}/approve/", content_type=JSON).status_code == 403
    assert client_as(users.secretary_b).post(f"/api/rectifications/{r.pk}/approve/",
                                             content_type=JSON).status_code == 404
    ok = client_as(users.committee_admin).post(f"/api/rectifications/{r.pk}/approve/", content_type=JSON)
    assert ok.status_code == 200 and ok.json()["state"] == "closed"
    assert Rectification.objects.get(pk=r.pk).approved


def test_the_meeting_rectification_items_are_listed_with_the_problems(client_as, users, people, tree):
    """The 整改清单 of a 组织生活会 shows in the same 问题清单 page (only to those who see the meeting)."""
    from dangjian.orglife.actions import do_add_rectification_item, do_record_meeting

    m = do_record_meeting(org=tree.a, type="org_life", date=dt.date(2025, 12, 20), topic="组织生活会",
                          present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    do_add_rectification_item(m, problem="理论学习不够深入", owner=people.member_a, deadline=dt.date(2026, 3, 31),
                              acting_user=users.secretary_a)
    url = reverse("supervision:rectification_list")
    assert "理论学习不够深入" in client_as(users.secretary_a).get(url).content.decode()
    assert "理论学习不够深入" not in client_as(users.secretary_b).get(url).content.decode()


def test_inspection_records_against_the_checklist(tree, people, users, client):
    """督查记录: each checklist item in each sampled branch is compliant or a problem on the list."""
    from dangjian.supervision.models import Inspection

    plan = actions.do_create_plan(issuing_org=tree.committee, scope=tree.committee, kind="random", title="随机督查",
                                  start=dt.date(2025, 5, 1), sample_size=2, acting_user=users.committee_admin,
                                  checklist="三会一课是否按时召开\n党费是否按月交纳")
    actions.do_record_compliant(plan, org=tree.a, item="党费是否按月交纳", date=dt.date(2025, 5, 12),
                                acting_user=users.committee_admin)
    r = actions.do_record_problem(plan=plan, org=tree.a, problem="二季度未召开党员大会", checklist_item="三会一课是否按时召开",
                                  found=dt.date(2025, 5, 12), deadline=dt.date(2025, 6, 30), acting_user=users.committee_admin)
    assert {(i.item, i.ok, i.rectification_id) for i in Inspection.objects.filter(plan=plan, org=tree.a)} == {
        ("党费是否按月交纳", True, None), ("三会一课是否按时召开", False, r.pk)}
    with pytest.raises(ActionError, match="已发现问题"):
        actions.do_record_compliant(plan, org=tree.a, item="三会一课是否按时召开", date=dt.date(2025, 5, 12),
                                    acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="督查清单"):
        actions.do_record_compliant(plan, org=tree.b, item="作风", date=dt.date(2025, 5, 12),
                                    acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="组织督查的党组织"):
        actions.do_record_compliant(plan, org=tree.b, item="党费是否按月交纳", date=dt.date(2025, 5, 12),
                                    acting_user=users.secretary_b)
    client.force_login(users.committee_admin)
    url = reverse("supervision:supervisionplan_detail", kwargs={"pk": plan.pk})
    client.post(url, {"form": "compliant", "org": tree.b.pk, "item": "党费是否按月交纳"})
    page = client.get(url).content.decode()
    assert page.count("✓ 符合") == 2 and "✗ 问题" in page and "记为符合" in page
