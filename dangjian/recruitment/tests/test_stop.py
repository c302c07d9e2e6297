"""停止培养 and 预计离开本单位 as the secretary of branch A uses them: a file ends before admission (the
branch committee's decision, the person's withdrawal, or no approval above), the person is 入党申请人
again and the file's deadline rules fall silent; after an approval the way out is 取消预备党员资格
instead. The secretary of sibling branch B gets 404; a member of A cannot do either."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.people.models import Person
from dangjian.recruitment.actions import do_open_file, do_record_step, do_set_planned_leave, do_stop_cultivation
from dangjian.recruitment.models import RecruitmentFile

from .test_workflow import PATH, applicant, record_next  # noqa: F401  (fixture)

JSON = "application/json"


def _activist(tree, people, applicant):
    f = do_open_file(person=applicant, application_date=dt.date(2021, 3, 1))
    for step in PATH[:PATH.index("activist_review") + 1]:
        record_next(f, step, tree, people)
    return f


def test_the_branch_committee_stops_an_activists_cultivation(tree, people, applicant):
    f = _activist(tree, people, applicant)
    assert Person.objects.get(pk=applicant.pk).status == "activist"
    with pytest.raises(ActionError, match="理由"):
        do_stop_cultivation(f, on=dt.date(2022, 3, 1), basis="committee", reason=" ")
    with pytest.raises(ActionError, match="最后一个已登记环节"):
        do_stop_cultivation(f, on=dt.date(2021, 2, 28), basis="committee", reason="不具备条件")
    with pytest.raises(ActionError, match="支部大会"):
        do_stop_cultivation(f, on=dt.date(2022, 3, 1), basis="not_approved", reason="未批准")
    do_stop_cultivation(f, on=dt.date(2022, 3, 1), basis="committee", reason="两次考察认为不具备条件")
    f.refresh_from_db()
    assert f.closed == dt.date(2022, 3, 1) and "停止培养（支部委员会研究决定" in f.closed_reason
    assert Person.objects.get(pk=applicant.pk).status == "applicant"
    assert AuditEvent.objects.filter(verb="recruitment.stop", object_id=str(f.pk)).exists()
    # Nothing is pending: no half-year review is expected of a stopped file (DEV-06), years later.
    ctx = engine.Context(as_of=dt.date(2024, 1, 1), settings=engine.effective_settings())
    assert [h for _, h in engine.evaluate(ctx, ["DEV-06", "DEV-08"])] == []
    with pytest.raises(ActionError, match="已结束"):
        do_record_step(f, "activist_review", dt.date(2022, 6, 1))
    with pytest.raises(ActionError, match="已结束"):
        do_stop_cultivation(f, on=dt.date(2022, 3, 2), basis="withdrawn", reason="再次")
    # The application stays on record; a new file may be opened.
    assert do_open_file(person=applicant, application_date=dt.date(2023, 3, 1)).pk != f.pk


def test_a_probationary_member_is_not_stopped_but_cancelled(tree, people, applicant):
    f = _activist(tree, people, applicant)
    for step in PATH[PATH.index("activist_review") + 1:PATH.index("approval") + 1]:
        record_next(f, step, tree, people)
    with pytest.raises(ActionError, match="取消预备党员资格"):
        do_stop_cultivation(f, on=dt.date.today(), basis="committee", reason="x")


def test_the_stop_page_keeps_what_was_typed_and_ends_the_file(client_as, users, tree, people, applicant):
    f = _activist(tree, people, applicant)
    c = client_as(users.secretary_a)
    detail = reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})
    assert "停止培养" in c.get(detail).content.decode()
    url = reverse("recruitment:recruitment_stop", kwargs={"pk": f.pk})
    r = c.post(url, {"on": "2021-02-28", "basis": "committee", "reason": "不具备条件，暂缓"})
    assert r.status_code == 200 and "不具备条件，暂缓" in r.content.decode() and "最后一个已登记环节" in r.content.decode()
    r = c.post(url, {"on": "2022-03-01", "basis": "withdrawn", "reason": "本人书面申请撤回"})
    assert r.status_code == 302
    page = c.get(detail).content.decode()
    assert "已结束：停止培养（本人申请撤回入党申请）" in page and "登记环节" not in page
    assert client_as(users.secretary_b).get(url).status_code == 404


def test_the_api_stops_within_scope(client_as, users, tree, people, applicant):
    f = _activist(tree, people, applicant)
    assert client_as(users.secretary_b).post(f"/api/recruitment/{f.pk}/stop/", {}, content_type=JSON).status_code == 404
    assert client_as(users.member_a).post(f"/api/recruitment/{f.pk}/stop/", {"on": "2022-03-01", "basis": "committee",
                                                                            "reason": "x"},
                                          content_type=JSON).status_code in (403, 404)
    api = client_as(users.secretary_a)
    refused = api.post(f"/api/recruitment/{f.pk}/stop/", {"on": "2022-03-01", "basis": "not_approved", "reason": "x"},
                       content_type=JSON)
    assert refused.status_code == 400 and "支部大会" in refused.json()["detail"]
    r = api.post(f"/api/recruitment/{f.pk}/stop/", {"on": "2022-03-01", "basis": "committee", "reason": "不具备条件"},
                 content_type=JSON)
    assert r.status_code == 200 and r.json()["closed"] == "2022-03-01" and r.json()["next_steps"] == []


def test_a_planned_leave_is_recorded_with_history_and_judged(client_as, users, tree, people, applicant):
    """DEV-13: 发展对象未来三个月内将离开工作、学习单位的，一般不办理接收手续 — recorded on the file page
    (or the API), audited, and judged: within three months of today a reminder."""
    f = _activist(tree, people, applicant)
    for step in PATH[PATH.index("activist_review") + 1:PATH.index("candidate") + 1]:
        record_next(f, step, tree, people)
    today = dt.date.today()
    url = reverse("recruitment:recruitment_planned_leave", kwargs={"pk": f.pk})
    assert client_as(users.secretary_b).post(url, {"planned_leave": "2030-01-01"}).status_code == 404
    c = client_as(users.secretary_a)
    # Refused (before the application): the page comes back with the date typed and the reason.
    page = c.post(url, {"planned_leave": "2020-01-01"}, follow=True).content.decode()
    assert 'value="2020-01-01"' in page and "不能早于递交入党申请书的日期" in page
    assert RecruitmentFile.objects.get(pk=f.pk).planned_leave is None
    assert c.post(url, {"planned_leave": (today + dt.timedelta(days=30)).isoformat()}).status_code == 302
    assert RecruitmentFile.objects.get(pk=f.pk).planned_leave == today + dt.timedelta(days=30)
    ctx = lambda: engine.Context(as_of=today, settings=engine.effective_settings())  # noqa: E731
    (hit,) = [h for _, h in engine.evaluate(ctx(), ["DEV-13"])]
    assert hit.severity == "WARN" and "一般不办理接收手续" in hit.message
    r = client_as(users.secretary_a).post(f"/api/recruitment/{f.pk}/planned-leave/", {"planned_leave": None},
                                          content_type=JSON)
    assert r.status_code == 200 and r.json()["planned_leave"] is None
    assert [h for _, h in engine.evaluate(ctx(), ["DEV-13"])] == []
    assert AuditEvent.objects.filter(verb="recruitment.planned_leave").count() == 2
    do_stop_cultivation(f, on=today, basis="withdrawn", reason="本人撤回")
    with pytest.raises(ActionError, match="已结束"):
        do_set_planned_leave(f, planned_leave=today)
