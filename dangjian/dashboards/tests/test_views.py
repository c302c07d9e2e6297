"""The dashboard pages and chart endpoints: scope (the outsider secretary of B sees nothing of A), tree order
without ranking, empty states, and a constant number of queries whatever the number of units."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.dashboards import rollups

CHARTS = ("summary", "heatmap", "trend", "rules", "balance", "recruitment", "dues", "rectification", "calendar")
AS_OF = dt.date(2026, 11, 26)


def urls(org):
    return [reverse("dashboards:org_dashboard", args=[org.pk])] + [
        reverse(f"orgdashboard-{c}", args=[org.pk]) for c in CHARTS]


def test_the_outsider_sees_nothing_of_branch_a(tree, people, users, client_as):
    rollups.rebuild(AS_OF)
    c = client_as(users.secretary_b)
    for url in urls(tree.a) + urls(tree.committee):
        assert c.get(url).status_code == 404, url
    for url in urls(tree.b):
        assert c.get(url).status_code == 200, url
    assert c.get(reverse("dashboards:index")).url == reverse("dashboards:org_dashboard", args=[tree.b.pk])


def test_secretary_a_sees_the_branch_calendar(tree, people, users, client_as):
    from dangjian.orglife.models import Meeting

    Meeting.objects.create(org=tree.a, type="theme_day", state="held", date=dt.date(2026, 10, 20), topic="主题党日")
    c = client_as(users.secretary_a)
    page = c.get(reverse("dashboards:org_dashboard", args=[tree.a.pk]))
    assert page.status_code == 200 and "组织生活日历" in page.content.decode()
    d = c.get(reverse("orgdashboard-calendar", args=[tree.a.pk]) + "?year=2026").json()
    assert d["days"] == [["2026-10-20", 1]] and d["types"]["2026-10-20"] == ["主题党日"]


def test_units_side_by_side_in_tree_order(tree, people, users, client_as):
    from dangjian.orglife.models import Meeting

    # B holds more meetings than A, yet A stays first: the comparison is never a ranking.
    for m in (7, 8, 9, 10):
        Meeting.objects.create(org=tree.b, type="theme_day", state="held", date=dt.date(2026, m, 5), topic="主题党日")
    rollups.rebuild(AS_OF)
    c = client_as(users.committee_admin)
    d = c.get(reverse("orgdashboard-balance", args=[tree.committee.pk])).json()
    assert [u["name"] for u in d["units"]] == ["第一党支部", "第二党支部"]
    assert d["units"][0]["members"] == 2
    assert d["units"][1]["meetings_rate"] > (d["units"][0]["meetings_rate"] or 0)
    h = c.get(reverse("orgdashboard-heatmap", args=[tree.committee.pk]) + "?indicator=meetings").json()
    assert h["units"] == ["第一党支部", "第二党支部"] and len(h["months"]) == 12
    assert not any("name" in str(k) and "王建国" in str(v) for k, v in d.items())


def test_empty_states_before_any_rollup(tree, users, client_as):
    c = client_as(users.committee_admin)
    page = c.get(reverse("dashboards:org_dashboard", args=[tree.committee.pk])).content.decode()
    assert "汇总数据尚未生成" in page
    for chart in ("heatmap", "trend", "rules", "recruitment", "dues", "rectification"):
        assert c.get(reverse(f"orgdashboard-{chart}", args=[tree.committee.pk])).json()["empty"] is True, chart
    assert c.get(reverse("orgdashboard-balance", args=[tree.a1.pk])).json()["empty"] is True


def _count(client, org):
    with CaptureQueriesContext(connection) as ctx:
        for chart in CHARTS:
            assert client.get(reverse(f"orgdashboard-{chart}", args=[org.pk])).status_code == 200
        assert client.get(reverse("dashboards:org_dashboard", args=[org.pk])).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_units(tree, people, users, client_as):
    from dangjian.orgs.actions import do_create_org

    rollups.rebuild(AS_OF)
    c = client_as(users.wc_admin)
    c.get(reverse("orgdashboard-summary", args=[tree.committee.pk]))   # session, scope caches
    few = _count(c, tree.committee)
    for i in range(15):
        do_create_org(name=f"第{i + 3}党支部", type="branch", parent=tree.committee, unit=tree.unit)
    rollups.rebuild(AS_OF)
    assert _count(c, tree.committee) == few


def test_a_member_sees_their_branch_page_elsewhere_but_not_its_figures(tree, people, users, client_as):
    """A member may open their own branch's page (人员, 组织), not its dashboard: the figures are the secretaries'."""
    rollups.rebuild(AS_OF)
    c = client_as(users.member_a)
    assert c.get(reverse("dashboards:org_dashboard", kwargs={"pk": tree.a.pk})).status_code == 404
    for name in ("summary", "balance", "heatmap", "calendar"):
        assert c.get(reverse(f"orgdashboard-{name}", kwargs={"pk": tree.a.pk})).status_code == 404, name


def test_an_odd_year_is_the_current_year_not_an_error(tree, people, users, client_as):
    rollups.rebuild(AS_OF)
    c = client_as(users.secretary_a)
    r = c.get(reverse("orgdashboard-calendar", kwargs={"pk": tree.a.pk}), {"year": "²"})
    assert r.status_code == 200
