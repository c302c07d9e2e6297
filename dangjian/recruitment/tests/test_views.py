"""The 发展党员 screens as the personas use them: the secretary of branch A opens a file, records steps
(a refused step keeps what was typed and names the article), sees the pipeline; the secretary of
sibling branch B gets 404 for A's file; a member of A cannot record steps."""
import datetime as dt

import pytest
from django.urls import reverse

from conftest import _person
from dangjian.recruitment.actions import do_open_file
from dangjian.recruitment.models import RecruitmentEvent


@pytest.fixture
def applicant(tree):
    return _person(tree.a, "李明", status="applicant", birth_date=dt.date(2000, 2, 29), probationary_date=None,
                   full_member_date=None)


def test_the_secretary_opens_a_file_and_records_steps(client_as, users, applicant):
    c = client_as(users.secretary_a)
    page = c.get(reverse("recruitment:recruitment_create")).content.decode()
    assert "李明" in page
    r = c.post(reverse("recruitment:recruitment_create"), {"person": applicant.pk, "application_date": "2021-03-01"})
    assert r.status_code == 302
    detail = r["Location"]
    page = c.get(detail).content.decode()
    assert "递交入党申请书" in page and "2021-03-01" in page and "党组织派人谈话" in page
    assert "最迟 2021-04-01" in page                       # the first talk within a month (DEV-03)
    assert c.post(detail, {"step": "first_talk", "date": "2021-03-20"}).status_code == 302
    assert RecruitmentEvent.objects.filter(step="first_talk", date=dt.date(2021, 3, 20)).exists()
    lst = c.get(reverse("recruitment:recruitment_list")).content.decode()
    assert "李明" in lst and "入党申请" in lst


def test_a_refused_step_keeps_what_was_typed_and_names_the_article(client_as, users, applicant):
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1))
    c = client_as(users.secretary_a)
    url = reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})
    c.post(url, {"step": "activist", "date": "2021-06-01"})
    r = c.post(url, {"step": "candidate", "date": "2022-05-31"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "不满一年" in page and "DEV-08" in page and 'value="2022-05-31"' in page
    assert not RecruitmentEvent.objects.filter(step="candidate").exists()


def test_sibling_secretary_gets_404_and_a_member_cannot_record(client_as, users, applicant):
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1))
    url = reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})
    assert client_as(users.secretary_b).get(url).status_code == 404
    ev = f.events.get()
    assert client_as(users.secretary_b).get(reverse("recruitment:recruitmentstep_correct", kwargs={"pk": ev.pk})).status_code == 404
    member = client_as(users.member_a)
    resp = member.get(url)
    if resp.status_code == 200:
        assert "登记环节" not in resp.content.decode()
        member.post(url, {"step": "first_talk", "date": "2021-03-10"})
    assert not RecruitmentEvent.objects.filter(step="first_talk").exists()


def test_the_pipeline_has_an_empty_state(client_as, users):
    page = client_as(users.secretary_a).get(reverse("recruitment:recruitment_list")).content.decode()
    assert "没有正在进行的发展党员纪实" in page


JSON = "application/json"


def test_the_api_opens_records_refuses_and_corrects_within_scope(client_as, users, people, tree, applicant):
    api = client_as(users.secretary_a)
    r = api.post("/api/recruitment/", {"person": applicant.pk, "application_date": "2021-03-01"}, content_type=JSON)
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert [s["step"] for s in r.json()["next_steps"]][:2] == ["first_talk", "activist"]
    talk = next(s for s in r.json()["next_steps"] if s["step"] == "first_talk")
    assert talk["latest"] == "2021-04-01"
    r = api.post(f"/api/recruitment/{pk}/steps/", {"step": "activist", "date": "2021-06-01"}, content_type=JSON)
    assert r.status_code == 200, r.json()
    refused = api.post(f"/api/recruitment/{pk}/steps/", {"step": "candidate", "date": "2022-05-31"}, content_type=JSON)
    assert refused.status_code == 400 and refused.json()["rule"] == "DEV-08", refused.json()
    ev = next(e for e in r.json()["events"] if e["step"] == "activist")
    r = api.post(f"/api/recruitment/{pk}/correct/", {"event": ev["id"], "date": "2021-06-02", "reason": "日期录错"},
                 content_type=JSON)
    assert r.status_code == 200
    events = r.json()["events"]
    assert [(e["date"], e["voided"]) for e in events if e["step"] == "activist"] == [("2021-06-01", True),
                                                                                     ("2021-06-02", False)]
    r = api.post(f"/api/recruitment/{pk}/steps/", {"step": "mentors", "date": "2021-06-02",
                                                   "persons": [people.secretary_a.pk, people.member_a.pk]},
                 content_type=JSON)
    assert r.status_code == 200, r.json()
    outsider = client_as(users.secretary_b)
    assert outsider.get(f"/api/recruitment/{pk}/").status_code == 404
    assert outsider.post(f"/api/recruitment/{pk}/steps/", {"step": "first_talk", "date": "2021-03-10"},
                         content_type=JSON).status_code == 404
    assert pk not in {row["id"] for row in outsider.get("/api/recruitment/").json()["results"]}


