"""履责: the tasks the year's 党建工作要点 is broken into (owner, org, deadline, measurable target) and
each leader's 基层党建联系点 (the branch they answer for) with the visits made there. A visit is also
taken from the records that already exist — the leader present at a meeting of that branch — so nobody
types it twice."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.querysets import RestrictedQuerySet

from .choices import TaskState, VisitKind


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
    """One task of the year's 党建工作要点: who, where, by when, what counts as done."""

    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("工作要点", max_length=200, blank=True)
    title = models.CharField("任务", max_length=300)
    org = models.ForeignKey("orgs.Org", verbose_name="责任党组织", on_delete=models.PROTECT, related_name="duty_tasks")
    owner = models.ForeignKey("people.Person", verbose_name="责任人", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    deadline = models.DateField("完成时限")
    target = models.CharField("可衡量的目标", max_length=300, blank=True)
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

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(owner_id=pid) if (pid and action == VIEW) else None
