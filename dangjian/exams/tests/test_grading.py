"""自动评分与限时: 单选、判断与答案一致得分；多选须与全部正确选项完全一致（少选一项即不得分，不设部分分）；
达到及格分即及格，少一分不及格。截止时间由服务器掌握：答题时长与考试截止时间取早者，截止那一秒的答案有效，
晚一秒被拒绝；过了截止时间未交卷的答卷，下次读取时自动评分。每人每场考试只有一份答卷。"""
import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from dangjian.core.errors import ActionError
from dangjian.exams import actions
from dangjian.exams.models import Answer, Attempt

from .conftest import NOW, exam_of


def _start(exam, person, at=NOW):
    with time_machine.travel(at, tick=False):
        return actions.do_start_attempt(exam, person)


def _answer_all(attempt, given: dict, at=NOW):
    ids = {a.question.stem: a.question_id for a in attempt.answers.select_related("question")}
    for stem, value in given.items():
        actions.do_save_answer(attempt, ids[stem], value, now=at)


def _submit(attempt, at=NOW):
    with time_machine.travel(at, tick=False):
        return actions.do_submit(attempt)


def test_exactly_the_pass_mark_passes(exam, people):
    a = _start(exam, people.member_a)
    _answer_all(a, {"单选一": "B", "多选一": "ACD", "判断一": "B"})    # two right of three, pass mark 2
    a = _submit(a)
    assert (a.score, a.max_score, a.passed) == (2, 3, True)


def test_one_point_below_the_pass_mark_fails(exam, people):
    a = _start(exam, people.member_a)
    _answer_all(a, {"单选一": "B", "多选一": "AC", "判断一": "B"})     # 多选 one option short: wrong
    a = _submit(a)
    assert (a.score, a.passed) == (1, False)


@pytest.mark.parametrize("given, right", [("ACD", True), (["D", "A", "C"], True), ("AC", False), ("ACDB", False),
                                          ("", False), ("BCD", False)])
def test_multiple_choice_is_all_or_nothing(exam, people, given, right):
    a = _start(exam, people.member_a)
    _answer_all(a, {"多选一": given})
    _submit(a)
    assert Answer.objects.get(attempt=a, question__stem="多选一").correct is right


def test_single_choice_takes_one_option_only(exam, people):
    a = _start(exam, people.member_a)
    with pytest.raises(ActionError, match="只能选一项"):
        _answer_all(a, {"单选一": "AB"})


def test_an_answer_at_the_deadline_second_counts_one_second_later_is_refused(exam, people):
    a = _start(exam, people.member_a)
    assert a.deadline == NOW + dt.timedelta(minutes=30)
    _answer_all(a, {"单选一": "B"}, at=a.deadline)
    with pytest.raises(ActionError, match="截止"):
        _answer_all(a, {"判断一": "A"}, at=a.deadline + dt.timedelta(seconds=1))
    assert dict(a.answers.values_list("question__stem", "given")) == {"单选一": "B", "多选一": "", "判断一": ""}


def test_the_window_end_cuts_the_duration_short(tree, users, people, fixed_paper):
    exam = exam_of(tree, users, fixed_paper, closes=NOW + dt.timedelta(minutes=10))
    a = _start(exam, people.member_a)
    assert a.deadline == NOW + dt.timedelta(minutes=10)          # not start + 30 minutes
    with pytest.raises(ActionError):
        _answer_all(a, {"单选一": "B"}, at=NOW + dt.timedelta(minutes=10, seconds=1))


def test_an_open_attempt_past_its_deadline_is_graded_on_the_next_read(exam, people):
    a = _start(exam, people.member_a)
    _answer_all(a, {"单选一": "B", "多选一": "ACD"})
    assert actions.finalize_overdue(now=a.deadline) == 0              # still within time
    assert actions.finalize_overdue(now=a.deadline + dt.timedelta(seconds=1)) == 1
    a.refresh_from_db()
    assert (a.score, a.passed, a.auto_submitted, a.submitted_at) == (2, True, True, a.deadline)


def test_one_attempt_per_person(exam, people):
    first = _start(exam, people.member_a)
    assert _start(exam, people.member_a, at=NOW + dt.timedelta(minutes=5)) == first    # (a second tap)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(exam=exam, person=people.member_a, branch=first.branch, started_at=NOW, deadline=NOW)


def test_a_submitted_attempt_cannot_be_changed(exam, people):
    a = _submit(_start(exam, people.member_a))
    with pytest.raises(ActionError, match="已交卷"):
        _answer_all(a, {"单选一": "B"})


def test_only_members_of_the_target_take_it(tree, users, people, fixed_paper):
    exam = exam_of(tree, users, fixed_paper, target=tree.a)
    with pytest.raises(ActionError, match="参考范围"):
        _start(exam, people.member_b)
    assert _start(exam, people.member_a).branch == tree.a


def test_before_the_window_opens_nobody_starts(tree, users, people, fixed_paper):
    exam = exam_of(tree, users, fixed_paper, opens=NOW + dt.timedelta(hours=2))
    with pytest.raises(ActionError, match="将于"):
        _start(exam, people.member_a)


def test_a_random_paper_is_reproducible_from_the_seed_and_keeps_the_counts_per_topic(tree, users, people, bank):
    p = actions.do_create_paper(org=tree.committee, bank=bank, title="随机卷", mode="random", points_each=10,
                                pass_mark=30, draw={"党章": 3, "党费": 2}, acting_user=users.committee_admin)
    assert p.size == 5 and p.max_score == 50
    exam = exam_of(tree, users, p)
    a = _start(exam, people.member_a)
    drawn = list(a.answers.order_by("order").values_list("question_id", flat=True))
    assert actions.draw(p, a.seed) == drawn
    topics = sorted(a.answers.values_list("question__topic", flat=True))
    assert topics == ["党章", "党章", "党章", "党费", "党费"]
    assert {tuple(actions.draw(p, s)) for s in range(1, 30)} != {tuple(drawn)}      # seeds differ, draws differ


def test_a_random_paper_cannot_ask_for_more_than_the_bank_has(tree, users, bank):
    with pytest.raises(ActionError, match="只有5题"):
        actions.do_create_paper(org=tree.committee, bank=bank, title="随机卷", mode="random", pass_mark=1,
                                draw={"党章": 6}, acting_user=users.committee_admin)


def test_a_branch_uses_the_committees_bank_but_not_a_siblings(tree, users, bank):
    p = actions.do_create_paper(org=tree.a, bank=bank, title="支部卷", mode="random", question_count=3, pass_mark=1,
                                acting_user=users.secretary_a)
    assert p.bank == bank
    own = actions.do_create_bank(org=tree.a, name="支部题库", acting_user=users.secretary_a)
    with pytest.raises(ActionError):
        actions.do_create_paper(org=tree.b, bank=own, title="B卷", question_count=1, mode="random", pass_mark=1,
                                acting_user=users.secretary_b)
