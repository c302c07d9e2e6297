"""已发布的考试和已开始的答卷不受题库改动影响: 开考时每题的题型、选项、答案、知识点、解析和材料随答卷保存，评分和显示都用
这份记录；题库再导入时，已用于已发布考试或已有人作答的题不能改答案、题型和选项（整份文件不导入，写明第几行哪一列）；
随机抽题不够时给出中文说明（发布时就检查）；导入更新试题写入操作记录，列明改了哪些题的哪些项。"""
import pytest
import time_machine

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.exams import actions
from dangjian.exams.models import Answer, Question

from .conftest import NOW, exam_of
from .test_import import row, xlsx


def test_an_attempt_is_graded_and_shown_from_what_it_was_given_at_the_start(exam, people):
    with time_machine.travel(NOW, tick=False):
        a = actions.do_start_attempt(exam, people.member_a)
        qid = Question.objects.get(stem="单选一").pk
        actions.do_save_answer(a, qid, "B")
        Question.objects.filter(pk=qid).update(answer="C", topic="改过的知识点", options=["子", "丑", "寅"])
        actions.do_submit(a)
    ans = Answer.objects.get(attempt=a, question_id=qid)
    assert (ans.correct, ans.key, ans.topic, ans.options) == (True, "B", "党章", ["甲", "乙", "丙", "丁"])


@pytest.mark.parametrize("changed, column", [
    (row("单选", "单选一", answer="C"), "第2行“答案”列"),
    (row("单选", "单选一", options=("甲", "乙", "丙", "戊"), answer="B"), "第2行“选项D”列"),
    (row("多选", "单选一", answer="BC"), "第2行“题型”列"),
])
def test_reimport_cannot_change_a_question_of_a_published_exam(users, bank, exam, changed, column):
    with pytest.raises(ActionError, match=column):
        actions.do_import_questions(bank, xlsx(changed), acting_user=users.committee_admin)
    q = Question.objects.get(bank=bank, stem="单选一")
    assert (q.kind, q.answer, q.options) == ("single", "B", ["甲", "乙", "丙", "丁"])


def test_reimport_may_still_correct_the_material_and_records_what_changed(users, bank, exam):
    f = xlsx(row("单选", "单选一", answer="B", material="《党章》第二章"), row("单选", "党章题2", answer="C"))
    assert actions.do_import_questions(bank, f, acting_user=users.committee_admin) == (0, 2)
    ev = AuditEvent.objects.filter(verb="exams.import").latest("pk")
    assert ev.data["changes"] == [{"stem": "单选一", "fields": ["推荐学习材料"]},
                                  {"stem": "党章题2", "fields": ["答案"]}]
    assert "单选一" in ev.summary


def test_a_random_paper_short_of_questions_is_refused_at_publish_not_a_crash(tree, users, people, bank):
    p = actions.do_create_paper(org=tree.committee, bank=bank, title="随机卷", mode="random", points_each=10,
                                pass_mark=10, draw={"党费": 5}, acting_user=users.committee_admin)
    Question.objects.filter(bank=bank, stem="党费题2").update(topic="其他")
    with pytest.raises(ActionError, match="知识点“党费”只有4题"):
        actions.draw(p, 7)
    with pytest.raises(ActionError, match="只有4题"):
        exam_of(tree, users, p)
