"""机关单位名录: the 工委 keeps the register of government departments and their principal leader
(主要负责人); everyone else sees the units their organisations sit in, and cannot change them.
A unit out of scope answers 404; a unit cannot be made its own ancestor."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.orgs.actions import do_create_org, do_create_unit, do_update_org, do_update_unit
from dangjian.orgs.models import Unit

pytestmark = pytest.mark.django_db


def url(name, **kw):
    return reverse(f"orgs:{name}", kwargs=kw or None)


@pytest.fixture
def unit_a(tree):
    """A sub-unit hosting only branch A's party group (as in the permission matrix)."""
    unit = do_create_unit(name="市交通运输局综合处", parent=tree.unit)
    do_update_org(tree.a1, unit=unit)
    return unit


# --- the register ------------------------------------------------------------------------------
def test_work_committee_lists_the_whole_register(client_as, users, tree, unit_a):
    do_create_unit(name="市统计局")  # no party organisation yet: still in the 工委's register
    page = client_as(users.wc_admin).get(url("unit_list")).content.decode()
    assert "市交通运输局" in page and "市交通运输局综合处" in page and "市统计局" in page
    assert url("unit_create") in page
    assert url("unit_detail", pk=tree.unit.pk) in page


def test_list_counts_active_orgs_and_searches_by_name(client_as, users, tree, unit_a):
    from dangjian.orgs.actions import do_dissolve_org

    closed = do_create_org(name="第三党支部", type="branch", parent=tree.committee, unit=tree.unit)
    do_dissolve_org(closed)
    do_create_org(name="联合党支部", type="branch", parent=tree.committee, joint_units=[unit_a])
    c = client_as(users.wc_admin)
    table = c.get(url("unit_list")).context["table"]
    counts = {row.record.name: (row.record.org_count, row.record.joint_count) for row in table.rows}
    # committee, A, B (the dissolved branch not); the sub-unit: group A1, and one joint branch
    assert counts == {"市交通运输局": (3, 0), "市交通运输局综合处": (1, 1)}
    found = c.get(url("unit_list"), {"q": "综合"}).context["table"]
    assert [row.record.name for row in found.rows] == ["市交通运输局综合处"]
    # Someone else counts only what they may open: secretary B sees branch B alone.
    table = client_as(users.secretary_b).get(url("unit_list")).context["table"]
    assert [(r.record.name, r.record.org_count) for r in table.rows] == [("市交通运输局", 1)]


def test_empty_register_says_what_to_do(client_as, users, tree):
    c = client_as(users.wc_admin)
    assert "没有找到名称含“没有这个单位”的单位" in c.get(url("unit_list"), {"q": "没有这个单位"}).content.decode()
    Unit.objects.all().delete()
    assert "还没有登记机关单位。请点击右上角“登记机关单位”" in c.get(url("unit_list")).content.decode()


def test_list_is_a_constant_number_of_queries(client_as, users, tree, people):
    client = client_as(users.secretary_a)

    def queries_for_a_page():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("unit_list")).status_code == 200
        return len(ctx.captured_queries)

    def add_units(n):
        for _ in range(n):
            i = Unit.objects.count()
            unit = do_create_unit(name=f"市属单位{i:02d}", parent=tree.unit, head=people.member_a)
            do_create_org(name=f"第{i}党小组", type="group", parent=tree.a, unit=unit)

    add_units(4)   # with the fixture unit: 5 units
    few = queries_for_a_page()
    add_units(25)  # 30 units, one page
    many = queries_for_a_page()
    # session, user, roles, count, rows, which heads and parents may be opened, session save (3)
    assert few == many <= 10, (few, many)
    assert "市属单位29" in client.get(url("unit_list")).content.decode()


