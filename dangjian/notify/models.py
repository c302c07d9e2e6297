"""提醒: one reminder to one user about one finding, shown in-app and e-mailed at most once."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    FINDING_OPENED = "finding_opened", "新预警"
    DUE_SOON = "due_soon", "即将到期"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    finding = models.ForeignKey("core.Finding", verbose_name="预警", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    url = models.CharField("链接", max_length=500, blank=True)
    created = models.DateTimeField("生成时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    # The e-mail sender's claim: a worker takes a row with a conditional UPDATE before sending, so
    # two workers (or a retried task) never mail the same reminder twice.
    claimed_by = models.CharField("发送进程", max_length=64, blank=True)
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒"
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "finding", "kind"],
                                               name="notification_once_per_finding")]
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   models.Index(fields=["emailed_at", "claimed_at"])]

    def __str__(self):
        return self.title
