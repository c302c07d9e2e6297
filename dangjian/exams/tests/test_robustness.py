"""坏输入不出 500: 超大编号、NUL 字符得到中文错误或被忽略；不存在的选项字母被拒绝（原答案保留）；满分有上限；
试卷列表 API 的查询数不随试卷数增加。"""
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.exams import actions
from dangjian.exams.models import Question

from .conftest import NOW

HUGE = str(2**63)


@pytest.fixture
def started(exam, people):
    with time_machine.travel(NOW, tick=False):
        return actions.do_start_attempt(exam, people.member_a)


def _qid(attempt, stem):
    return attempt.answers.get(question__stem=stem).question_id


def test_an_oversized_question_number_is_a_plain_refusal(client_as, users, started):
    c = client_as(users.member_a)
    with time_machine.travel(NOW, tick=False):
        r = c.post(reverse("exams:attempt_answer", kwargs={"pk": started.pk}), {"question": HUGE, "given": "A"})
        assert r.status_code == 400 and "题" in r.json()["detail"]
        r = c.post(reverse("exams:attempt_submit", kwargs={"pk": started.pk}), {f"q_{HUGE}": "A", f"q_{2**70}": "B"})
        assert r.status_code == 302
        api = c.post(reverse("attempt-answer", kwargs={"pk": started.pk}), {"question": int(HUGE), "given": ["A"]},
                     content_type="application/json")
    assert api.status_code == 400


def test_an_oversized_question_number_on_the_paper_page_is_ignored(client_as, users, tree, bank):
    p = actions.do_create_paper(org=tree.committee, bank=bank, title="卷", points_each=1, pass_mark=1,
                                acting_user=users.committee_admin)
    one = bank.questions.first()
    r = client_as(users.committee_admin).post(reverse("exams:paper_detail", kwargs={"pk": p.pk}),
                                              {"form": "questions", "questions": [HUGE, str(one.pk)]})
    assert r.status_code == 302 and list(p.items.values_list("question_id", flat=True)) == [one.pk]


def test_a_nul_in_the_topic_filter_is_dropped(client_as, users, bank):
    r = client_as(users.committee_admin).get(reverse("exams:questionbank_detail", kwargs={"pk": bank.pk}) + "?topic=党费%00")
    assert r.status_code == 200 and "党费题2" in r.content.decode() and "党章题2" not in r.content.decode()


def test_a_letter_that_is_not_an_option_is_refused_and_keeps_the_saved_answer(client_as, users, started):
    qid = _qid(started, "单选一")
    with time_machine.travel(NOW, tick=False):
        actions.do_save_answer(started, qid, "B")
        with pytest.raises(ActionError, match="所选选项不存在"):
            actions.do_save_answer(started, qid, ["Z"])
        with pytest.raises(ActionError, match="所选选项不存在"):
            actions.do_save_answer(started, qid, ["B", "?"])
        r = client_as(users.member_a).post(reverse("exams:attempt_answer", kwargs={"pk": started.pk}),
                                           {"question": qid, "given": "BB"})
        api = client_as(users.member_a).post(reverse("attempt-answer", kwargs={"pk": started.pk}),
                                             {"question": qid, "given": ["X"]}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"] == "所选选项不存在。"
    assert api.status_code == 400 and "所选选项不存在" in api.content.decode()
    assert started.answers.get(question_id=qid).given == "B"


def test_the_full_mark_has_a_ceiling(tree, users, bank):
    many = [Question(bank=bank, kind="judge", stem=f"判断{n}", options=["正确", "错误"], answer="A", topic="党章")
            for n in range(120)]
    for q in many:
        q.save()
    with pytest.raises(ActionError, match="满分（120题×100分=12000分）不能超过10000分"):
        actions.do_create_paper(org=tree.committee, bank=bank, title="随机卷", mode="random", question_count=120,
                                points_each=100, pass_mark=1, acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="每题分值不能超过100分"):
        actions.do_create_paper(org=tree.committee, bank=bank, title="随机卷", mode="random", question_count=10,
                                points_each=5000, pass_mark=1, acting_user=users.committee_admin)
    p = actions.do_create_paper(org=tree.committee, bank=bank, title="固定卷", points_each=100, pass_mark=1,
                                acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="满分"):
        actions.do_set_paper_questions(p, many, acting_user=users.committee_admin)


def test_the_paper_list_api_takes_the_same_queries_for_one_paper_or_ten(client_as, users, tree, bank):
    c = client_as(users.committee_admin)
    qs = list(bank.questions.all()[:3])

    def make(n):
        for i in range(n):
            p = actions.do_create_paper(org=tree.committee, bank=bank, title=f"卷{i}", points_each=1, pass_mark=1,
                                        acting_user=users.committee_admin)
            actions.do_set_paper_questions(p, qs, acting_user=users.committee_admin)

    make(1)
    c.get(reverse("paper-list"))
    with CaptureQueriesContext(connection) as one:
        data = c.get(reverse("paper-list")).json()
    assert data["results"][0]["size"] == 3 and data["results"][0]["max_score"] == 3
    make(9)
    with CaptureQueriesContext(connection) as ten:
        assert c.get(reverse("paper-list")).json()["count"] == 10
    assert len(ten) == len(one)
