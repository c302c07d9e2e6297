"""成绩保密，不排名: an attempt is seen by the person and by their own branch's secretary; member_a does not see
secretary_a's attempt; the 机关党委 (committee_admin) gets 404 on an individual attempt but sees per-branch
aggregates; the outsider (secretary_b) gets 404. Small branches show counts only to the levels above."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from conftest import _person
from dangjian.exams import actions

from .conftest import NOW


def _taken(exam, person, given, at=NOW):
    with time_machine.travel(at, tick=False):
        a = actions.do_start_attempt(exam, person)
        ids = {x.question.stem: x.question_id for x in a.answers.select_related("question")}
        for stem, value in given.items():
            actions.do_save_answer(a, ids[stem], value)
        return actions.do_submit(a)


ALL_RIGHT = {"单选一": "B", "多选一": "ACD", "判断一": "A"}
WEAK_MULTI = {"单选一": "B", "多选一": "AC", "判断一": "A"}


@pytest.fixture
def taken(exam, people):
    return {"member_a": _taken(exam, people.member_a, WEAK_MULTI),
            "secretary_a": _taken(exam, people.secretary_a, ALL_RIGHT)}


def _url(a):
    return reverse("exams:attempt_detail", kwargs={"pk": a.pk})


def test_the_member_sees_their_own_result_and_weak_topic_with_material_after_the_close(client_as, users, taken):
    with time_machine.travel(NOW + dt.timedelta(days=4), tick=False):
        r = client_as(users.member_a).get(_url(taken["member_a"]))
    body = r.content.decode()
    assert r.status_code == 200 and "2<span" in body and "支部工作条例" in body and "《支部工作条例》第九条" in body


def test_a_member_cannot_see_another_members_attempt(client_as, users, taken):
    assert client_as(users.member_a).get(_url(taken["secretary_a"])).status_code == 404


def test_the_branch_secretary_sees_the_members_of_the_branch(client_as, users, taken, exam):
    c = client_as(users.secretary_a)
    assert c.get(_url(taken["member_a"])).status_code == 200
    body = c.get(reverse("exams:exam_results", kwargs={"pk": exam.pk})).content.decode()
    assert "本支部党员成绩" in body and "李红梅" in body


def test_upper_levels_get_404_on_an_individual_attempt_but_see_aggregates(client_as, users, taken, exam, tree):
    for who in (users.committee_admin, users.wc_admin):
        c = client_as(who)
        assert c.get(_url(taken["member_a"])).status_code == 404
        assert c.get(reverse("attempt-detail", kwargs={"pk": taken["member_a"].pk})).status_code == 404
        body = c.get(reverse("exams:exam_results", kwargs={"pk": exam.pk})).content.decode()
        assert "第一党支部" in body and "2/2" in body         # participation of A
        assert "李红梅" not in body and "王建国" not in body   # no individual anywhere


def test_the_outsider_gets_404(client_as, users, taken):
    c = client_as(users.secretary_b)
    assert c.get(_url(taken["member_a"])).status_code == 404
    assert c.post(reverse("exams:attempt_answer", kwargs={"pk": taken["member_a"].pk}),
                  {"question": "1", "given": "A"}).status_code == 404


def test_small_branches_show_counts_only_above_and_enough_people_show_averages(client_as, users, taken, exam, tree):
    from dangjian.exams.views import exam_aggregates

    agg = exam_aggregates(exam, users.committee_admin)
    (row_a,) = [r for r in agg["rows"] if r["org"] == tree.a]
    assert (row_a["taken"], row_a["avg"], row_a["pass_rate"]) == (2, None, None)   # 2 < exam_aggregate_min (3)
    third = _person(tree.a, "周敏")
    _taken(exam, third, WEAK_MULTI)
    with time_machine.travel(NOW + dt.timedelta(days=4), tick=False):     # (topics: after the close)
        agg = exam_aggregates(exam, users.committee_admin)
    (row_a,) = [r for r in agg["rows"] if r["org"] == tree.a]
    assert (row_a["graded"], round(row_a["avg"], 2), row_a["pass_rate"]) == (3, 2.33, 100)
    assert [w["topic"] for w in row_a["weak"]] == ["支部工作条例"]        # 1 of 3 right: 33% < 60%
    (row_b,) = [r for r in agg["rows"] if r["org"] == tree.b]
    assert (row_b["expected"], row_b["taken"]) == (2, 0)


def test_the_results_page_takes_a_constant_number_of_queries(client_as, users, exam, tree, django_assert_max_num_queries):
    for n in range(8):
        _taken(exam, _person(tree.a if n % 2 else tree.b, f"党员{n}"), WEAK_MULTI if n % 3 else ALL_RIGHT)
    c = client_as(users.secretary_a)
    url = reverse("exams:exam_results", kwargs={"pk": exam.pk})
    c.get(url)
    with django_assert_max_num_queries(30):
        assert c.get(url).status_code == 200
    with django_assert_max_num_queries(30):
        assert client_as(users.committee_admin).get(url).status_code == 200


def test_the_member_takes_the_exam_through_the_pages(client, users, exam, people):
    client.force_login(users.member_a)
    with time_machine.travel(NOW, tick=False):
        assert "应知应会测试" in client.get(reverse("exams:mine")).content.decode()
        r = client.post(reverse("exams:exam_take", kwargs={"pk": exam.pk}))
        attempt = people.member_a.exam_attempts.get()
        assert r.url == _url(attempt)
        assert "countdown" in client.get(r.url).content.decode()
        ids = {x.question.stem: x.question_id for x in attempt.answers.select_related("question")}
        ok = client.post(reverse("exams:attempt_answer", kwargs={"pk": attempt.pk}), {"question": ids["单选一"], "given": "B"})
        assert ok.json()["saved"] is True
        client.post(reverse("exams:attempt_submit", kwargs={"pk": attempt.pk}),
                    {f"q_{ids['多选一']}": ["A", "C", "D"]})
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (2, True)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        late = client.post(reverse("exams:attempt_answer", kwargs={"pk": attempt.pk}), {"question": ids["判断一"], "given": "A"})
    assert late.status_code == 400 and "已交卷" in late.json()["detail"]


def test_the_api_answers_and_submits_for_the_person_only(client, users, exam, people):
    client.force_login(users.member_a)
    with time_machine.travel(NOW, tick=False):
        a = client.post(reverse("exam-start", kwargs={"pk": exam.pk})).json()
        assert all(x["answer"] is None for x in a["answers"])        # no answers while the exam is open
        q = next(x["question"] for x in a["answers"] if x["stem"] == "单选一")
        assert client.post(reverse("attempt-answer", kwargs={"pk": a["id"]}), {"question": q, "given": ["B"]},
                           content_type="application/json").json()["saved"] is True
        done = client.post(reverse("attempt-submit", kwargs={"pk": a["id"]})).json()
    assert done["score"] == 1 and done["passed"] is False
    client.force_login(users.secretary_a)
    assert client.get(reverse("attempt-list")).json()["count"] == 1   # their branch's member
    client.force_login(users.committee_admin)
    assert client.get(reverse("attempt-list")).json()["count"] == 0
    assert client.get(reverse("exam-detail", kwargs={"pk": exam.pk})).status_code == 200


def test_admin_pages_render(client_as, users, exam, bank, fixed_paper):
    c = client_as(users.committee_admin)
    for url in (reverse("exams:questionbank_list"), reverse("exams:questionbank_detail", kwargs={"pk": bank.pk}),
                reverse("exams:paper_list"), reverse("exams:paper_detail", kwargs={"pk": fixed_paper.pk}),
                reverse("exams:exam_list")):
        assert c.get(url).status_code == 200, url
    assert "答案：B" in c.get(reverse("exams:questionbank_detail", kwargs={"pk": bank.pk})).content.decode()
    # the branch sees the committee's bank and paper (to use them) — stems, options and topics, not the key (its
    # secretary may take the committee's exams) — and does not change them
    r = client_as(users.secretary_a).get(reverse("exams:questionbank_detail", kwargs={"pk": bank.pk}))
    assert r.status_code == 200 and "单选一" in r.content.decode() and "答案：" not in r.content.decode()


def test_the_exam_page_gets_its_times_as_epoch_milliseconds(client, users, exam, people):
    import json
    import re

    with time_machine.travel(NOW, tick=False):
        a = actions.do_start_attempt(exam, people.member_a)
        client.force_login(users.member_a)
        body = client.get(_url(a)).content.decode()
    config = json.loads(re.search(r'id="exam-config"[^>]*>(.*?)</script>', body).group(1))
    assert config["deadlineMs"] == int(a.deadline.timestamp() * 1000) and config["nowMs"] == int(NOW.timestamp() * 1000)


def test_a_member_is_sent_from_the_admin_lists_to_my_exams(people, users, client):
    """题库 and 试卷 are the admins' pages; a member without a role lands on 我的考试 (no admin tabs for them)."""
    from django.urls import reverse

    client.force_login(users.member_a)
    for name in ("exams:questionbank_list", "exams:paper_list", "exams:exam_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("exams:mine"), name
