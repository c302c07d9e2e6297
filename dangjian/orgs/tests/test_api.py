"""The org tree over the API: 设立、修改、调整、合并、撤销 and 任职 go through the actions, within the
user's scope; an out-of-scope reference is refused like a missing one."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.orgs.actions import do_create_org
from dangjian.orgs.models import Org, Post


@pytest.fixture
def api(client_as, users):
    return client_as(users.secretary_a)


def test_org_list_is_the_users_subtree_in_tree_order(api, tree, people, users):
    rows = api.get(reverse("org-list")).json()["results"]
    assert [r["name"] for r in rows] == ["第一党支部", "第一党小组"]
    assert rows[1]["parent_id"] == tree.a.pk
    assert rows[0]["type_display"] == "党支部"
    assert rows[0]["term_end"] == "2027-03-15"


def test_org_list_is_a_constant_number_of_queries(client_as, tree, people, users, django_assert_max_num_queries):
    for i in range(15):
        do_create_org(name=f"第{i + 3}党支部", type="branch", parent=tree.committee, unit=tree.unit)
    client = client_as(users.wc_admin)
    # session, user, roles, count, rows, joint units, and the session save (3): none per row.
    with django_assert_max_num_queries(9):
        rows = client.get(reverse("org-list"), {"limit": 100}).json()["results"]
    assert len(rows) == 20


def test_secretary_sets_up_a_party_group_in_own_branch(api, tree, people):
    r = api.post(reverse("org-list"), {"name": "第二党小组", "type": "group", "parent": tree.a.pk},
                 content_type="application/json")
    assert r.status_code == 201, r.json()
    org = Org.objects.get(pk=r.json()["id"])
    assert Org.objects.get_parent(org) == tree.a and r.json()["parent_id"] == tree.a.pk
    assert AuditEvent.objects.filter(verb="org.create", object_id=str(org.pk)).exists()


def test_creating_under_another_branch_is_refused_like_a_missing_parent(api, tree, people):
    outside = api.post(reverse("org-list"), {"name": "小组", "type": "group", "parent": tree.b.pk},
                       content_type="application/json")
    missing = api.post(reverse("org-list"), {"name": "小组", "type": "group", "parent": 999999},
                       content_type="application/json")
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["field"] == "parent"
    assert "不在您的管理范围内" in outside.json()["detail"]
    assert outside.json()["detail"].replace(str(tree.b.pk), "X") == missing.json()["detail"].replace("999999", "X")


def test_a_root_org_needs_the_whole_tree(api):
    r = api.post(reverse("org-list"), {"name": "某党组", "type": "leading_group"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "parent"


def test_action_error_is_a_400_with_the_chinese_reason_and_field(api, tree, people):
    # 党支部下不能设立党支部: the action's rule, not a serializer's.
    r = api.post(reverse("org-list"), {"name": "支部", "type": "branch", "parent": tree.a.pk},
                 content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"detail": r.json()["detail"], "field": "type"}
    assert "党支部下不能设立党支部" in r.json()["detail"]


def test_rename_is_recorded_as_a_rename(api, tree, people):
    r = api.patch(reverse("org-detail", args=[tree.a.pk]), {"name": "第一党支部（综合）"},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["name"] == "第一党支部（综合）"
    assert AuditEvent.objects.filter(verb="org.rename", object_id=str(tree.a.pk)).exists()


def test_move_needs_the_new_parent_in_scope(client_as, api, tree, people, users):
    r = api.post(reverse("org-move", args=[tree.a1.pk]), {"parent": tree.b.pk}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "parent"
    r = client_as(users.committee_admin).post(reverse("org-move", args=[tree.a1.pk]), {"parent": tree.b.pk},
                                              content_type="application/json")
    assert r.status_code == 200, r.json()
    assert r.json()["parent_id"] == tree.b.pk
    assert Org.objects.get_parent(Org.objects.get(pk=tree.a1.pk)) == tree.b


def test_merge_moves_people_and_dissolves_the_source(client_as, tree, people, users):
    r = client_as(users.committee_admin).post(reverse("org-merge", args=[tree.b.pk]),
                                              {"target": tree.a.pk, "on": "2026-01-01"},
                                              content_type="application/json")
    assert r.status_code == 200, r.json()
    assert r.json()["id"] == tree.a.pk
    b = Org.objects.get(pk=tree.b.pk)
    assert b.dissolved == dt.date(2026, 1, 1) and b.merged_into_id == tree.a.pk
    assert people.member_b.__class__.objects.get(pk=people.member_b.pk).org_id == tree.a.pk


def test_dissolving_a_branch_with_members_says_what_to_do(api, tree, people):
    r = api.post(reverse("org-dissolve", args=[tree.a.pk]), {"reason": "机构调整"}, content_type="application/json")
    assert r.status_code == 400
    assert "请先转移组织关系" in r.json()["detail"]
    assert Org.objects.get(pk=tree.a.pk).dissolved is None


def test_dissolve_an_empty_group(api, tree, people):
    r = api.post(reverse("org-dissolve", args=[tree.a1.pk]), {"reason": "人员调整"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["dissolved"]


def test_auditor_sees_but_may_not_change(client_as, tree, people, users):
    client = client_as(users.auditor)
    assert client.get(reverse("org-detail", args=[tree.a.pk])).status_code == 200
    r = client.patch(reverse("org-detail", args=[tree.a.pk]), {"name": "x"}, content_type="application/json")
    assert r.status_code == 403


def test_appoint_and_end_a_post(api, tree, people):
    r = api.post(reverse("post-list"), {"person": people.member_a.pk, "org": tree.a.pk, "role": "organization",
                                         "start": "2025-01-01"}, content_type="application/json")
    assert r.status_code == 201, r.json()
    assert r.json()["role_display"] == "组织委员" and r.json()["person_name"] == "李红梅"
    r = api.patch(reverse("post-detail", args=[r.json()["id"]]), {"end": "2025-12-31"},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["end"] == "2025-12-31"
    assert AuditEvent.objects.filter(verb="post.update").exists()


def test_appointing_someone_outside_the_scope_is_refused(api, tree, people):
    r = api.post(reverse("post-list"), {"person": people.member_b.pk, "org": tree.a.pk, "role": "member"},
                 content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "person"
    assert not Post.objects.filter(person=people.member_b, org=tree.a).exists()


def test_post_end_before_start_is_refused(api, tree, people):
    post = Post.objects.get(org=tree.a, person=people.secretary_a)
    r = api.patch(reverse("post-detail", args=[post.pk]), {"end": "2020-01-01"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "end"


def test_current_posts_filter(api, tree, people):
    rows = api.get(reverse("post-list"), {"current": "true"}).json()["results"]
    assert [r["person_name"] for r in rows] == ["王建国"]


def test_filtering_by_an_outside_org_looks_like_filtering_by_a_missing_one(api, tree, people):
    outside = api.get(reverse("post-list"), {"org": tree.b.pk})
    missing = api.get(reverse("post-list"), {"org": 999999})
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["field"] == missing.json()["field"] == "org"


def test_units_are_kept_by_the_work_committee(client_as, api, tree, people, users):
    r = api.post(reverse("unit-list"), {"name": "市财政局"}, content_type="application/json")
    assert r.status_code == 403
    r = client_as(users.wc_admin).post(reverse("unit-list"), {"name": "市财政局"}, content_type="application/json")
    assert r.status_code == 201
