"""履责: the tasks the year's 党建工作要点 is broken into (owner, org, deadline, measurable target) and
each leader's 基层党建联系点 (the branch they answer for) with the visits made there. A visit is also
taken from the records that already exist — the leader present at a meeting of that branch — so nobody
types it twice.

明责: the 责任清单 templates a level issues for the year (per role: 主体责任, 第一责任人, 一岗双责 …), the
lists (责任书) a unit instantiates from them for named people, which those people sign in the system,
and the evidence of each item — linked from the records that already exist (a lecture given, a meeting
held, a talk) and confirmed by the person, or written by hand where no record exists."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.permissions import VIEW
from dangjian.core.querysets import RestrictedQuerySet
from dangjian.orglife.choices import MeetingType

from .choices import EvidenceSource, ResponsibilityRole, TaskState, VisitKind

MANUAL = EvidenceSource.MANUAL.value


class ContactPoint(models.Model):
    leader = models.ForeignKey("people.Person", verbose_name="领导干部", on_delete=models.CASCADE,
                               related_name="contact_points")
    branch = models.ForeignKey("orgs.Org", verbose_name="联系的党支部", on_delete=models.PROTECT, related_name="+")
    since = models.DateField("联系起始日期")
    until = models.DateField("联系截止日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "branch__path"

    class Meta:
        verbose_name = verbose_name_plural = "基层党建联系点"
        ordering = ["leader", "-since"]

    def __str__(self):
        return f"{self.leader.name} → {self.branch.name}"

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(leader_id=pid) if (pid and action == VIEW) else None


class ContactVisit(models.Model):
    point = models.ForeignKey(ContactPoint, verbose_name="联系点", on_delete=models.CASCADE, related_name="visits")
    date = models.DateField("日期")
    kind = models.CharField("方式", max_length=10, choices=VisitKind.choices)
    note = models.CharField("情况", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "point__branch__path"

    class Meta:
        verbose_name = verbose_name_plural = "联系点活动"
        ordering = ["-date"]


class Task(models.Model):
    """One task of the year's 党建工作要点: who, where, by when, what counts as done — and what evidences it.
    `evidence_source` names the kind of record that is its evidence (found among the records that already
    exist, confirmed as `Evidence` rows with `task` set); "manual" (the default) means the completion text
    is the evidence, as before."""

    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("工作要点", max_length=200, blank=True)
    title = models.CharField("任务", max_length=300)
    org = models.ForeignKey("orgs.Org", verbose_name="责任党组织", on_delete=models.PROTECT, related_name="duty_tasks")
    owner = models.ForeignKey("people.Person", verbose_name="责任人", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    deadline = models.DateField("完成时限")
    target = models.CharField("可衡量的目标", max_length=300, blank=True)
    evidence_source = models.CharField("佐证来源", max_length=24, choices=EvidenceSource.choices,
                                       default=EvidenceSource.MANUAL)
    meeting_type = models.CharField("会议类型", max_length=24, choices=MeetingType.choices, blank=True,
                                    help_text="佐证来源为会议时可限定会议类型。")
    state = models.CharField("状态", max_length=8, choices=TaskState.choices, default=TaskState.OPEN)
    done_on = models.DateField("完成日期", null=True, blank=True)
    evidence = models.TextField("完成情况", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "工作任务"
        ordering = ["state", "deadline", "pk"]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self):
        return self.title

    @property
    def needs_evidence(self) -> bool:
        """Evidenced by records (not by the completion text alone): completing needs a confirmed one."""
        return self.evidence_source != MANUAL

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(owner_id=pid) if (pid and action == VIEW) else None


class ResponsibilityTemplate(models.Model):
    """The year's 责任清单 for one role, issued by the 工委 (or a 党组, 机关党委) for the units below to
    instantiate. A draft until published; only a draft can be changed."""

    issuer = models.ForeignKey("orgs.Org", verbose_name="制定的党组织", on_delete=models.PROTECT,
                               related_name="responsibility_templates")
    year = models.PositiveSmallIntegerField("年度")
    role = models.CharField("责任主体", max_length=24, choices=ResponsibilityRole.choices)
    title = models.CharField("名称", max_length=200)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "issuer__path"

    class Meta:
        verbose_name = verbose_name_plural = "责任清单模板"
        ordering = ["-year", "role", "pk"]

    def __str__(self):
        return f"{self.year}年{self.title}"

    @classmethod
    def restrict_self(cls, user, action):
        """The units below the issuer see its published templates (they instantiate them)."""
        from dangjian.core.permissions import ancestor_paths

        if action != VIEW:
            return None
        above = ancestor_paths(user)
        return Q(published_at__isnull=False, issuer__path__in=above) if above else None


class TemplateItem(models.Model):
    """One responsibility of a template, with what evidences it: the rules it answers to, and the kind of
    record that is its evidence."""

    template = models.ForeignKey(ResponsibilityTemplate, verbose_name="模板", on_delete=models.CASCADE,
                                 related_name="items")
    order = models.PositiveSmallIntegerField("序号", default=0)
    text = models.CharField("责任事项", max_length=500)
    due = models.DateField("完成时限", null=True, blank=True, help_text="留空为当年12月31日。")
    rules = models.CharField("对应规则", max_length=200, blank=True, help_text="规则编号，逗号分隔，如 ORGLIFE-02。")
    evidence_source = models.CharField("佐证来源", max_length=24, choices=EvidenceSource.choices,
                                       default=EvidenceSource.MANUAL)
    meeting_type = models.CharField("会议类型", max_length=24, choices=MeetingType.choices, blank=True,
                                    help_text="佐证来源为会议时可限定会议类型。")

    class Meta:
        verbose_name = verbose_name_plural = "责任清单模板事项"
        ordering = ["template", "order", "pk"]

    def __str__(self):
        return self.text

    @property
    def due_on(self) -> dt.date:
        return self.due or dt.date(self.template.year, 12, 31)

    @property
    def rule_ids(self) -> list[str]:
        return [r for r in (x.strip() for x in self.rules.split(",")) if r]


class ResponsibilityList(models.Model):
    """责任书: one person's responsibilities for the year in one unit, instantiated from a template and
    signed by the person themself in the system."""

    template = models.ForeignKey(ResponsibilityTemplate, verbose_name="模板", on_delete=models.PROTECT,
                                 related_name="lists")
    person = models.ForeignKey("people.Person", verbose_name="责任人", on_delete=models.CASCADE,
                               related_name="responsibility_lists")
    org = models.ForeignKey("orgs.Org", verbose_name="所在单位党组织", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    signed_at = models.DateTimeField("签署时间", null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签署账户", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "责任书"
        ordering = ["-year", "org", "pk"]
        constraints = [models.UniqueConstraint(fields=["template", "person", "org"], name="responsibility_list_once")]
        indexes = [models.Index(fields=["person", "year"])]

    def __str__(self):
        return f"{self.person.name}：{self.template.title}"

    @classmethod
    def restrict_self(cls, user, action):
        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None


class ResponsibilityItem(models.Model):
    """One item of a person's list (text and due date copied from the template when instantiated)."""

    list = models.ForeignKey(ResponsibilityList, verbose_name="责任书", on_delete=models.CASCADE, related_name="items")
    template_item = models.ForeignKey(TemplateItem, verbose_name="模板事项", on_delete=models.PROTECT, related_name="+")
    text = models.CharField("责任事项", max_length=500)
    due = models.DateField("完成时限")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "list__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "责任事项"
        ordering = ["list", "pk"]
        indexes = [models.Index(fields=["due"])]

    def __str__(self):
        return self.text

    @classmethod
    def restrict_self(cls, user, action):
        pid = getattr(user, "person_id", None)
        return Q(list__person_id=pid) if (pid and action == VIEW) else None


