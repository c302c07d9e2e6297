"""考试's part of the permission matrix: objects of branch A only (A's bank and paper, an exam A issues to itself,
member_a's attempt in it). A's secretary reaches member_a's attempt as the secretary of their own branch."""
import datetime as dt

OBJECTS = {"questionbank": "question_bank", "paper": "exam_paper", "exam": "exam", "attempt": "exam_attempt"}


def objects(tree, people, users) -> dict:
    from django.utils import timezone

    from dangjian.exams import actions
    from dangjian.exams.models import Question

    bank = actions.do_create_bank(org=tree.a, name="第一支部题库", acting_user=users.secretary_a)
    q = Question.objects.create(bank=bank, kind="judge", stem="预备期为一年。", options=["正确", "错误"], answer="A",
                                topic="党章")
    paper = actions.do_create_paper(org=tree.a, bank=bank, title="支部测试", pass_mark=1, acting_user=users.secretary_a)
    actions.do_set_paper_questions(paper, [q], acting_user=users.secretary_a)
    now = timezone.now()
    exam = actions.do_create_exam(org=tree.a, paper=paper, target=tree.a, title="支部测试", opens_at=now - dt.timedelta(hours=1),
                                  closes_at=now + dt.timedelta(days=1), acting_user=users.secretary_a)
    exam = actions.do_publish_exam(exam, acting_user=users.secretary_a)
    attempt = actions.do_start_attempt(exam, people.member_a)
    return {"question_bank": bank, "exam_paper": paper, "exam": exam, "exam_attempt": attempt}
