"""Cross-domain records: the audit trail of domain events, the findings of the rules engine, and the
jurisdiction's configurable ([P]) settings."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from .permissions import VIEW, VIEW_AUDIT
from .querysets import RestrictedQuerySet


class AuditEvent(models.Model):
    """痕迹: one domain event written by an action (`do_*`) — who, when, what, before/after.

    Field-level diffs of every save are kept by django-auditlog; this table holds what the
    domain means ("调入", "停止党籍", "合并组织") so that a person's or org's history reads as
    a story. ID numbers never appear here unmasked."""

    created = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    verb = models.CharField("事件", max_length=64, db_index=True)
    summary = models.CharField("摘要", max_length=500)
    org = models.ForeignKey("orgs.Org", verbose_name="所属组织", null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("people.Person", verbose_name="相关人员", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    data = models.JSONField("前后数据", default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "操作记录"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created:%Y-%m-%d %H:%M} {self.summary}"

    @classmethod
    def restrict_self(cls, user, action):
        # A member sees the events about themself (their own history), nothing else.
        if action == VIEW_AUDIT or action == VIEW:
            pid = getattr(user, "person_id", None)
            return Q(person_id=pid) if pid else None
        return None


class Severity(models.TextChoices):
    BLOCK = "BLOCK", "阻断"
    WARN = "WARN", "警告"
    INFO = "INFO", "提示"


class FindingState(models.TextChoices):
    OPEN = "open", "未解决"
    RESOLVED = "resolved", "已消除"
    WAIVED = "waived", "已豁免"


class Finding(models.Model):
    """预警: one rule's judgement about one subject for one period. Opened by the engine, resolved
    by the engine once the data satisfies the rule, or waived with a reason by an authorised role."""

    rule_id = models.CharField("规则", max_length=32, db_index=True)
    severity = models.CharField("级别", max_length=8, choices=Severity.choices)
    subject_kind = models.CharField("对象类型", max_length=16)  # org | person | meeting | election …
    subject_id = models.BigIntegerField("对象编号")
    period = models.CharField("期间", max_length=16, blank=True, default="")
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE,
                            related_name="findings")
    person = models.ForeignKey("people.Person", verbose_name="人员", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="findings")
    message = models.TextField("说明")
    citation = models.CharField("依据", max_length=255)
    state = models.CharField("状态", max_length=16, choices=FindingState.choices,
                             default=FindingState.OPEN, db_index=True)
    first_seen = models.DateTimeField("首次发现", auto_now_add=True)
    last_seen = models.DateTimeField("最近确认", auto_now=True)
    resolved_at = models.DateTimeField("消除时间", null=True, blank=True)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="豁免人", null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    waived_reason = models.TextField("豁免理由", blank=True)
    # The values of the rule's [P] settings it was judged with, {key: value}: written when the
    # finding opens and whenever a run judges it with different values ({} for a rule without).
    settings_used = models.JSONField("判定参数", default=dict, blank=True)
    # What the judgement rests on, for the rule's evidence page (`engine.Hit.evidence`; e.g. TXT-01's source
    # text, similarity and discounted sentences): written when the finding opens and when a run finds it changed.
    evidence = models.JSONField("依据数据", default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "预警"
        ordering = ["state", "-severity", "rule_id"]
        constraints = [models.UniqueConstraint(fields=["rule_id", "subject_kind", "subject_id", "period"],
                                               name="finding_unique_subject_period")]
        indexes = [models.Index(fields=["org", "state"]), models.Index(fields=["person", "state"])]

    def __str__(self):
        return f"{self.rule_id} {self.message}"

    @classmethod
    def restrict_self(cls, user, action):
        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None

    @property
    def rule(self):
        from .engine import registry

        return registry.get(self.rule_id)


class JurisdictionSetting(models.Model):
    """A configurable ([P]) rule parameter of the jurisdiction, e.g. `vacancy_days` = 90.
    Defaults live with the rules (`core.engine.SETTINGS`); a row here overrides one."""

    key = models.CharField("参数", max_length=64, unique=True)
    value = models.JSONField("取值")
    note = models.CharField("说明", max_length=255, blank=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "规则参数"

    def __str__(self):
        return f"{self.key}={self.value}"


class WorkCalendarDay(models.Model):
    """A day that differs from the usual week: a 法定节假日 on a weekday (not a working day) or a 调休
    Saturday or Sunday (a working day). Kept by the 工委 for the whole jurisdiction; rules that count
    working days (发展党员公示 DEV-27) read it through `core.workdays`."""

    date = models.DateField("日期", unique=True)
    workday = models.BooleanField("上班", help_text="勾选：调休上班的周末；不勾选：放假的工作日。")
    name = models.CharField("名称", max_length=50, blank=True, help_text="例如：国庆节、春节调休")

    class Meta:
        verbose_name = verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {'上班' if self.workday else '放假'} {self.name}".strip()


class OwedRun(models.Model):
    """An evaluation owed after a large import (`core.owed`): written in the import's own transaction, so it commits
    with the data or not at all; deleted once the run after the commit has finished. One that stays belongs to a
    process killed in between (a gunicorn timeout, kill -9): the worker's job (`tasks.evaluate_owed`) does the run,
    and the nightly full run clears every marker older than itself."""

    org_ids = models.JSONField("党组织", null=True, blank=True, help_text="空：全部（全量判断）")
    changed = models.JSONField("变更的数据", null=True, blank=True, help_text="空：全部规则")
    as_of = models.DateField("判断日期")
    created = models.DateTimeField("登记时间", auto_now_add=True)
    reason = models.CharField("原因", max_length=200)
    attempts = models.PositiveSmallIntegerField("后台重试次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "待补判断"
        ordering = ["pk"]

    def __str__(self):
        scope = "全部" if self.org_ids is None else f"{len(self.org_ids)} 个党组织"
        return f"{self.reason}（{scope}，{self.as_of:%Y-%m-%d}）"
