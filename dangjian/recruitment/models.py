"""发展党员纪实: one recruitment file per person and attempt, and its dated steps (`RecruitmentEvent`).

An event is never edited in place: a correction is a new event that voids the old one (`voided_at`,
`void_reason`, `corrected_by`), so the file keeps its history (“corrections are actions with
history”). The rules (`rules.py`, DEV-01…27) judge the events that are not voided; a DJX file's
`recruitment[].events` become these rows as they are."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from dangjian.core.querysets import RestrictedQuerySet

from .choices import Conclusion, PublicityFor, Step


class RecruitmentFile(models.Model):
    """发展党员纪实 of one person, kept by the branch that received the application."""

    person = models.ForeignKey("people.Person", verbose_name="发展对象本人", on_delete=models.PROTECT,
                               related_name="recruitment_files")
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT,
                            related_name="recruitment_files", help_text="接收入党申请、负责培养考察的党支部。")
    # Closed files: confirmed (转正), cancelled (取消预备党员资格 / 停止培养) — kept with their history.
    closed = models.DateField("结束日期", null=True, blank=True)
    closed_reason = models.CharField("结束原因", max_length=200, blank=True)
    # DEV-13: 发展对象未来三个月内将离开工作、学习单位的，一般不办理接收手续.
    planned_leave = models.DateField("预计离开本单位日期", null=True, blank=True,
                                     help_text="借调期满、调动、毕业等预计离开工作、学习单位的日期；不离开的不填。")
    external_id = models.CharField("外部编号", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="建档人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = "发展党员纪实"
        verbose_name_plural = "发展党员纪实"
        indexes = [models.Index(fields=["org", "closed"])]

    def __str__(self) -> str:
        return f"{self.person}的发展党员纪实"


class RecruitmentEvent(models.Model):
    """One step of a file: its date and the data the rules need for that step."""

    file = models.ForeignKey(RecruitmentFile, verbose_name="发展党员纪实", on_delete=models.CASCADE,
                             related_name="events")
    step = models.CharField("环节", max_length=24, choices=Step.choices)
    date = models.DateField("日期")
    # mentors (培养联系人) / sponsors (入党介绍人)
    persons = models.ManyToManyField("people.Person", verbose_name="人员", blank=True, related_name="+")
    conclusion = models.CharField("政审结论", max_length=8, choices=Conclusion.choices, blank=True)
    days = models.DecimalField("培训天数", max_digits=5, decimal_places=1, null=True, blank=True)
    hours = models.DecimalField("培训学时", max_digits=6, decimal_places=1, null=True, blank=True)
    # votes (支部大会): 应到有表决权、实到有表决权、赞成、书面赞成、本次表决决定的人数
    eligible = models.PositiveIntegerField("应到有表决权党员", null=True, blank=True)
    present = models.PositiveIntegerField("实到有表决权党员", null=True, blank=True)
    yes = models.PositiveIntegerField("赞成票", null=True, blank=True)
    written_yes = models.PositiveIntegerField("书面意见赞成", null=True, blank=True)
    candidates_in_vote = models.PositiveIntegerField("本次表决的发展对象人数", null=True, blank=True)
    approver = models.ForeignKey("orgs.Org", verbose_name="审批党组织", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    months = models.PositiveIntegerField("延长月数", null=True, blank=True)
    docs = models.JSONField("归档材料", default=list, blank=True)
    publicity_for = models.CharField("公示事项", max_length=16, choices=PublicityFor.choices, blank=True)
    end_date = models.DateField("公示截止日期", null=True, blank=True)
    reason = models.CharField("说明", max_length=300, blank=True,
                              help_text="特殊情况的理由，例如审批延长至六个月的原因。")
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)
    corrected_by = models.OneToOneField("self", verbose_name="更正为", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="corrects")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "file__org__path"

    class Meta:
        verbose_name = "发展党员环节"
        verbose_name_plural = "发展党员环节"
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["file", "step", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_step_display()}"


class RecruitmentPlan(models.Model):
    """发展党员计划: how many new probationary members an organisation plans to admit in a year (its whole
    subtree), set by that org's administrators; the pipeline shows it against the approvals recorded."""

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE, related_name="recruitment_plans")
    year = models.PositiveIntegerField("年度")
    planned = models.PositiveIntegerField("计划发展人数", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    # DEV-06: 基层党委每年对入党积极分子队伍状况进行一次分析.
    analyzed_on = models.DateField("积极分子队伍分析日期", null=True, blank=True)
    analysis = models.TextField("积极分子队伍分析", blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "发展党员计划"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="recruitment_plan_once")]

    def __str__(self):
        return f"{self.org} {self.year}年发展党员计划" + (f"{self.planned}人" if self.planned is not None else "")
