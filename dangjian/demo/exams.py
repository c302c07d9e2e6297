"""Demo 考试: the 工委's 应知应会 question bank (42 questions on 党章, 支部工作条例, 机关基层组织工作条例, 党费, 发展党员 and
党史), a fixed paper and a random one (drawing from a copy of the bank, so that the open exam holds back no key of the closed
ones); each 机关党委 has held a closed exam with the fixed paper for its branches,
taken by a realistic share of their members (scores spread by person and branch, 党费 and 发展党员 the usual weak
topics); the 工委's random-paper exam is open to every member now. No rule reads exams: nothing is planted."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from dangjian.exams.actions import is_correct
from dangjian.exams.choices import JUDGE_OPTIONS, LETTERS
from dangjian.exams.models import Answer, Attempt, Exam, Paper, PaperQuestion, Question, QuestionBank
from dangjian.orgs.models import Org
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person

from .exam_questions import QUESTIONS

# How easy each 知识点 is for the demo's members (times the person's ability).
EASE = {"党章": 1.0, "支部工作条例": 0.95, "机关基层组织工作条例": 0.9, "党费": 0.7, "发展党员": 0.78, "党史": 1.02}
FIXED_TITLE = "党规党纪应知应会测试卷（固定）"


@dataclass
class ExamStats:
    questions: int = 0
    papers: int = 0
    exams: int = 0
    attempts: int = 0

    def summary(self) -> str:
        return f"题库试题 {self.questions} 道，试卷 {self.papers} 份，考试 {self.exams} 场，答卷 {self.attempts} 份"


def default_for(scale: str) -> bool:
    return scale != "province"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load(as_of: dt.date, seed: int) -> ExamStats:
    rng = random.Random(seed * 53 + 11)
    stats = ExamStats()
    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return stats
    bank = QuestionBank.objects.create(org=root, name="党规党纪应知应会题库", description="工委统一题库，各级党组织组卷时可直接使用")
    qs = [Question(bank=bank, kind=k, stem=s, stem_hash=Question.hash_of(s), options=list(o) if o else list(JUDGE_OPTIONS),
                   answer=a, topic=t, explanation=e, material=m) for k, s, o, a, t, e, m in QUESTIONS]
    Question.objects.bulk_create(qs)
    stats.questions = len(qs)
    by_topic: dict[str, list[Question]] = {}
    for q in qs:
        by_topic.setdefault(q.topic, []).append(q)
    fixed = Paper.objects.create(org=root, bank=bank, title=FIXED_TITLE, mode="fixed", points_each=5, pass_mark=60,
                                 duration_minutes=30)
    chosen = [q for t in sorted(by_topic) for q in by_topic[t][:4]][:20]
    PaperQuestion.objects.bulk_create([PaperQuestion(paper=fixed, question=q, order=n) for n, q in enumerate(chosen, 1)])
    # The open online test draws from its own bank (the same 应知应会 content, its own rows): a question of an open
    # exam keeps its key hidden from that exam's takers everywhere, also in the closed 机关党委 exams above.
    online = QuestionBank.objects.create(org=root, name="全市机关党员在线测试题库", description="工委在线测试随机抽题用")
    online_qs = [Question(bank=online, kind=q.kind, stem=q.stem, stem_hash=q.stem_hash, options=q.options, answer=q.answer,
                          topic=q.topic, explanation=q.explanation, material=q.material) for q in qs]
    Question.objects.bulk_create(online_qs)
    stats.questions += len(online_qs)
    rand = Paper.objects.create(org=root, bank=online, title="应知应会随机测试卷", mode="random", points_each=10, pass_mark=60,
                                duration_minutes=20, draw={"党章": 2, "支部工作条例": 2, "党费": 2, "发展党员": 2,
                                                           "机关基层组织工作条例": 1, "党史": 1})
    stats.papers = 2
    Exam.objects.create(org=root, target=root, paper=rand, title=f"{as_of.year}年全市机关党员应知应会在线测试",
                        opens_at=_at(as_of - dt.timedelta(days=2), 9), closes_at=_at(as_of + dt.timedelta(days=12), 18),
                        published_at=_at(as_of - dt.timedelta(days=3), 10))
    stats.exams = 1
    opens, closes = as_of - dt.timedelta(days=30), as_of - dt.timedelta(days=16)
    for committee in Org.objects.filter(type="committee", dissolved__isnull=True).order_by("path"):
        exam = Exam.objects.create(org=committee, target=committee, paper=fixed, title=f"{opens.year}年党规党纪应知应会测试",
                                   opens_at=_at(opens, 9), closes_at=_at(closes, 18),
                                   published_at=_at(opens - dt.timedelta(days=1), 15))
        stats.exams += 1
        members = list(Person.objects.filter(org__path__startswith=committee.path, status__in=list(MEMBER_STATUSES))
                       .order_by("pk").values_list("pk", "org_id"))
        branch_share: dict[int, float] = {}
        branch_skill: dict[int, float] = {}
        takers = []
        for pid, org_id in members:
            share = branch_share.setdefault(org_id, rng.uniform(0.55, 0.92))
            branch_skill.setdefault(org_id, rng.gauss(0, 0.06))
            if rng.random() < share:
                takers.append((pid, org_id))
        stats.attempts += _attempts(exam, chosen, takers, branch_skill, rng)
    return stats


def _pick(q: Question, right: bool, rng: random.Random) -> str:
    if right:
        return q.answer
    letters = LETTERS[:len(q.options)]
    if q.kind == "multiple":
        if rng.random() < 0.7:       # the usual mistake: one right option left out
            drop = rng.choice(q.answer)
            return "".join(c for c in q.answer if c != drop)
        extra = [c for c in letters if c not in q.answer]
        return "".join(sorted(q.answer + rng.choice(extra))) if extra else q.answer[:-1]
    return rng.choice([c for c in letters if c != q.answer])


def _attempts(exam, questions, takers, branch_skill, rng, *, force_weak: str | None = None) -> int:
    paper = exam.paper
    rows = []
    plans = []
    for pid, org_id in takers:
        start = exam.opens_at + dt.timedelta(minutes=rng.randrange(0, int((exam.closes_at - exam.opens_at).total_seconds() // 60) - 40))
        used = dt.timedelta(minutes=rng.randint(8, 26), seconds=rng.randint(0, 59))
        deadline = min(start + dt.timedelta(minutes=paper.duration_minutes), exam.closes_at)
        ability = min(0.98, max(0.35, rng.gauss(0.8, 0.12) + branch_skill.get(org_id, 0)))
        given = []
        for q in questions:
            p = ability * EASE.get(q.topic, 1.0) * (0.85 if q.kind == "multiple" else 1.0)
            if force_weak and q.topic == force_weak:
                p = 0.2
            given.append(_pick(q, rng.random() < p, rng))
        right = [is_correct(q.kind, q.answer, g) for q, g in zip(questions, given)]
        score = sum(right) * paper.points_each
        rows.append(Attempt(exam=exam, person_id=pid, branch_id=org_id, seed=0, started_at=start, deadline=deadline,
                            submitted_at=start + used, graded_at=start + used, score=score,
                            max_score=len(questions) * paper.points_each, passed=score >= paper.pass_mark))
        plans.append((given, right, start))
    Attempt.objects.bulk_create(rows, batch_size=1000)
    answers = []
    for a, (given, right, start) in zip(rows, plans):
        for n, (q, g, ok) in enumerate(zip(questions, given, right), 1):
            answers.append(Answer.of(q, attempt_id=a.pk, order=n, given=g, correct=ok,
                                     saved_at=start + dt.timedelta(seconds=40 * n)))
        if len(answers) >= 5000:
            Answer.objects.bulk_create(answers, batch_size=2000)
            answers = []
    Answer.objects.bulk_create(answers, batch_size=2000)
    return len(rows)


def after_engine(stats, as_of) -> None:
    """The 党员 persona (when the accounts exist) has a result with a weak topic on 我的考试."""
    from dangjian.accounts.models import User

    person = Person.objects.filter(pk__in=User.objects.filter(username="dangyuan").values("person_id")).first()
    if person is None or person.org_id is None:
        return
    exam = Exam.objects.filter(org__type="committee", target__path__in=[person.org.path[:i] for i in range(
        Org.steplen, len(person.org.path) + 1, Org.steplen)], paper__title=FIXED_TITLE).first()
    if exam is None or Attempt.objects.filter(exam=exam, person=person).exists():
        return
    questions = [i.question for i in exam.paper.items.select_related("question").order_by("order")]
    rng = random.Random(as_of.toordinal())
    stats.attempts += _attempts(exam, questions, [(person.pk, person.org_id)], {}, rng, force_weak="党费")