def test_the_pipeline_shows_who_becomes_eligible_soon_and_the_plan_against_approvals(client_as, users, tree, applicant):
    """An activist of almost a year is listed under "90天内" (发展对象 from the anniversary, DEV-08); the
    branch's 发展计划 is set on the page and shown against the approvals of the year."""
    from django.utils import timezone

    from dangjian.core.periods import add_years
    from dangjian.recruitment.actions import do_record_step

    today = timezone.localdate()
    f = do_open_file(person=applicant, application_date=add_years(today, -1) - dt.timedelta(days=100))
    do_record_step(f, "activist", add_years(today, -1) + dt.timedelta(days=40))
    c = client_as(users.secretary_a)
    url = reverse("recruitment:recruitment_list")
    assert "李明" in c.get(url, {"soon": 90}).content.decode()
    assert "李明" not in c.get(url, {"soon": 30}).content.decode()
    r = c.post(f"{url}?org={tree.a.pk}", {"year": today.year, "planned": 3, "note": ""})
    assert r.status_code == 302
    page = c.get(url, {"org": tree.a.pk}).content.decode()
    assert "计划 3 人，已批准接收预备党员 0 人" in page and "尚未登记" in page
    # The yearly analysis of the activists (细则第十一条, DEV-06), on the same card; the plan stays.
    r = c.post(f"{url}?org={tree.a.pk}", {"form": "analysis", "year": today.year, "analyzed_on": "1999-01-01",
                                          "analysis": "积极分子5人，其中35岁以下3人"})
    assert r.status_code == 200 and "积极分子5人，其中35岁以下3人" in r.content.decode()
    r = c.post(f"{url}?org={tree.a.pk}", {"form": "analysis", "year": today.year, "analyzed_on": today.isoformat(),
                                          "analysis": "积极分子5人，其中35岁以下3人"})
    assert r.status_code == 302
    page = c.get(url, {"org": tree.a.pk}).content.decode()
    assert "计划 3 人" in page and f"{today:%Y-%m-%d} 已分析：积极分子5人" in page
    assert client_as(users.secretary_b).get(url, {"org": tree.a.pk}).status_code == 404
    assert client_as(users.member_a).post(f"{url}?org={tree.a.pk}", {"form": "analysis", "year": today.year,
                                                                     "analyzed_on": today.isoformat(),
                                                                     "analysis": "x"}).status_code in (200, 302, 404)
    from dangjian.recruitment.models import RecruitmentPlan
    assert RecruitmentPlan.objects.get().analysis == "积极分子5人，其中35岁以下3人"


def test_the_pipeline_and_a_file_page_take_the_same_queries_for_one_file_or_many(client_as, users, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.recruitment.actions import do_record_step

    def add(n):
        for i in range(n):
            p = _person(tree.a, f"申请人{i}", status="applicant", birth_date=dt.date(2000, 1, 1),
                        probationary_date=None, full_member_date=None)
            f = do_open_file(person=p, application_date=dt.date(2024, 1, 10))
            do_record_step(f, "first_talk", dt.date(2024, 1, 20))
            do_record_step(f, "activist", dt.date(2024, 4, 1))
        return f

    c = client_as(users.secretary_a)
    url = reverse("recruitment:recruitment_list")
    f = add(1)
    detail = reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})
    c.get(url), c.get(detail)
    with CaptureQueriesContext(connection) as one:
        c.get(url)
    with CaptureQueriesContext(connection) as one_detail:
        c.get(detail)
    add(5)
    with CaptureQueriesContext(connection) as many:
        c.get(url)
    with CaptureQueriesContext(connection) as many_detail:
        c.get(detail)
    assert len(many) == len(one), [q["sql"][:160] for q in many.captured_queries][-8:]
    assert len(many_detail) == len(one_detail)
    with CaptureQueriesContext(connection) as api_many:
        assert len(c.get("/api/recruitment/").json()["results"]) == 6
    add(4)
    with CaptureQueriesContext(connection) as api_more:
        assert len(c.get("/api/recruitment/").json()["results"]) == 10
    assert len(api_more) == len(api_many)


def test_the_cancel_page_refuses_a_vote_without_quorum_and_keeps_what_was_typed(client_as, users, tree, people):
    from dangjian.djx.actions import do_import_djx  # noqa: F401  (the file is built through the actions)
    from dangjian.recruitment.tests.test_workflow import PATH, record_next

    p = _person(tree.a, "李明", status="applicant", birth_date=dt.date(2000, 1, 1), probationary_date=None,
                full_member_date=None)
    f = do_open_file(person=p, application_date=dt.date(2021, 3, 1))
    for step in PATH[:PATH.index("oath") + 1]:
        record_next(f, step, tree, people)
    c = client_as(users.secretary_a)
    detail = reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})
    assert "取消预备党员资格" in c.get(detail).content.decode()
    url = reverse("recruitment:recruitment_cancel", kwargs={"pk": f.pk})
    appr = RecruitmentEvent.objects.get(file=f, step="approval").date
    day = (appr + dt.timedelta(days=100)).isoformat()
    form = {"vote_date": day, "eligible": 10, "present": 5, "yes": 5, "approver": tree.committee.pk,
            "approved_on": day, "reason": "严重违纪"}
    r = c.post(url, form)
    assert r.status_code == 200 and "DEV-23" in r.content.decode() and "严重违纪" in r.content.decode()
    assert c.post(url, dict(form, present=7, yes=7)).status_code == 302
    assert "已结束：取消预备党员资格" in c.get(detail).content.decode()
    assert client_as(users.secretary_b).get(url).status_code == 404


def test_the_person_page_leads_to_the_file(client_as, users, applicant):
    c = client_as(users.secretary_a)
    url = reverse("people:person_detail", kwargs={"pk": applicant.pk})
    assert "建立发展党员纪实" in c.get(url).content.decode()
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1))
    page = c.get(url).content.decode()
    assert reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk}) in page and "建立发展党员纪实" not in page