# --- a unit's page -----------------------------------------------------------------------------
def test_unit_page_shows_parent_children_head_and_orgs(client_as, users, tree, people, unit_a):
    do_update_unit(tree.unit, head=people.secretary_a)
    joint = do_create_org(name="联合党支部", type="branch", parent=tree.committee, joint_units=[unit_a])
    c = client_as(users.wc_admin)
    page = c.get(url("unit_detail", pk=tree.unit.pk)).content.decode()
    assert "王建国" in page and reverse("people:person_detail", kwargs={"pk": people.secretary_a.pk}) in page
    assert "市交通运输局综合处" in page  # sub-unit
    for org in (tree.committee, tree.a, tree.b):
        assert url("org_detail", pk=org.pk) in page
    assert "机关党委" in page and "党支部" in page  # org types
    assert url("unit_edit", pk=tree.unit.pk) in page
    sub = c.get(url("unit_detail", pk=unit_a.pk)).content.decode()
    assert url("unit_detail", pk=tree.unit.pk) in sub  # its parent
    assert "覆盖本单位的联合党支部" in sub and url("org_detail", pk=joint.pk) in sub


def test_secretary_sees_the_unit_of_their_branch_but_cannot_change_it(client_as, users, tree, people):
    c = client_as(users.secretary_a)
    assert "市交通运输局" in c.get(url("unit_list")).content.decode()
    page = c.get(url("unit_detail", pk=tree.unit.pk)).content.decode()
    assert url("org_detail", pk=tree.a.pk) in page
    assert "第二党支部" not in page  # branch B sits there too, but is not theirs
    assert url("unit_edit", pk=tree.unit.pk) not in page and url("unit_create") not in page
    assert c.get(url("unit_edit", pk=tree.unit.pk)).status_code == 404
    assert c.post(url("unit_edit", pk=tree.unit.pk), {"name": "改名"}).status_code == 404
    assert c.get(url("unit_create")).status_code == 403
    assert c.post(url("unit_create"), {"name": "市财政局"}).status_code == 403
    assert Unit.objects.get(pk=tree.unit.pk).name == "市交通运输局"
    assert not Unit.objects.filter(name="市财政局").exists()


def test_head_is_linked_only_for_who_may_open_that_person(client_as, users, tree, people):
    do_update_unit(tree.unit, head=people.member_b)  # a member of branch B
    b_link = reverse("people:person_detail", kwargs={"pk": people.member_b.pk})
    for page in (client_as(users.secretary_a).get(url("unit_list")).content.decode(),
                 client_as(users.secretary_a).get(url("unit_detail", pk=tree.unit.pk)).content.decode()):
        assert "孙丽" in page and b_link not in page
    assert b_link in client_as(users.committee_admin).get(url("unit_list")).content.decode()


def test_outsider_gets_404_on_a_unit_hosting_only_branch_a(client_as, users, tree, people, unit_a):
    c = client_as(users.secretary_b)
    for name in ("unit_detail", "unit_edit"):
        assert c.get(url(name, pk=unit_a.pk)).status_code == 404, name
    assert "综合处" not in c.get(url("unit_list")).content.decode()
    assert "综合处" not in c.get(url("unit_pick"), {"q": "综合"}).content.decode()


def test_org_page_links_its_unit(client_as, users, tree, people):
    link = url("unit_detail", pk=tree.unit.pk)
    assert link in client_as(users.secretary_a).get(url("org_detail", pk=tree.a.pk)).content.decode()
    # A member's self-service does not reach the register: the name stays plain text.
    page = client_as(users.member_a).get(url("org_detail", pk=tree.a.pk)).content.decode()
    assert "市交通运输局" in page and link not in page


# --- keeping the register ----------------------------------------------------------------------
def test_work_committee_registers_a_unit_with_its_parent_and_head(client_as, users, tree, people):
    c = client_as(users.wc_admin)
    assert c.get(url("unit_create")).status_code == 200
    r = c.post(url("unit_create"), {"name": " 市交通运输局法规处 ", "parent": tree.unit.pk,
                                    "head": people.secretary_a.pk})
    unit = Unit.objects.get(name="市交通运输局法规处")
    assert r.status_code == 302 and r["Location"] == url("unit_detail", pk=unit.pk)
    assert unit.parent == tree.unit and unit.head == people.secretary_a
    event = AuditEvent.objects.get(verb="unit.create", object_id=str(unit.pk))
    assert event.actor == users.wc_admin and event.data["after"]["head"]["name"] == "王建国"


