"""考试: a 题库 of questions (imported from Excel) kept by an org and usable by the orgs below it; a 试卷 (fixed
questions in order, or drawn at random per attempt from a stored seed); an 考试 issued by an org to the members
of its subtree with a time window; one 答卷 per person and exam, answered as you go and graded automatically.

Results are private: an attempt is seen by the person and by the admins of the person's own branch (the
secretary), never by the levels above (they see per-branch aggregates) — see `AttemptQuerySet.restrict`."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.permissions import ORG_ADMIN, ROLE_ACTIONS, VIEW, ancestor_paths, subtree_q, user_scope
from dangjian.core.querysets import RestrictedQuerySet

from .choices import PaperMode, QuestionKind


class QuestionBank(models.Model):
    """题库: the questions an org keeps (a 机关党委's bank is used by its branches too)."""

    org = models.ForeignKey("orgs.Org", verbose_name="所属党组织", on_delete=models.PROTECT, related_name="question_banks")
    name = models.CharField("题库名称", max_length=100)
    description = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "题库"
        ordering = ["org__path", "name", "pk"]

    def __str__(self):
        return self.name

    @classmethod
    def restrict_self(cls, user, action):
        """Admins below the owner see (and use) its bank, as with duty's published templates — its stems, options and
        topics only: the answer key, explanations and materials are for the owner's admins (`may_change`), since
        the secretary of a branch below may be a taker of the owner's exams."""
        if action != VIEW:
            return None
        above = ancestor_paths(user)
        return Q(org__path__in=above) if above else None


class Question(models.Model):
    """One question: options are a list of texts (A, B, …); the answer is the letters of the right ones."""

    bank = models.ForeignKey(QuestionBank, verbose_name="题库", on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField("题型", max_length=10, choices=QuestionKind.choices)
    stem = models.TextField("题干")
    stem_hash = models.CharField("题干摘要", max_length=64, editable=False,
                                 help_text="题干的 SHA-256，同一题库内唯一（题干本身可能很长，不宜直接建唯一索引）")
    options = models.JSONField("选项", default=list)
    answer = models.CharField("答案", max_length=8, help_text="正确选项的字母，如 A 或 ACD")
    topic = models.CharField("知识点", max_length=60)
    explanation = models.TextField("解析", blank=True)
    material = models.CharField("推荐学习材料", max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "bank__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "试题"
        ordering = ["bank", "topic", "pk"]
        constraints = [models.UniqueConstraint(fields=["bank", "stem_hash"], name="question_stem_hash_once")]

    def __str__(self):
        return self.stem[:40]

    @staticmethod
    def hash_of(stem: str) -> str:
        return hashlib.sha256(stem.encode()).hexdigest()

    def save(self, *args, **kwargs):
        self.stem_hash = self.hash_of(self.stem)
        if kwargs.get("update_fields") is not None and "stem" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "stem_hash"}
        super().save(*args, **kwargs)

    @classmethod
    def restrict_self(cls, user, action):
        if action != VIEW:
            return None
        above = ancestor_paths(user)
        return Q(bank__org__path__in=above) if above else None

    @property
    def lettered(self) -> list[tuple[str, str]]:
        from .choices import LETTERS

        return list(zip(LETTERS, self.options))


class Paper(models.Model):
    """试卷: fixed (chosen questions in order) or random (a number per 知识点, or a total, drawn per attempt)."""

    org = models.ForeignKey("orgs.Org", verbose_name="组卷党组织", on_delete=models.PROTECT, related_name="exam_papers")
    bank = models.ForeignKey(QuestionBank, verbose_name="题库", on_delete=models.PROTECT, related_name="papers")
    title = models.CharField("试卷名称", max_length=100)
    mode = models.CharField("组卷方式", max_length=10, choices=PaperMode.choices, default=PaperMode.FIXED)
    question_count = models.PositiveSmallIntegerField("随机抽题总数", null=True, blank=True,
                                                      help_text="随机抽题且未按知识点指定数量时使用")
    draw = models.JSONField("按知识点抽题数量", default=dict, blank=True)
    points_each = models.PositiveSmallIntegerField("每题分值", default=5)
    pass_mark = models.PositiveSmallIntegerField("及格分", default=60)
    duration_minutes = models.PositiveSmallIntegerField("答题时长（分钟）", default=30)
    questions = models.ManyToManyField(Question, through="PaperQuestion", verbose_name="试题", related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "试卷"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title

    @classmethod
    def restrict_self(cls, user, action):
        if action != VIEW:
            return None
        above = ancestor_paths(user)
        return Q(org__path__in=above) if above else None

    @property
    def size(self) -> int:
        """Questions per attempt (a list annotates `n_items=Count("items")` so that this costs no query)."""
        if self.mode == PaperMode.FIXED:
            n = getattr(self, "n_items", None)
            return n if n is not None else self.items.count()
        return sum(int(n) for n in self.draw.values()) if self.draw else int(self.question_count or 0)

    @property
    def max_score(self) -> int:
        return self.size * self.points_each


class PaperQuestion(models.Model):
    paper = models.ForeignKey(Paper, verbose_name="试卷", on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, verbose_name="试题", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField("题号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "试卷试题"
        ordering = ["paper", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["paper", "question"], name="paper_question_once")]


class ExamQuerySet(RestrictedQuerySet):
    def open_for(self, person, now):
        """Published exams whose subtree holds the person's org and whose window has not closed."""
        return self.for_person(person).filter(closes_at__gt=now)

    def for_person(self, person):
        if person is None or person.org_id is None:
            return self.none()
        return self.filter(published_at__isnull=False, target__path__in=_paths_above_and_self(person.org.path))


def _paths_above_and_self(path: str) -> list[str]:
    from dangjian.orgs.models import Org

    return [path[:i] for i in range(Org.steplen, len(path) + 1, Org.steplen)]


class Exam(models.Model):
    """考试: a paper issued by an org to the members of a subtree (its own, or one branch below), in a window."""

    org = models.ForeignKey("orgs.Org", verbose_name="组织考试的党组织", on_delete=models.PROTECT, related_name="exams")
    target = models.ForeignKey("orgs.Org", verbose_name="参考范围", on_delete=models.PROTECT, related_name="+",
                               help_text="该组织（含下级）的党员参加考试")
    paper = models.ForeignKey(Paper, verbose_name="试卷", on_delete=models.PROTECT, related_name="exams")
    title = models.CharField("考试名称", max_length=100)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ExamQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "考试"
        ordering = ["-opens_at", "-pk"]

    def __str__(self):
        return self.title

    @classmethod
    def restrict_self(cls, user, action):
        """Published exams reach the members they are issued to, and (to read the results of their branch) the
        admins of a branch within or above the target."""
        if action != VIEW:
            return None
        cond = None
        prefixes = user_scope(user, VIEW).prefixes
        paths = {a for p in prefixes for a in _paths_above_and_self(p)}
        person_id = getattr(user, "person_id", None)
        if person_id:
            from dangjian.people.models import Person

            org_path = Person.objects.filter(pk=person_id).values_list("org__path", flat=True).first()
            if org_path:
                paths.update(_paths_above_and_self(org_path))
        if paths:
            cond = Q(target__path__in=paths)
        if prefixes:
            below = subtree_q("target__path", prefixes)
            cond = below if cond is None else cond | below
        return Q(published_at__isnull=False) & cond if cond is not None else None


class AttemptQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = VIEW):
        """Private results: the person's own attempts, and those of the members of a branch to the admins
        assigned to that very branch (its secretary). A role over a subtree (机关党委, 工委) does not reach
        individual attempts: the levels above see aggregates only."""
        from dangjian.accounts.models import RoleAssignment

        scope = user_scope(user, action)
        if scope.everything:
            return self
        if scope.user is None:
            return self.none()
        cond = Q(pk__in=[])
        if action in ROLE_ACTIONS[ORG_ADMIN]:
            cond = Q(branch__in=RoleAssignment.objects.active().filter(user=user, role=ORG_ADMIN).values("org"))
        pid = getattr(user, "person_id", None)
        if pid and action == VIEW:
            cond |= Q(person_id=pid)
        return self.filter(cond)


class Attempt(models.Model):
    """答卷: one per person and exam. The deadline is fixed when it starts (start + duration, or the window's end
    if earlier) and enforced on the server; the drawn questions are kept (and reproducible from `seed`)."""

    exam = models.ForeignKey(Exam, verbose_name="考试", on_delete=models.CASCADE, related_name="attempts")
    person = models.ForeignKey("people.Person", verbose_name="考生", on_delete=models.CASCADE, related_name="exam_attempts")
    branch = models.ForeignKey("orgs.Org", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="+")
    seed = models.BigIntegerField("抽题种子", default=0)
    started_at = models.DateTimeField("开始时间")
    deadline = models.DateTimeField("交卷截止")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    graded_at = models.DateTimeField("评分时间", null=True, blank=True)
    auto_submitted = models.BooleanField("超时自动交卷", default=False)
    score = models.PositiveIntegerField("得分", null=True, blank=True)
    max_score = models.PositiveIntegerField("满分", default=0)
    passed = models.BooleanField("及格", null=True, blank=True)

    objects = AttemptQuerySet.as_manager()
    restrict_lookup = "branch__path"

    class Meta:
        verbose_name = verbose_name_plural = "答卷"
        ordering = ["exam", "branch__path", "person__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["exam", "person"], name="attempt_once_per_person")]

    def __str__(self):
        return f"{self.person.name}：{self.exam.title}"

    @property
    def graded(self) -> bool:
        return self.graded_at is not None


class Answer(models.Model):
    """One question of an attempt and what was chosen (saved as soon as it is chosen). The question as it was when
    the attempt started — kind, options, key, topic, explanation, material — is kept here: grading, the result page
    and the weak topics read this copy, so a later change to the bank changes no attempt."""

    attempt = models.ForeignKey(Attempt, verbose_name="答卷", on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name="试题", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField("题号")
    kind = models.CharField("题型", max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    options = models.JSONField("选项", default=list)
    key = models.CharField("正确答案", max_length=8, blank=True)
    topic = models.CharField("知识点", max_length=60, blank=True)
    explanation = models.TextField("解析", blank=True)
    material = models.CharField("推荐学习材料", max_length=300, blank=True)
    given = models.CharField("作答", max_length=8, blank=True)
    correct = models.BooleanField("正确", null=True, blank=True)
    saved_at = models.DateTimeField("作答时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "作答"
        ordering = ["attempt", "order"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="answer_once_per_question")]

    SNAPSHOT = {"kind": "kind", "options": "options", "key": "answer", "topic": "topic", "explanation": "explanation",
                "material": "material"}

    @classmethod
    def of(cls, question: Question, **fields) -> "Answer":
        """A new answer carrying a copy of the question as it is now."""
        return cls(question=question, **{f: getattr(question, src) for f, src in cls.SNAPSHOT.items()}, **fields)

    @property
    def lettered(self) -> list[tuple[str, str]]:
        from .choices import LETTERS

        return list(zip(LETTERS, self.options))
