"""Helpers for the exam tests: a bank of the 机关党委 with questions on three 知识点, papers and a published exam."""
import datetime as dt

import pytest
from django.utils import timezone

from dangjian.exams import actions
from dangjian.exams.models import Question

NOW = timezone.make_aware(dt.datetime(2026, 11, 26, 9, 0))


def q(bank, stem, kind="single", answer="A", topic="党章", options=None, material=""):
    if options is None:
        options = ["正确", "错误"] if kind == "judge" else ["甲", "乙", "丙", "丁"]
    return Question.objects.create(bank=bank, kind=kind, stem=stem, options=options, answer=answer, topic=topic,
                                   material=material)


@pytest.fixture
def bank(tree, users):
    b = actions.do_create_bank(org=tree.committee, name="应知应会题库", acting_user=users.committee_admin)
    q(b, "单选一", answer="B", topic="党章", material="《党章》总纲")
    q(b, "多选一", kind="multiple", answer="ACD", topic="支部工作条例", material="《支部工作条例》第九条")
    q(b, "判断一", kind="judge", answer="A", topic="党费")
    for n in range(2, 6):
        q(b, f"党章题{n}", topic="党章")
        q(b, f"党费题{n}", topic="党费")
    return b


def exam_of(tree, users, paper, *, target=None, opens=None, closes=None, org=None):
    org = org or tree.committee
    admin = users.committee_admin if org == tree.committee else users.secretary_a
    e = actions.do_create_exam(org=org, paper=paper, target=target or org, title="应知应会测试",
                               opens_at=opens or NOW - dt.timedelta(hours=1),
                               closes_at=closes or NOW + dt.timedelta(days=3), acting_user=admin)
    import time_machine

    with time_machine.travel(NOW - dt.timedelta(minutes=30), tick=False):
        return actions.do_publish_exam(e, acting_user=admin)


@pytest.fixture
def fixed_paper(tree, users, bank):
    """Three questions, one point each, pass mark 2: 单选 (B), 多选 (ACD), 判断 (A)."""
    p = actions.do_create_paper(org=tree.committee, bank=bank, title="三题卷", points_each=1, pass_mark=2,
                                duration_minutes=30, acting_user=users.committee_admin)
    qs = {x.stem: x for x in bank.questions.all()}
    return actions.do_set_paper_questions(p, [qs["单选一"], qs["多选一"], qs["判断一"]], acting_user=users.committee_admin)


@pytest.fixture
def exam(tree, users, fixed_paper):
    return exam_of(tree, users, fixed_paper)