def test_work_committee_edits_a_unit_and_sets_its_head(client_as, users, tree, people, unit_a):
    c = client_as(users.wc_admin)
    form_page = c.get(url("unit_edit", pk=unit_a.pk)).content.decode()
    assert 'value="市交通运输局综合处"' in form_page and "市交通运输局" in form_page  # name, parent label
    r = c.post(url("unit_edit", pk=unit_a.pk), {"name": "市交通运输局办公室", "parent": tree.unit.pk,
                                                "head": people.member_a.pk})
    assert r.status_code == 302
    unit_a.refresh_from_db()
    assert unit_a.name == "市交通运输局办公室" and unit_a.head == people.member_a
    event = AuditEvent.objects.get(verb="unit.update", object_id=str(unit_a.pk))
    assert event.data["before"] == {"name": "市交通运输局综合处", "head": None}  # only what changed
    assert event.data["after"]["head"]["name"] == "李红梅"
    page = c.get(url("unit_detail", pk=unit_a.pk)).content.decode()
    assert "李红梅" in page


def test_a_unit_cannot_become_its_own_ancestor(client_as, users, tree, unit_a):
    c = client_as(users.wc_admin)
    r = c.post(url("unit_edit", pk=tree.unit.pk), {"name": "市交通运输局（新）", "parent": unit_a.pk})
    assert r.status_code == 200
    page = r.content.decode()
    assert "是本单位的下级单位，不能作为" in page and "会形成循环" in page
    assert 'value="市交通运输局（新）"' in page  # what the user typed is kept
    assert f'value="{unit_a.pk}"' in page and "市交通运输局综合处" in page  # and the chosen parent
    tree.unit.refresh_from_db()
    assert tree.unit.parent is None and tree.unit.name == "市交通运输局"
    r = c.post(url("unit_edit", pk=unit_a.pk), {"name": unit_a.name, "parent": unit_a.pk})
    assert "是本单位，不能作为" in r.content.decode()
    assert not AuditEvent.objects.filter(verb="unit.update").exists()


def test_the_api_refuses_the_cycle_too(client_as, users, tree, unit_a):
    r = client_as(users.wc_admin).patch(reverse("unit-detail", kwargs={"pk": tree.unit.pk}),
                                        {"parent": unit_a.pk}, content_type="application/json")
    assert r.status_code == 400 and "循环" in r.json()["detail"]


def test_a_name_is_required(client_as, users, tree):
    r = client_as(users.wc_admin).post(url("unit_create"), {"name": "  "})
    assert r.status_code == 200 and "请填写单位名称" in r.content.decode()
    assert Unit.objects.count() == 1


def test_pickers_offer_only_what_the_user_may_use(client_as, users, tree, people, unit_a):
    assert "市交通运输局综合处" in client_as(users.wc_admin).get(url("unit_pick"), {"q": "综合"}).content.decode()
    r = client_as(users.wc_admin).post(url("unit_create"), {"name": "市财政局", "head": 999999, "parent": 999999})
    page = r.content.decode()
    assert "请从搜索结果中选择一名您管理范围内的人员" in page and "请从搜索结果中选择一个已登记的机关单位" in page
    assert 'value="市财政局"' in page and not Unit.objects.filter(name="市财政局").exists()


def test_joint_branch_secretary_sees_the_units_the_branch_covers(tree, people, users):
    import datetime as dt

    from dangjian.orgs.actions import do_create_org, do_create_unit
    from dangjian.orgs.models import Unit

    small = do_create_unit(name="市地方志编纂中心")
    joint = do_create_org(name="市直第一联合党支部", type="branch", parent=tree.committee,
                          committee_elected=dt.date(2024, 3, 15), joint_units=[small])
    from conftest import _user

    secretary = _user("joint_secretary", None, [("org_admin", joint)])
    assert list(Unit.objects.restrict(secretary)) == [small]
    assert small not in Unit.objects.restrict(users.secretary_b)
