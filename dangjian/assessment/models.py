"""考责: yearly assessment schemes as an indicator tree whose computed parts come from the records (never
re-entered), the manual scores of assigned assessors, the results; 述职评议 (ASSESS-01) and the 党组's yearly
report (PG-02); and the 问责 register (四种形态), which only discipline roles see."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.permissions import EDIT_DISCIPLINE, VIEW, VIEW_DISCIPLINE
from dangjian.core.querysets import RestrictedQuerySet

from .choices import Form, Grade, IndicatorKind, Measure, Method, ReportKind, TARGET_TYPES


class Scheme(models.Model):
    """A year's assessment scheme, issued by a level above the branches for the orgs of one type below it."""

    issuer = models.ForeignKey("orgs.Org", verbose_name="考核单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=200)
    target_type = models.CharField("考核对象", max_length=20, choices=TARGET_TYPES, default="branch")
    good_min = models.DecimalField("“好”不低于", max_digits=6, decimal_places=2, default=90)
    fairly_good_min = models.DecimalField("“较好”不低于", max_digits=6, decimal_places=2, default=80)
    average_min = models.DecimalField("“一般”不低于", max_digits=6, decimal_places=2, default=60)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    assessors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="考核人", blank=True, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "issuer__path"

    class Meta:
        verbose_name = verbose_name_plural = "考核方案"
        ordering = ["-year", "pk"]

    def __str__(self):
        return f"{self.year}年{self.name}"

    def grade_for(self, total):
        if total >= self.good_min:
            return Grade.GOOD
        if total >= self.fairly_good_min:
            return Grade.FAIRLY_GOOD
        if total >= self.average_min:
            return Grade.AVERAGE
        return Grade.POOR


class Indicator(models.Model):
    """One node of the indicator tree: a dimension (group) or a leaf scored from data or by an assessor.
    `points` is a score item's full marks, or the cap of a deduction or bonus item; `unit_points` is what
    one occurrence counts for a computed deduction or bonus."""

    scheme = models.ForeignKey(Scheme, verbose_name="考核方案", on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", verbose_name="所属维度", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("指标", max_length=200)
    standard = models.TextField("评分标准", blank=True)
    kind = models.CharField("类型", max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.SCORE)
    method = models.CharField("评分方式", max_length=10, choices=Method.choices, blank=True)
    metric = models.CharField("计算口径", max_length=40, blank=True)
    points = models.DecimalField("分值（扣分、加分项为上限）", max_digits=6, decimal_places=2, default=0)
    unit_points = models.DecimalField("每项分值", max_digits=6, decimal_places=2, null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "scheme__issuer__path"

    class Meta:
        verbose_name = verbose_name_plural = "考核指标"
        ordering = ["scheme", "order", "pk"]

    def __str__(self):
        return self.name

    @property
    def metric_label(self) -> str:
        from .metrics import REGISTRY

        m = REGISTRY.get(self.metric)
        return m.label if m else self.metric


class Result(models.Model):
    """An org's score under a scheme, written by scoring (never typed): total, grade and each leaf's
    points with the value it came from, so a result explains itself."""

    scheme = models.ForeignKey(Scheme, verbose_name="考核方案", on_delete=models.CASCADE, related_name="results")
    org = models.ForeignKey("orgs.Org", verbose_name="考核对象", on_delete=models.CASCADE, related_name="+")
    total = models.DecimalField("总分", max_digits=7, decimal_places=2)
    grade = models.CharField("等次", max_length=12, choices=Grade.choices)
    pending = models.PositiveSmallIntegerField("待评分项", default=0)
    detail = models.JSONField("各项得分", default=dict)
    scored_at = models.DateTimeField("评分时间")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "考核结果"
        ordering = ["scheme", "-total", "org"]
        constraints = [models.UniqueConstraint(fields=["scheme", "org"], name="result_once_per_org")]


class ManualScore(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="manual_scores")
    org = models.ForeignKey("orgs.Org", verbose_name="考核对象", on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    evidence = models.TextField("评分依据")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="考核人", null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    scored_at = models.DateTimeField("评分时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "indicator__scheme__issuer__path"

    class Meta:
        verbose_name = verbose_name_plural = "考核评分"
        constraints = [models.UniqueConstraint(fields=["indicator", "org"], name="manual_score_once")]


class ReviewMeeting(models.Model):
    """述职评议会: the secretaries of the orgs below report on site, the participants appraise them."""

    organiser = models.ForeignKey("orgs.Org", verbose_name="组织述职评议的党组织", on_delete=models.PROTECT,
                                  related_name="+")
    year = models.PositiveSmallIntegerField("述职年度")
    date = models.DateField("会议日期")
    title = models.CharField("名称", max_length=200)
    participants = models.PositiveIntegerField("参加测评人数")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "organiser__path"

    class Meta:
        verbose_name = verbose_name_plural = "述职评议会"
        ordering = ["-year", "-date"]

    def __str__(self):
        return self.title


class Report(models.Model):
    """A report somebody writes and an upper level judges: a secretary's 述职报告 (appraised at a 述职评议会,
    graded 好/较好/一般/差) or a 党组's yearly comprehensive report (PG-02)."""

    kind = models.CharField("类型", max_length=24, choices=ReportKind.choices)
    org = models.ForeignKey("orgs.Org", verbose_name="报告的党组织", on_delete=models.PROTECT, related_name="reports")
    person = models.ForeignKey("people.Person", verbose_name="述职人", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=200)
    text = models.TextField("正文", blank=True)
    file = models.FileField("上传文件", max_length=200, blank=True)
    file_name = models.CharField("原文件名", max_length=255, blank=True)
    submitted = models.DateField("报送日期")
    review = models.ForeignKey(ReviewMeeting, verbose_name="述职评议会", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="reports")
    votes_good = models.PositiveIntegerField("测评“好”票数", null=True, blank=True)
    votes_fairly_good = models.PositiveIntegerField("测评“较好”票数", null=True, blank=True)
    votes_average = models.PositiveIntegerField("测评“一般”票数", null=True, blank=True)
    votes_poor = models.PositiveIntegerField("测评“差”票数", null=True, blank=True)
    comment = models.TextField("上级点评", blank=True)
    grade = models.CharField("综合评价等次", max_length=12, choices=Grade.choices, blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评定人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    graded_at = models.DateTimeField("评定时间", null=True, blank=True)
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "报告"
        ordering = ["-year", "org", "pk"]
        indexes = [models.Index(fields=["kind", "year"])]

    def __str__(self):
        return self.title

    @classmethod
    def restrict_self(cls, user, action):
        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None

    @property
    def votes(self) -> list[int | None]:
        return [self.votes_good, self.votes_fairly_good, self.votes_average, self.votes_poor]


class AccountabilityQuerySet(RestrictedQuerySet):
    def restrict(self, user, action=VIEW):
        # The register is for discipline roles only: every action maps to theirs (no self-service, no
        # ordinary org admin, no auditor).
        return super().restrict(user, VIEW_DISCIPLINE if action == VIEW else EDIT_DISCIPLINE)


class Accountability(models.Model):
    """问责 and the 四种形态 register: a measure taken about a person, with its form and grounds."""

    person = models.ForeignKey("people.Person", verbose_name="对象", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("orgs.Org", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("决定日期")
    form = models.CharField("形态", max_length=8, choices=Form.choices)
    measure = models.CharField("措施", max_length=20, choices=Measure.choices)
    reason = models.TextField("事由")
    decided_by = models.CharField("决定机关", max_length=200)
    rectification = models.ForeignKey("supervision.Rectification", verbose_name="相关问题", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = AccountabilityQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "问责和四种形态"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.person} {self.get_measure_display()}"
