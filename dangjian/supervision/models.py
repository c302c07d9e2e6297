"""督责: supervision plans (日常、随机、集中督查, 巡察) with their checklist and, for a random one, the sample
drawn from a logged seed; and the problems they find (问题清单), each rectified by the org it concerns and
closed (销号) only when the issuing level approves the evidence. Every step is an action in the audit
trail, which is the problem's history."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.querysets import RestrictedQuerySet

from .choices import Category, Kind, State, SuggestionSource


class SupervisionPlan(models.Model):
    issuing_org = models.ForeignKey("orgs.Org", verbose_name="组织督查的党组织", on_delete=models.PROTECT,
                                    related_name="supervision_plans")
    scope = models.ForeignKey("orgs.Org", verbose_name="督查范围", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("督查方式", max_length=14, choices=Kind.choices)
    title = models.CharField("名称", max_length=200)
    start = models.DateField("开始日期")
    checklist = models.TextField("督查清单", blank=True, help_text="每行一项。")
    sample_size = models.PositiveIntegerField("抽查数量", null=True, blank=True)
    seed = models.CharField("随机种子", max_length=32, blank=True)
    sampled = models.ManyToManyField("orgs.Org", verbose_name="抽中的党支部", blank=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "issuing_org__path"

    class Meta:
        verbose_name = verbose_name_plural = "督查"
        ordering = ["-start", "-pk"]

    def __str__(self):
        return self.title

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class Rectification(models.Model):
    """A problem found (问题清单) and its rectification (任务清单): who answers for it, by when, with what
    evidence; 销号 by the issuing level; 回头看 later."""

    plan = models.ForeignKey(SupervisionPlan, verbose_name="督查", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="problems")
    org = models.ForeignKey("orgs.Org", verbose_name="整改的党组织", on_delete=models.PROTECT, related_name="rectifications")
    issuing_org = models.ForeignKey("orgs.Org", verbose_name="审核销号的党组织", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=14, choices=Kind.choices, default=Kind.ROUTINE)
    category = models.CharField("问题类别", max_length=16, choices=Category.choices, blank=True)
    found = models.DateField("发现日期")
    problem = models.TextField("问题")
    checklist_item = models.CharField("对应督查清单项", max_length=200, blank=True)
    owner = models.ForeignKey("people.Person", verbose_name="责任人", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    deadline = models.DateField("整改时限", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    evidence = models.TextField("整改成效", blank=True)
    closed = models.DateField("销号日期", null=True, blank=True)
    approved = models.BooleanField("经审核销号", default=False,
                                   help_text="上级审核同意销号（导入的已销号事项视为已审核）。")
    recheck_on = models.DateField("回头看日期", null=True, blank=True)
    recheck_note = models.CharField("回头看情况", max_length=300, blank=True)
    external_id = models.CharField("交换编号", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "问题整改"
        ordering = ["state", "deadline", "pk"]
        indexes = [models.Index(fields=["org", "state"]), models.Index(fields=["state", "deadline"])]

    def __str__(self):
        return self.problem[:50]

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(owner_id=pid) if (pid and action == VIEW) else None


class Suggestion(models.Model):
    """意见建议 an org has received (at a 组织生活会 or 民主生活会, from a member, from the public). "事事有回应":
    each is answered within N days (SUP-05) — by a reply, or by being put on the problem list."""

    org = models.ForeignKey("orgs.Org", verbose_name="回应的党组织", on_delete=models.PROTECT, related_name="suggestions")
    source = models.CharField("来源", max_length=10, choices=SuggestionSource.choices, default=SuggestionSource.MEETING)
    meeting = models.ForeignKey("orglife.Meeting", verbose_name="征求意见的会议", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    received = models.DateField("收到日期")
    from_whom = models.CharField("提出人", max_length=100, blank=True, help_text="可不填（匿名）。")
    text = models.TextField("意见建议")
    reply = models.TextField("回应", blank=True)
    replied = models.DateField("回应日期", null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="回应人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    rectification = models.ForeignKey(Rectification, verbose_name="列入的问题", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="suggestions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "意见建议"
        ordering = ["replied", "received", "pk"]
        indexes = [models.Index(fields=["replied", "received"])]

    def __str__(self):
        return self.text[:40]


class Inspection(models.Model):
    """督查记录: one checklist item checked in one org during a plan — compliant, or a problem found (then it
    points at the problem on the list)."""

    plan = models.ForeignKey(SupervisionPlan, verbose_name="督查", on_delete=models.CASCADE, related_name="inspections")
    org = models.ForeignKey("orgs.Org", verbose_name="被督查的党组织", on_delete=models.PROTECT, related_name="+")
    item = models.CharField("督查清单项", max_length=200)
    ok = models.BooleanField("符合要求")
    note = models.CharField("情况", max_length=300, blank=True)
    date = models.DateField("督查日期")
    rectification = models.ForeignKey(Rectification, verbose_name="发现的问题", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "督查记录"
        constraints = [models.UniqueConstraint(fields=["plan", "org", "item"], name="inspection_once")]
