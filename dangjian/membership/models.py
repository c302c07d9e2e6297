"""组织关系: transfers of a member's 组织关系 with their 介绍信 (out to an organisation outside the platform,
in from one), and the contact log the branch keeps with a 流动党员 (EDU-05). A transfer out stays with the
sending branch, which keeps the member until the receiving organisation confirms the report (EDU-04: 转出
未被接收的，原党组织仍负管理责任). A move between two organisations on the platform is one action
(`do_move_person`) and leaves a completed record here."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.querysets import RestrictedQuerySet

from .choices import ContactWay, Direction


class Transfer(models.Model):
    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE, related_name="transfers")
    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    # The organisation on the platform that keeps the record: the sending one (out), the receiving one (in).
    org = models.ForeignKey("orgs.Org", verbose_name="办理的党组织", on_delete=models.PROTECT, related_name="transfers")
    from_org = models.ForeignKey("orgs.Org", verbose_name="转出党组织", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    from_name = models.CharField("转出党组织（系统外）", max_length=200, blank=True)
    to_org = models.ForeignKey("orgs.Org", verbose_name="接收党组织", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    to_name = models.CharField("接收党组织（系统外）", max_length=200, blank=True)
    letter_no = models.CharField("介绍信编号", max_length=60, blank=True)
    letter_date = models.DateField("开具日期", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    reported_on = models.DateField("报到（回执）日期", null=True, blank=True)
    reason = models.CharField("转接原因", max_length=200, blank=True)
    cancelled_on = models.DateField("撤销日期", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "组织关系转接"
        indexes = [models.Index(fields=["person", "direction"])]
        ordering = ["-letter_date", "-pk"]

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None

    @property
    def pending(self) -> bool:
        return self.reported_on is None and self.cancelled_on is None

    @property
    def from_label(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_name

    @property
    def to_label(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_name


class MobileContact(models.Model):
    """EDU-05: 对流动党员，基层党组织应保持经常联系 — one contact."""

    person = models.ForeignKey("people.Person", verbose_name="流动党员", on_delete=models.CASCADE,
                               related_name="mobile_contacts")
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("联系日期")
    way = models.CharField("联系方式", max_length=10, choices=ContactWay.choices)
    note = models.CharField("情况", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "流动党员联系记录"
        ordering = ["-date"]