class EvidenceQuerySet(RestrictedQuerySet):
    def restrict(self, user, action=VIEW):
        """Evidence is reached through what it evidences: a responsibility item or a task."""
        return self.filter(Q(item__in=ResponsibilityItem.objects.restrict(user, action).values("pk"))
                           | Q(task__in=Task.objects.restrict(user, action).values("pk")))


class Evidence(models.Model):
    """佐证: a record that already exists (`source` its model label, `ref_id` its key; text and date copied
    when confirmed), or a manual note (`source` "manual"). Exists only once confirmed."""

    item = models.ForeignKey(ResponsibilityItem, verbose_name="责任事项", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="evidence")
    task = models.ForeignKey(Task, verbose_name="工作任务", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="evidence_records")
    source = models.CharField("来源", max_length=40)
    ref_id = models.PositiveBigIntegerField("记录编号", null=True, blank=True)
    date = models.DateField("日期")
    text = models.CharField("内容", max_length=500)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField("确认时间", auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "佐证"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(item__isnull=False, task__isnull=True) | Q(item__isnull=True,
                                                                                           task__isnull=False),
                                   name="evidence_of_one_thing"),
            models.CheckConstraint(condition=Q(source=MANUAL, ref_id__isnull=True)
                                   | (~Q(source=MANUAL) & Q(ref_id__isnull=False)), name="evidence_ref_unless_manual"),
            models.UniqueConstraint(fields=["item", "source", "ref_id"], condition=Q(ref_id__isnull=False),
                                    name="evidence_item_record_once"),
            models.UniqueConstraint(fields=["task", "source", "ref_id"], condition=Q(ref_id__isnull=False),
                                    name="evidence_task_record_once"),
        ]

    def __str__(self):
        return self.text

    @property
    def is_manual(self) -> bool:
        return self.source == MANUAL
