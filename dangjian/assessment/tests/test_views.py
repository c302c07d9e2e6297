"""考责 screens and API as the personas use them: the 机关党委 builds and publishes a scheme, the assigned
assessor scores A's manual item, A's secretary sees A's result item by item but not B's (404); 述职 reports
are written, appraised and exported; the 问责 register answers 404 to anyone who is not a discipline role."""
import datetime as dt

import pytest

from dangjian.assessment import actions
from dangjian.assessment.models import Indicator, Report, Result, Scheme

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def scheme(tree, users):
    s = actions.do_create_scheme(issuer=tree.committee, year=2025, name="党支部工作考核", acting_user=users.committee_admin)
    actions.do_add_indicator(s, name="三会一课", method="computed", metric="meetings_held", points="60",
                             acting_user=users.committee_admin)
    s.team = actions.do_add_indicator(s, name="班子建设", method="manual", points="40", acting_user=users.committee_admin)
    actions.do_set_assessors(s, [users.wc_admin], acting_user=users.committee_admin)
    return s


def test_the_issuing_level_builds_publishes_and_changes_a_scheme_on_its_page(scheme, tree, users, client_as):
    c = client_as(users.committee_admin)
    url = f"/assessment/schemes/{scheme.pk}/"
    r = c.post(url, {"form": "indicator", "name": "党费", "kind": "score", "method": "computed", "metric": "dues_paid",
                     "points": "abc"})
    assert r.status_code == 200 and 'value="党费"' in r.content.decode()     # refused, what was typed is kept
    r = c.post(url, {"form": "indicator", "name": "逾期问题", "kind": "deduction", "method": "computed",
                     "metric": "overdue_rectifications", "points": "5", "unit_points": "1"}, follow=True)
    assert "已添加“逾期问题”" in r.content.decode()
    c.post(url, {"form": "publish"})
    assert Result.objects.filter(scheme=scheme).count() == 2
    before = Result.objects.get(scheme=scheme, org=tree.b).total
    meetings = Indicator.objects.get(scheme=scheme, name="三会一课")
    c.post(url, {"form": "points", "indicator": meetings.pk, "points": "50"})
    # Nothing was held yet in B: the item is 0 either way; the team item waits for the assessor.
    assert Result.objects.get(scheme=scheme, org=tree.b).total == before
    page = c.get(url).content.decode()
    assert "按组织排列，不排名" in page and "第一党支部" in page and "第二党支部" in page
    xlsx = c.get(f"/assessment/schemes/{scheme.pk}/export/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_as(users.secretary_a).post(url, {"form": "publish"}).status_code == 404


def test_an_assessor_scores_and_the_branch_sees_only_its_own_result(scheme, tree, users, client):
    actions.do_publish_scheme(scheme, acting_user=users.committee_admin)
    client.force_login(users.wc_admin)
    url_a = f"/assessment/schemes/{scheme.pk}/orgs/{tree.a.pk}/"
    r = client.post(url_a, {"form": "manual", "indicator": scheme.team.pk, "points": "41", "evidence": "好"})
    assert "分值不能超过40" in r.content.decode() and 'value="41"' in r.content.decode()
    client.post(url_a, {"form": "manual", "indicator": scheme.team.pk, "points": "36", "evidence": "分工明确"})
    assert Result.objects.get(scheme=scheme, org=tree.a).total == 36
    client.force_login(users.secretary_a)
    page = client.get(url_a).content.decode()
    assert "分工明确" in page and "36" in page and 'name="points"' not in page
    assert client.get(f"/assessment/schemes/{scheme.pk}/orgs/{tree.b.pk}/").status_code == 404
    assert client.get(f"/assessment/schemes/{scheme.pk}/").status_code == 404
    assert "第一党支部" in client.get("/assessment/").content.decode()


def test_reports_are_written_appraised_and_exported(tree, people, users, client):
    client.force_login(users.secretary_a)
    r = client.post("/assessment/reports/", {"form": "report", "kind": "secretary_duty", "org": tree.a.pk,
                                             "person": people.secretary_a.pk, "year": 2025, "title": "述职报告",
                                             "submitted": "2025-12-20", "text": ""})
    assert "请填写正文或上传文件" in r.content.decode()
    client.post("/assessment/reports/", {"form": "report", "kind": "secretary_duty", "org": tree.a.pk,
                                         "person": people.secretary_a.pk, "year": 2025, "title": "王建国述职报告",
                                         "submitted": "2025-12-20", "text": "一、履行第一责任人职责情况……"})
    rep = Report.objects.get(person=people.secretary_a)
    client.force_login(users.committee_admin)
    client.post("/assessment/reports/", {"form": "review", "organiser": tree.committee.pk, "year": 2025,
                                         "date": "2025-12-28", "title": "2025年度党支部书记述职评议会", "participants": 25})
    rep.refresh_from_db()
    assert rep.review is not None
    url = f"/assessment/reviews/{rep.review_id}/"
    r = client.post(url, {"form": "appraise", "report": rep.pk, "votes_good": 20, "votes_fairly_good": 5,
                          "votes_average": 1, "votes_poor": 0, "comment": "x", "grade": "good"})
    assert "多于参加测评人数25" in r.content.decode()
    client.post(url, {"form": "appraise", "report": rep.pk, "votes_good": 19, "votes_fairly_good": 5,
                      "votes_average": 1, "votes_poor": 0, "comment": "责任落实到位", "grade": "good"})
    rep.refresh_from_db()
    assert rep.grade == "good"
    assert client.get(url + "?export=1")["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(users.secretary_b)
    assert client.get(f"/assessment/reports/{rep.pk}/").status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(users.member_a)
    assert client.get(f"/assessment/reports/{rep.pk}/").status_code == 404


def test_the_api_scores_and_refuses_out_of_scope(scheme, tree, users, client):
    client.force_login(users.committee_admin)
    r = client.post(f"/api/assessment/schemes/{scheme.pk}/publish/", content_type=JSON)
    assert r.status_code == 200 and r.json()["published_at"]
    r = client.patch(f"/api/assessment/indicators/{scheme.team.pk}/", {"points": "30"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["points"] == "30.00"
    client.force_login(users.wc_admin)
    r = client.post("/api/assessment/results/manual-score/", {"indicator": scheme.team.pk, "org": tree.a.pk,
                                                              "points": "31", "evidence": "x"}, content_type=JSON)
    assert r.status_code == 400 and "不能超过30" in r.json()["detail"]
    r = client.post("/api/assessment/results/manual-score/", {"indicator": scheme.team.pk, "org": tree.a.pk,
                                                              "points": "25", "evidence": "x"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["total"] == "25.00"
    client.force_login(users.secretary_b)
    ids = [x["org"] for x in client.get("/api/assessment/results/").json()["results"]]
    assert ids == [tree.b.pk]
    assert client.get(f"/api/assessment/schemes/{scheme.pk}/").status_code == 404
    assert client.get("/api/assessment/accountability/").status_code == 404


def test_the_dashboard_reads_the_subtree(scheme, tree, users, client):
    actions.do_publish_scheme(scheme, acting_user=users.committee_admin)
    client.force_login(users.committee_admin)
    page = client.get("/assessment/dashboard/").content.decode()
    assert "责任体系看板" in page and "考核等次分布" in page and "dashboard-series" in page
    client.force_login(users.secretary_a)
    assert client.get("/assessment/dashboard/").status_code == 404
    assert client.get(f"/assessment/dashboard/?org={tree.committee.pk}").status_code == 404


def test_the_scheme_page_costs_the_same_queries_for_more_orgs(scheme, tree, users, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.orgs.actions import do_create_org

    actions.do_publish_scheme(scheme, acting_user=users.committee_admin)
    client.force_login(users.committee_admin)
    url = f"/assessment/schemes/{scheme.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        do_create_org(name=f"第{i + 3}党支部", type="branch", parent=tree.committee)
    actions.do_score_scheme(scheme, acting_user=users.committee_admin)
    with CaptureQueriesContext(connection) as many:
        assert "第7党支部" in client.get(url).content.decode()
    assert len(many) == len(few)
