"""正确答案保密: 题库的答案、解析和推荐材料只给题库所属党组织的管理员看；下级党组织（用这个题库组卷、也可能参加上级考试的
支部书记）只看到题干、选项和知识点。考试截止前，答卷只显示总分和是否及格：不显示每题对错、作答、薄弱知识点和材料（页面和 API
一样）。一道题还在某场进行中的考试里、而看的人正是这场考试的考生时，即使另一场考试已截止，也不显示它的答案。"""
import datetime as dt

import time_machine
from django.urls import reverse

from dangjian.exams import actions
from dangjian.exams.models import Question

from .conftest import NOW, exam_of
from .test_views import WEAK_MULTI, _taken

OPEN = NOW + dt.timedelta(hours=1)          # the committee's exam closes at NOW + 3 days
CLOSED = NOW + dt.timedelta(days=4)


def _bank_page(c, bank):
    r = c.get(reverse("exams:questionbank_detail", kwargs={"pk": bank.pk}))
    assert r.status_code == 200
    return r.content.decode()


def _result(client, user, attempt, at):
    with time_machine.travel(at, tick=False):
        client.force_login(user)          # (logged in at that time: sessions expire)
        r = client.get(reverse("exams:attempt_detail", kwargs={"pk": attempt.pk}))
    assert r.status_code == 200
    return r.content.decode()


def test_the_owner_admin_sees_the_key_explanation_and_material(client_as, users, bank):
    Question.objects.filter(bank=bank, stem="单选一").update(explanation="党章第十条规定。")
    body = _bank_page(client_as(users.committee_admin), bank)
    assert "答案：B" in body and "党章第十条规定。" in body and "《党章》总纲" in body


def test_a_lower_level_secretary_sees_stems_options_and_topics_but_no_key(client_as, users, bank):
    Question.objects.filter(bank=bank, stem="单选一").update(explanation="党章第十条规定。")
    body = _bank_page(client_as(users.secretary_a), bank)
    assert "单选一" in body and "甲" in body and "支部工作条例" in body
    assert "答案：" not in body and "党章第十条规定。" not in body and "《党章》总纲" not in body


def test_before_the_close_the_result_shows_only_the_score_and_pass(client, users, people, exam):
    a = _taken(exam, people.member_a, WEAK_MULTI)
    body = _result(client, users.member_a, a, OPEN)
    assert "2<span" in body and "及格" in body
    assert "bi-check-circle" not in body and "bi-x-circle" not in body and "作答：" not in body
    assert "答对" not in body and "weak-topics" not in body and "《支部工作条例》第九条" not in body
    body = _result(client, users.member_a, a, CLOSED)
    assert "bi-x-circle" in body and "作答：AC" in body and "正确答案：ACD" in body
    assert "《支部工作条例》第九条" in body


def test_the_secretary_reading_a_members_result_before_the_close_sees_no_right_or_wrong(client, users, people, exam):
    a = _taken(exam, people.member_a, WEAK_MULTI)
    body = _result(client, users.secretary_a, a, OPEN)
    assert "2<span" in body and "bi-x-circle" not in body and "作答：" not in body


def test_the_api_gives_no_right_or_wrong_before_the_close(client, users, people, exam):
    a = _taken(exam, people.member_a, WEAK_MULTI)
    client.force_login(users.member_a)
    url = reverse("attempt-detail", kwargs={"pk": a.pk})
    with time_machine.travel(OPEN, tick=False):
        data = client.get(url).json()
    assert data["score"] == 2 and [x["correct"] for x in data["answers"]] == [None, None, None]
    assert all(x["answer"] is None for x in data["answers"])
    with time_machine.travel(CLOSED, tick=False):
        client.force_login(users.member_a)
        data = client.get(url).json()
    assert sorted(str(x["correct"]) for x in data["answers"]) == ["False", "True", "True"]


def test_my_weak_topics_come_from_closed_exams_only(client, users, people, exam):
    _taken(exam, people.member_a, WEAK_MULTI)
    with time_machine.travel(OPEN, tick=False):
        client.force_login(users.member_a)
        body = client.get(reverse("exams:mine")).content.decode()
    assert "应知应会测试" in body and "《支部工作条例》第九条" not in body
    with time_machine.travel(CLOSED, tick=False):
        client.force_login(users.member_a)
        body = client.get(reverse("exams:mine")).content.decode()
    assert "《支部工作条例》第九条" in body


def test_a_closed_exam_does_not_reveal_keys_still_in_an_exam_open_to_the_viewer(client, tree, users, people, bank, exam):
    # secretary_a puts a question of the committee's open exam into a short exam of the branch, takes it, and
    # reads the result when the branch exam has closed: that key stays hidden while the committee's exam runs
    qs = {x.stem: x for x in bank.questions.all()}
    p = actions.do_create_paper(org=tree.a, bank=bank, title="支部卷", points_each=1, pass_mark=1,
                                acting_user=users.secretary_a)
    actions.do_set_paper_questions(p, [qs["单选一"], qs["党章题2"]], acting_user=users.secretary_a)
    short = exam_of(tree, users, p, org=tree.a, closes=NOW + dt.timedelta(minutes=20))
    a = _taken(short, people.secretary_a, {"单选一": "A", "党章题2": "B"})
    body = _result(client, users.secretary_a, a, OPEN)
    assert "正确答案：A" in body                 # 党章题2 is in no open exam
    assert "正确答案：B" not in body and "考试进行中" in body
    client.force_login(users.secretary_a)
    with time_machine.travel(OPEN, tick=False):
        data = client.get(reverse("attempt-detail", kwargs={"pk": a.pk})).json()
    assert {x["stem"]: x["answer"] for x in data["answers"]} == {"单选一": None, "党章题2": "A"}
    assert _result(client, users.secretary_a, a, CLOSED).count("正确答案：") == 2
