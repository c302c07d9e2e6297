"""党费: what each member's monthly dues are (核定: the base and the amount from a month on), the
approved reductions and exemptions, the payments, and the yearly publication. The ledger — due, paid
and owed per member and month — is derived from these (`ledger.py`), never typed twice."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.querysets import RestrictedQuerySet
from dangjian.people.choices import DuesCategory

from .choices import BaseReason, Channel, ExemptionKind, PaymentState, Treatment

MONEY = {"max_digits": 12, "decimal_places": 2}


class DuesBase(models.Model):
    """核定: from `start` (the first day of a month) the member's monthly base, category and amount, until
    the next record. Set each January (FEE-10 default) or when pay changes; the amount is the
    calculator's (`calc.compute`) at the time it was set."""

    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE, related_name="dues_bases")
    start = models.DateField("起始月份")
    base = models.DecimalField("计算基数（税后月收入）", null=True, blank=True, **MONEY)
    category = models.CharField("党费类别", max_length=20, choices=DuesCategory.choices)
    # (None: dues are expected from this month but the amount is not known — a DJX file whose rows carry
    # neither base nor due; the months count as paid or unpaid, their shortfall cannot be judged)
    amount = models.DecimalField("每月应交", null=True, blank=True, **MONEY)
    items = models.JSONField("工资项目", default=dict, blank=True)
    reason = models.CharField("核定原因", max_length=16, choices=BaseReason.choices, default=BaseReason.YEARLY)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "person__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "党费核定"
        constraints = [models.UniqueConstraint(fields=["person", "start"], name="dues_base_once_a_month")]
        ordering = ["person", "start"]

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None


class DuesExemption(models.Model):
    """少交或免交 (FEE-08): only with the approval of the committee above, recorded here."""

    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE,
                               related_name="dues_exemptions")
    kind = models.CharField("类型", max_length=8, choices=ExemptionKind.choices)
    start = models.DateField("起始月份")
    end = models.DateField("截止月份", null=True, blank=True)
    amount = models.DecimalField("少交后每月交纳", null=True, blank=True, **MONEY)
    reason = models.CharField("困难情况", max_length=200)
    approval = models.CharField("批准机关及文号", max_length=200, blank=True)
    approved_on = models.DateField("批准日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "person__org__path"

    class Meta:
        verbose_name = verbose_name_plural = "党费减免"
        ordering = ["person", "start"]

    def covers(self, month) -> bool:
        return self.start <= month and (self.end is None or month <= self.end)


class DuesPayment(models.Model):
    """One payment for one month, kept by the branch that collected it (`org`: its 组织关系 then).
    A member may declare a payment (自助申报); it counts once the branch's collector confirms it.
    Voluntary extra above the due (`extra`) of 1,000 元 or more goes to the Central Committee (FEE-11)."""

    person = models.ForeignKey("people.Person", verbose_name="党员", on_delete=models.CASCADE,
                               related_name="dues_payments")
    org = models.ForeignKey("orgs.Org", verbose_name="收缴党组织", on_delete=models.PROTECT, related_name="dues_payments")
    month = models.DateField("所属月份")
    amount = models.DecimalField("交纳金额", **MONEY)
    extra = models.DecimalField("其中自愿多交", default=0, **MONEY)
    paid_on = models.DateField("交纳日期", null=True, blank=True)
    channel = models.CharField("交纳方式", max_length=8, choices=Channel.choices, default=Channel.CASH)
    state = models.CharField("状态", max_length=10, choices=PaymentState.choices, default=PaymentState.CONFIRMED)
    remitted_on = models.DateField("上缴中央日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "党费交纳"
        indexes = [models.Index(fields=["person", "month"]), models.Index(fields=["org", "month"])]

    @classmethod
    def restrict_self(cls, user, action):
        from dangjian.core.permissions import VIEW

        pid = getattr(user, "person_id", None)
        return Q(person_id=pid) if (pid and action == VIEW) else None

    @property
    def to_central(self) -> bool:
        from decimal import Decimal

        return self.extra >= Decimal("1000.00")


class PayrollItem(models.Model):
    """FEE-15: the payroll items of the jurisdiction and whether each counts in the base."""

    name = models.CharField("工资项目", max_length=40, unique=True)
    treatment = models.CharField("计算基数时", max_length=8, choices=Treatment.choices)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工资项目"
        ordering = ["treatment", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_treatment_display()}）"


class DuesPublication(models.Model):
    """FEE-16: 每年至少向党员公布1次党费收缴情况 — the branch's publication of a year."""

    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.CASCADE, related_name="dues_publications")
    year = models.PositiveSmallIntegerField("年度")
    published_on = models.DateField("公布日期")
    note = models.CharField("公布方式", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "党费收缴情况公布"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="dues_publication_once_a_year")]
