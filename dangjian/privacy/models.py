"""个人信息保护: who saw whose personal data (访问记录), and which people were anonymised after the retention period."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.permissions import VIEW, VIEW_AUDIT
from dangjian.core.querysets import RestrictedQuerySet

from .choices import Channel, Purpose


class PersonalDataAccess(models.Model):
    """一条个人信息访问记录: a user saw one person's personal data (the person page, the full 公民身份号码, an
    export). Written in bulk by `access.record_access`; never changed, pruned after the retention period.
    Scoped by the org the person belonged to when seen; the person themself may read the records about them
    (查阅权: who has looked at my data)."""

    created = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查看人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("people.Person", verbose_name="被查看人员", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    org = models.ForeignKey("orgs.Org", verbose_name="所属组织", null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    purpose = models.CharField("查看内容", max_length=20, choices=Purpose.choices, db_index=True)
    channel = models.CharField("途径", max_length=8, choices=Channel.choices, default=Channel.WEB)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    ip = models.GenericIPAddressField("客户端地址", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "个人信息访问记录"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["person", "created"]), models.Index(fields=["actor", "created"])]

    def __str__(self):
        return f"{self.created:%Y-%m-%d %H:%M} {self.get_purpose_display()}"

    @classmethod
    def restrict_self(cls, user, action):
        # 查阅权: a member sees who viewed their own data (never who viewed others').
        pid = getattr(user, "person_id", None)
        if pid and action in (VIEW, VIEW_AUDIT):
            return Q(person_id=pid)
        return None


class Anonymisation(models.Model):
    """A person whose identifying data was replaced by placeholders (保存期限届满 or a 删除 request). Holds no
    personal data itself; its presence makes `do_anonymise_person` idempotent and the nightly job skip the person."""

    person = models.OneToOneField("people.Person", verbose_name="人员", on_delete=models.CASCADE,
                                  related_name="anonymisation")
    done = models.DateTimeField("匿名化时间", auto_now_add=True)
    left_on = models.DateField("离开日期", null=True, blank=True)
    reason = models.CharField("依据", max_length=100, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "person__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "匿名化记录"

    def __str__(self):
        return f"人员#{self.person_id} 匿名化于 {self.done:%Y-%m-%d}"
