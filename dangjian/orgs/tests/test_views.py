"""The org screens as a branch secretary uses them: the tree, the org page (committee, term,
members, children, findings) and the actions. The outsider (secretary of sibling branch B) gets
404 on everything of branch A; a member sees their own branch but not the other members."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent, Finding
from dangjian.orgs.models import Org, Post

pytestmark = pytest.mark.django_db


def url(name, **kw):
    return reverse(f"orgs:{name}", kwargs=kw or None)


# --- the tree ----------------------------------------------------------------------------------
def test_tree_starts_at_the_secretarys_branch(client_as, users, tree):
    page = client_as(users.secretary_a).get(url("org_list")).content.decode()
    assert "第一党支部" in page
    assert "第二党支部" not in page
    assert "中共市交通运输局机关委员会" not in page


def test_tree_children_load_lazily_with_member_counts(client_as, users, tree, people):
    c = client_as(users.committee_admin)
    page = c.get(url("org_list")).content.decode()
    assert "中共市交通运输局机关委员会" in page
    assert "第一党支部" not in page  # not rendered until asked for
    children = c.get(url("org_children", pk=tree.committee.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "第一党支部" in children and "第二党支部" in children
    assert "党员 2" in children  # two full members in each branch


def test_tree_children_counts_in_one_aggregate(client_as, users, tree, people, django_assert_max_num_queries):
    c = client_as(users.wc_admin)
    with django_assert_max_num_queries(9):  # session, user, roles, org, children, counts, session save
        r = c.get(url("org_children", pk=tree.committee.pk))
    assert r.status_code == 200


def test_outsider_cannot_open_branch_a_children(client_as, users, tree):
    assert client_as(users.secretary_b).get(url("org_children", pk=tree.a.pk)).status_code == 404


def test_search_finds_within_scope_only(client_as, users, tree):
    page = client_as(users.secretary_b).get(url("org_list"), {"q": "党支部"}).content.decode()
    assert "第二党支部" in page and "第一党支部" not in page


def test_picker_lists_only_orgs_the_user_may_use(client_as, users, tree):
    page = client_as(users.secretary_a).get(url("org_pick"), {"q": "党", "action": "add"}).content.decode()
    assert "第一党支部" in page and "第二党支部" not in page


# --- the org page ------------------------------------------------------------------------------
def test_org_page_shows_committee_term_members_children(client_as, users, tree, people):
    page = client_as(users.secretary_a).get(url("org_detail", pk=tree.a.pk)).content.decode()
    assert "书记" in page and "王建国" in page and "2024-03-30" in page  # post, holder, approval
    assert "2027-03-15" in page  # term end: elected 2024-03-15 + 3 years
    assert "还剩" in page or "已届满" in page
    assert "李红梅" in page  # a member
    assert "第一党小组" in page  # a child
    assert "中共市交通运输局机关委员会" in page  # breadcrumb from the root
    assert reverse("orgs:org_appoint", kwargs={"pk": tree.a.pk}) in page


def test_org_page_shows_open_findings_with_citation(client_as, users, tree):
    Finding.objects.create(rule_id="TERM-01", severity="WARN", subject_kind="org", subject_id=tree.a.pk,
                           org=tree.a, message="任期将于2027-03-15届满，请做好换届准备。",
                           citation="《中国共产党支部工作条例（试行）》第二十一条")
    page = client_as(users.secretary_a).get(url("org_detail", pk=tree.a.pk)).content.decode()
    assert "TERM-01" in page and "第二十一条" in page and "请做好换届准备" in page


def test_outsider_gets_404_on_branch_a_pages(client_as, users, tree, people):
    c = client_as(users.secretary_b)
    for name in ("org_detail", "org_history", "org_edit", "org_move", "org_merge", "org_dissolve",
                 "org_election", "org_extend_term", "org_appoint", "org_child_create"):
        assert c.get(url(name, pk=tree.a.pk)).status_code == 404, name
    post = Post.objects.get(org=tree.a)
    assert c.get(url("post_edit", pk=post.pk)).status_code == 404
    assert c.post(url("post_end", pk=post.pk), {"on": "2025-01-01"}).status_code == 404
    assert Post.objects.get(pk=post.pk).end is None


def test_member_sees_own_branch_but_not_the_other_members(client_as, users, tree, people):
    c = client_as(users.member_a)
    page = c.get(url("org_detail", pk=tree.a.pk)).content.decode()
    assert "李红梅" in page
    # The member knows who their secretary is (the committee), but gets no link to the
    # secretary's record, which they may not open.
    assert "王建国" in page
    assert reverse("people:person_detail", kwargs={"pk": people.secretary_a.pk}) not in page
    assert c.get(reverse("people:person_detail", kwargs={"pk": people.secretary_a.pk})).status_code == 404
    assert url("org_edit", pk=tree.a.pk) not in page  # no action buttons
    assert c.get(url("org_edit", pk=tree.a.pk)).status_code == 404
    assert c.get(url("org_detail", pk=tree.b.pk)).status_code == 404


def test_org_page_query_count_does_not_grow_with_members(client_as, users, tree, people,
                                                         django_assert_max_num_queries):
    from conftest import _person

    c = client_as(users.secretary_a)
    c.get(url("org_detail", pk=tree.a.pk))
    for i in range(10):
        _person(tree.a, f"党员{i:02d}")
    with django_assert_max_num_queries(20) as few:
        c.get(url("org_detail", pk=tree.a.pk))
    for i in range(10, 50):
        _person(tree.a, f"党员{i:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = c.get(url("org_detail", pk=tree.a.pk))
    assert "党员19" in r.content.decode()  # the first page of 20


# --- actions -----------------------------------------------------------------------------------
def test_create_child_group(client_as, users, tree):
    r = client_as(users.secretary_a).post(url("org_child_create", pk=tree.a.pk),
                                         {"name": "第二党小组", "type": "group"})
    org = Org.objects.get(name="第二党小组")
    assert r.status_code == 302 and r.url == url("org_detail", pk=org.pk)
    assert Org.objects.get_parent(org).pk == tree.a.pk


def test_rejected_child_keeps_input_and_says_why(client_as, users, tree):
    # A 党小组 cannot hold a 党小组: the action refuses, the form comes back with the input.
    r = client_as(users.secretary_a).post(url("org_child_create", pk=tree.a1.pk),
                                         {"name": "错误的小组", "type": "group"})
    assert r.status_code == 302  # groups have no child types at all: sent back with a message
    r = client_as(users.committee_admin).post(url("org_child_create", pk=tree.committee.pk),
                                             {"name": "新设的小组", "type": "group"})
    page = r.content.decode()
    assert r.status_code == 200
    assert 'value="新设的小组"' in page
    assert "选择一个有效的选项" in page or "不能设立" in page
    assert not Org.objects.filter(name="新设的小组").exists()


def test_rename_is_recorded_as_rename(client_as, users, tree):
    c = client_as(users.secretary_a)
    form = c.get(url("org_edit", pk=tree.a.pk)).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(name="第一党支部（机关）", village_or_community="")
    data = {k: v for k, v in data.items() if v not in (False,)}
    r = c.post(url("org_edit", pk=tree.a.pk), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    assert Org.objects.get(pk=tree.a.pk).name == "第一党支部（机关）"
    assert AuditEvent.objects.filter(verb="org.rename", object_id=str(tree.a.pk)).exists()


def test_record_election_sets_new_term(client_as, users, tree):
    r = client_as(users.secretary_a).post(url("org_election", pk=tree.a.pk), {"elected_on": "2025-06-01"})
    assert r.status_code == 302
    assert Org.objects.get(pk=tree.a.pk).term_end == dt.date(2028, 6, 1)


def test_election_in_the_future_is_refused_with_input_kept(client_as, users, tree):
    r = client_as(users.secretary_a).post(url("org_election", pk=tree.a.pk), {"elected_on": "2999-01-01"})
    assert r.status_code == 200
    page = r.content.decode()
    assert 'value="2999-01-01"' in page and "不能晚于今天" in page


def test_appoint_and_end_a_post(client_as, users, tree, people):
    c = client_as(users.secretary_a)
    r = c.post(url("org_appoint", pk=tree.a.pk), {"person": people.member_a.pk, "role": "organization",
                                                  "start": "2025-01-10"})
    assert r.status_code == 302
    post = Post.objects.get(person=people.member_a, role="organization")
    r = c.post(url("post_end", pk=post.pk), {"on": "2025-12-31"})
    assert r.status_code == 302
    assert Post.objects.get(pk=post.pk).end == dt.date(2025, 12, 31)


def test_appoint_refusal_from_action_lands_on_the_field(client_as, users, tree, people):
    # 党小组长 only in a 党小组: a branch does not offer it; the chosen person stays chosen.
    c = client_as(users.secretary_a)
    r = c.post(url("org_appoint", pk=tree.a.pk), {"person": people.member_a.pk, "role": "group_leader"})
    assert r.status_code == 200
    assert "李红梅" in r.content.decode()  # the picker shows the chosen person again
    assert not Post.objects.filter(role="group_leader").exists()


def test_post_end_before_start_is_refused(client_as, users, tree, people):
    post = Post.objects.get(org=tree.a)
    r = client_as(users.secretary_a).post(url("post_end", pk=post.pk), {"on": "2020-01-01"})
    assert r.status_code == 200 and "不能早于任职日期" in r.content.decode()


def test_dissolve_with_members_is_refused(client_as, users, tree, people):
    r = client_as(users.committee_admin).post(url("org_dissolve", pk=tree.a.pk),
                                             {"on": "2025-01-01", "reason": "机构改革"})
    page = r.content.decode()
    assert r.status_code == 200 and "请先转移组织关系" in page and "机构改革" in page
    assert Org.objects.get(pk=tree.a.pk).dissolved is None


def test_move_group_to_other_branch(client_as, users, tree):
    r = client_as(users.committee_admin).post(url("org_move", pk=tree.a1.pk), {"parent": tree.b.pk})
    assert r.status_code == 302
    assert Org.objects.get_parent(Org.objects.get(pk=tree.a1.pk)).pk == tree.b.pk


def test_move_outside_scope_is_not_a_choice(client_as, users, tree):
    r = client_as(users.secretary_a).post(url("org_move", pk=tree.a1.pk), {"parent": tree.b.pk})
    assert r.status_code == 200 and "管理范围内的组织" in r.content.decode()
    assert Org.objects.get_parent(Org.objects.get(pk=tree.a1.pk)).pk == tree.a.pk


def test_move_under_own_group_is_refused_on_the_parent_field(client_as, users, tree):
    r = client_as(users.committee_admin).post(url("org_move", pk=tree.a.pk), {"parent": tree.a1.pk})
    assert r.status_code == 200
    form = r.context["form"]
    assert "不能把组织移动到它自己或它的下级组织之下。" in form.errors["parent"]
    assert "第一党小组" in r.content.decode()  # the chosen parent is shown again


def test_merge_branch_b_into_a(client_as, users, tree, people):
    r = client_as(users.committee_admin).post(url("org_merge", pk=tree.b.pk),
                                             {"target": tree.a.pk, "on": "2025-05-01"})
    assert r.status_code == 302
    assert Org.objects.get(pk=tree.b.pk).merged_into_id == tree.a.pk


def test_history_page_lists_events(client_as, users, tree):
    client_as(users.secretary_a).post(url("org_election", pk=tree.a.pk), {"elected_on": "2025-06-01"})
    page = client_as(users.secretary_a).get(url("org_history", pk=tree.a.pk)).content.decode()
    assert "修改组织“第一党支部”的信息" in page
    assert "本届选举日期" in page  # the auditlog field diff


def test_search_box_swaps_only_the_tree_area(client_as, users, tree):
    c = client_as(users.committee_admin)
    r = c.get(url("org_list"), {"q": "第一"}, HTTP_HX_REQUEST="true")
    page = r.content.decode()
    assert "第一党支部" in page and "<html" not in page
    r = c.get(url("org_list"), {"q": ""}, HTTP_HX_REQUEST="true")
    page = r.content.decode()
    assert 'id="org-tree"' in page and "<html" not in page


def test_member_tree_is_their_own_branch(client_as, users, tree, people):
    page = client_as(users.member_a).get(url("org_list")).content.decode()
    assert "第一党支部" in page and "第二党支部" not in page and "机关委员会" not in page


def test_auditor_reads_history_but_changes_nothing(client_as, users, tree, people):
    c = client_as(users.auditor)
    page = c.get(url("org_detail", pk=tree.a.pk)).content.decode()
    assert url("org_history", pk=tree.a.pk) in page and url("org_edit", pk=tree.a.pk) not in page
    assert c.get(url("org_history", pk=tree.a.pk)).status_code == 200
    assert c.get(url("org_edit", pk=tree.a.pk)).status_code == 404
    assert c.post(url("org_election", pk=tree.a.pk), {"elected_on": "2025-06-01"}).status_code == 404


def test_extend_term_beyond_one_year_is_refused(client_as, users, tree):
    # Term ends 2027-03-15; ELEC-01: an extension is normally at most one year.
    c = client_as(users.secretary_a)
    r = c.post(url("org_extend_term", pk=tree.a.pk), {"until": "2028-06-01", "approved_on": "2027-01-10"})
    assert r.status_code == 200 and "延期一般不超过1年" in r.context["form"].errors["until"][0]
    r = c.post(url("org_extend_term", pk=tree.a.pk), {"until": "2027-09-15", "approved_on": "2027-01-10"})
    assert r.status_code == 302
    assert Org.objects.get(pk=tree.a.pk).term_extension_until == dt.date(2027, 9, 15)
