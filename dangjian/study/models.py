"""学习培训: the hours of study each member earned (集中学习培训时间, EDU-01/EDU-02), recorded per session or
imported. The yearly totals are derived, never typed."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.querysets import RestrictedQuerySet

from .choices import PlanForm, StudyKind, TrainingKind


class StudyRecord(models.Model):
    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE,
                               related_name="study_records")
    org = models.ForeignKey("orgs.Org", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="+",
                            help_text="登记时本人所在的党组织。")
    date = models.DateField("日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    kind = models.CharField("类别", max_length=12, choices=StudyKind.choices, default=StudyKind.CENTRALIZED)
    title = models.CharField("内容", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    # Credited by a 中心组学习 (its attendance) or a training class (completion): rewritten with them.
    meeting = models.ForeignKey("orglife.Meeting", verbose_name="计入学时的会议", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="study_records")
    training_class = models.ForeignKey("study.TrainingClass", verbose_name="培训班", null=True, blank=True,
                                       on_delete=models.CASCADE, related_name="study_records")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "学习培训记录"
        indexes = [models.Index(fields=["person", "date"]), models.Index(fields=["org", "date"])]
        ordering = ["-date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], condition=Q(meeting__isnull=False),
                                    name="study_credit_once_per_meeting"),
            models.UniqueConstraint(fields=["training_class", "person"], condition=Q(training_class__isnull=False),
                                    name="study_credit_once_per_class")]

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None


class LectureRating(models.Model):
    """A member's rating of a 党课 they attended (书记讲党课): anonymous — the rater is kept only as a keyed hash of
    (lecture, person), which enforces one rating each and cannot be read back to a name."""

    meeting = models.ForeignKey("orglife.Meeting", verbose_name="党课", on_delete=models.CASCADE,
                                related_name="ratings")
    token = models.CharField("评价人标记", max_length=64, editable=False)
    score = models.PositiveSmallIntegerField("评分（1–5）")
    comment = models.CharField("意见", max_length=300, blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "meeting__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "党课评价"
        constraints = [models.UniqueConstraint(fields=["meeting", "token"], name="lecture_rating_once"),
                       models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="lecture_score_1_5")]


# ── 学习教育: 年度学习计划, 中心组学习的学时, 读书班和轮训, 书记讲党课安排 ─────────────────────────────────────

def month_window(year: int, month: int | None, quarter: int | None):
    """The dates a plan item (a month, a quarter, or the whole year) covers."""
    import calendar
    import datetime as dt

    if month:
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    if quarter:
        last = quarter * 3
        return dt.date(year, last - 2, 1), dt.date(year, last, calendar.monthrange(year, last)[1])
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


class StudyPlan(models.Model):
    """年度学习计划 of one organisation (党组, 机关党委, 党支部) for one year. Its progress is derived from the
    records (meetings held, training classes), never typed."""
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="study_plans")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=200)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="制定人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "年度学习计划"
        ordering = ["-year", "org__path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="study_plan_once_a_year")]
        indexes = [models.Index(fields=["year"], name="study_plan_year")]   # (the plans page: a year across the scope)

    def __str__(self):
        return self.title


class StudyPlanItem(models.Model):
    plan = models.ForeignKey(StudyPlan, verbose_name="学习计划", on_delete=models.CASCADE, related_name="items")
    month = models.PositiveSmallIntegerField("月份", null=True, blank=True)
    quarter = models.PositiveSmallIntegerField("季度", null=True, blank=True)
    form = models.CharField("形式", max_length=16, choices=PlanForm.choices)
    topic = models.CharField("专题", max_length=200)
    materials = models.CharField("学习材料", max_length=300, blank=True)
    lead = models.CharField("领学人（主讲人）", max_length=100, blank=True)
    # Linked by one click when more than one record could be it (one is linked automatically).
    meeting = models.ForeignKey("orglife.Meeting", verbose_name="对应会议", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    training_class = models.ForeignKey("study.TrainingClass", verbose_name="对应培训班", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "学习计划项目"
        ordering = ["plan", "quarter", "month", "pk"]
        constraints = [models.CheckConstraint(condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                                              name="plan_item_month"),
                       models.CheckConstraint(condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                                              name="plan_item_quarter")]

    @property
    def window(self):
        return month_window(self.plan.year, self.month, self.quarter)

    @property
    def when(self) -> str:
        return f"{self.month}月" if self.month else (f"第{self.quarter}季度" if self.quarter else "全年")


class MeetingCredit(models.Model):
    """The 学时 a 理论学习中心组 session credits to each member present (as StudyRecords linked to the meeting,
    rewritten whenever its attendance or state changes)."""
    meeting = models.OneToOneField("orglife.Meeting", verbose_name="会议", on_delete=models.CASCADE,
                                   related_name="study_credit")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "meeting__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "中心组学习计入学时"


class TrainingClass(models.Model):
    """读书班、集中轮训、任职培训 organised by one organisation for people of its subtree."""
    org = models.ForeignKey("orgs.Org", verbose_name="举办党组织", on_delete=models.PROTECT,
                            related_name="training_classes")
    kind = models.CharField("类别", max_length=12, choices=TrainingKind.choices)
    title = models.CharField("名称", max_length=200)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "培训班"
        ordering = ["-start", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="training_dates")]
        indexes = [models.Index(fields=["start"], name="training_class_start")]   # (the classes page: by year)

    def __str__(self):
        return self.title


class TrainingParticipant(models.Model):
    training_class = models.ForeignKey(TrainingClass, verbose_name="培训班", on_delete=models.CASCADE,
                                       related_name="participants")
    person = models.ForeignKey("people.Person", verbose_name="学员", on_delete=models.CASCADE, related_name="+")
    completed = models.BooleanField("已结业", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "培训班学员"
        ordering = ["training_class", "pk"]
        constraints = [models.UniqueConstraint(fields=["training_class", "person"], name="training_participant_once")]


class LectureSchedule(models.Model):
    """书记讲党课安排: one secretary's planned lectures in their organisation for a year."""
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT,
                            related_name="lecture_schedules")
    person = models.ForeignKey("people.Person", verbose_name="书记", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="制定人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "书记讲党课安排"
        ordering = ["-year", "org__path", "pk"]
        constraints = [models.UniqueConstraint(fields=["org", "person", "year"], name="lecture_schedule_once")]
        indexes = [models.Index(fields=["year"], name="lecture_schedule_year")]

    def __str__(self):
        return f"{self.year}年{self.person}讲党课安排"


class PlannedLecture(models.Model):
    """One planned lecture: given when a 党课 of the org with this lecturer is held between `start` and `end`
    (both included)."""
    schedule = models.ForeignKey(LectureSchedule, verbose_name="讲党课安排", on_delete=models.CASCADE,
                                 related_name="lectures")
    topic = models.CharField("主题", max_length=200)
    start = models.DateField("计划开始")
    end = models.DateField("计划截止")

    class Meta:
        verbose_name = verbose_name_plural = "计划党课"
        ordering = ["schedule", "start", "pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="planned_lecture_dates")]
