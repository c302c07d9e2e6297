"""“四强”党支部 (rules.md §8, SQ-01/SQ-02/SQ-GAP): a jurisdiction's 创建标准 — the four dimensions with weights and
sub-criteria, each optionally evidenced by a record metric with a minimum; a branch's 申报 under a published standard
of a level above it, with its self-assessment per criterion and the evidence frozen when submitted; the 机关党委's
review and the jurisdiction's 命名 (a title with a validity period), its yearly 复核 and revocation.

The 标准化规范化 baseline is not stored: it is the engine's open BLOCK/WARN findings of the gated rule families on
the branch and its 党小组 (`baseline.py`), read again at every step."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.permissions import VIEW
from dangjian.core.querysets import RestrictedQuerySet

from .choices import ApplicationState, Dimension as DimensionCode, RecheckOutcome, TitleState


class Standard(models.Model):
    """创建标准 of one jurisdiction (the 工委, or a 机关党委 for its branches) for a year. A draft until published;
    only a draft can be changed; once published the branches below see it and apply under it."""

    jurisdiction = models.ForeignKey("orgs.Org", verbose_name="制定的党组织", on_delete=models.PROTECT,
                                     related_name="fourstrong_standards")
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=200)
    validity_years = models.PositiveSmallIntegerField("命名有效期（年）", default=3)
    recheck_months = models.PositiveSmallIntegerField("复核间隔（月）", default=12)
    pass_score = models.DecimalField("命名分数线（百分制）", max_digits=5, decimal_places=2, default=85)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "jurisdiction__path"

    class Meta:
        verbose_name = verbose_name_plural = "“四强”党支部创建标准"
        ordering = ["-year", "jurisdiction__path", "pk"]

    def __str__(self):
        return f"{self.year}年{self.name}"

    @classmethod
    def restrict_self(cls, user, action):
        """The branches below the jurisdiction see its published standards (they apply under them)."""
        from dangjian.core.permissions import ancestor_paths

        if action != VIEW:
            return None
        above = ancestor_paths(user)
        return Q(published_at__isnull=False, jurisdiction__path__in=above) if above else None


class StandardDimension(models.Model):
    standard = models.ForeignKey(Standard, verbose_name="创建标准", on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField("维度", max_length=12, choices=DimensionCode.choices)
    weight = models.PositiveSmallIntegerField("权重（%）")
    order = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "创建标准维度"
        ordering = ["standard", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="fourstrong_dimension_once")]

    def __str__(self):
        return self.get_code_display()


class Criterion(models.Model):
    """One sub-criterion: its text and points within the dimension, optionally the record metric that evidences it
    and the minimum that metric must reach (below it the branch cannot be rated, like an open finding)."""

    dimension = models.ForeignKey(StandardDimension, verbose_name="维度", on_delete=models.CASCADE,
                                  related_name="criteria")
    order = models.PositiveSmallIntegerField("序号", default=0)
    text = models.CharField("具体标准", max_length=500)
    points = models.DecimalField("分值", max_digits=5, decimal_places=2)
    evidence = models.CharField("佐证口径", max_length=32, blank=True)
    minimum = models.DecimalField("达标线", max_digits=7, decimal_places=2, null=True, blank=True,
                                  help_text="比率按百分数填写（如 90 表示 90%），计数按个数；留空为不设达标线。")

    class Meta:
        verbose_name = verbose_name_plural = "创建标准具体标准"
        ordering = ["dimension", "order", "pk"]

    def __str__(self):
        return self.text

    @property
    def evidence_label(self) -> str:
        from .evidence import REGISTRY

        m = REGISTRY.get(self.evidence)
        return m.label if m else ""


class Application(models.Model):
    """申报: a branch's application under a published standard, with its self-assessment; the evidence is computed
    from the records while the branch fills it in and frozen when it is submitted."""

    standard = models.ForeignKey(Standard, verbose_name="创建标准", on_delete=models.PROTECT, related_name="applications")
    org = models.ForeignKey("orgs.Org", verbose_name="党支部", on_delete=models.PROTECT,
                            related_name="fourstrong_applications")
    year = models.PositiveSmallIntegerField("年度")
    state = models.CharField("状态", max_length=12, choices=ApplicationState.choices, default=ApplicationState.DRAFT)
    summary = models.TextField("创建情况自评", blank=True)
    evidence = models.JSONField("佐证材料（提交时固定）", default=dict, blank=True)
    self_total = models.DecimalField("自评得分", max_digits=5, decimal_places=2, null=True, blank=True)
    review_total = models.DecimalField("审核得分", max_digits=5, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    review_comment = models.TextField("审核意见", blank=True)
    decided_at = models.DateTimeField("命名决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="命名决定人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decision_comment = models.TextField("命名意见", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "“四强”党支部申报"
        ordering = ["-year", "org__path", "pk"]
        constraints = [models.UniqueConstraint(fields=["standard", "org"], name="fourstrong_application_once")]

    def __str__(self):
        return f"{self.org}{self.year}年“四强”党支部申报"

    @property
    def submitted_on(self) -> dt.date | None:
        """The day it was submitted as of (its evidence's date), the earliest day it can be named."""
        ev = self.evidence or {}
        text = ev.get("submitted_on") or ev.get("as_of")
        if text:
            return dt.date.fromisoformat(text)
        if self.submitted_at:
            from django.utils import timezone

            return timezone.localdate(self.submitted_at)
        return None


class CriterionScore(models.Model):
    application = models.ForeignKey(Application, verbose_name="申报", on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, verbose_name="具体标准", on_delete=models.CASCADE, related_name="+")
    self_score = models.DecimalField("自评分", max_digits=5, decimal_places=2, null=True, blank=True)
    self_text = models.TextField("自评说明", blank=True)
    review_score = models.DecimalField("审核分", max_digits=5, decimal_places=2, null=True, blank=True)
    review_text = models.TextField("审核说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申报评分"
        constraints = [models.UniqueConstraint(fields=["application", "criterion"], name="fourstrong_score_once")]


class Title(models.Model):
    """命名: a branch named “四强”党支部 under a standard, valid from a date for the standard's validity years,
    re-checked every `recheck_months`; flagged or revoked when the conditions lapse. A title past its end date has
    lapsed by date (`lapsed_on`), whatever its state says."""

    application = models.OneToOneField(Application, verbose_name="申报", on_delete=models.PROTECT, related_name="title")
    org = models.ForeignKey("orgs.Org", verbose_name="党支部", on_delete=models.PROTECT, related_name="fourstrong_titles")
    standard = models.ForeignKey(Standard, verbose_name="创建标准", on_delete=models.PROTECT, related_name="titles")
    state = models.CharField("状态", max_length=10, choices=TitleState.choices, default=TitleState.VALID)
    valid_from = models.DateField("命名日期")
    valid_until = models.DateField("有效期至")
    next_recheck = models.DateField("下次复核")
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    revoked_on = models.DateField("撤销日期", null=True, blank=True)
    revoked_reason = models.TextField("撤销理由", blank=True)
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="命名人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "“四强”党支部命名"
        ordering = ["org__path", "-valid_from"]

    def __str__(self):
        return f"{self.org}（{self.valid_from:%Y-%m-%d}命名）"

    def lapsed_on(self, day: dt.date) -> bool:
        return self.state != TitleState.REVOKED and day > self.valid_until

    def status_on(self, day: dt.date) -> str:
        if self.state == TitleState.REVOKED:
            return TitleState.REVOKED.label
        if self.lapsed_on(day):
            return "有效期届满"
        return self.get_state_display()

    def recheck_due(self, day: dt.date) -> bool:
        return self.state != TitleState.REVOKED and not self.lapsed_on(day) and self.next_recheck <= day


class Recheck(models.Model):
    """复核: the jurisdiction runs the baseline again on a named branch; what stood in the way is kept with it."""

    title = models.ForeignKey(Title, verbose_name="命名", on_delete=models.CASCADE, related_name="rechecks")
    date = models.DateField("复核日期")
    outcome = models.CharField("结论", max_length=10, choices=RecheckOutcome.choices)
    blocking = models.JSONField("未消除的预警", default=list, blank=True)
    comment = models.TextField("复核意见", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "title__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "“四强”党支部复核"
        ordering = ["title", "-date", "-pk"]
