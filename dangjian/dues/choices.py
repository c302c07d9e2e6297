"""党费: the choices its records use."""
from django.db import models


class Channel(models.TextChoices):
    """How a payment reached the branch. There is no payroll deduction: 党组织不得扣缴党员党费 (FEE-14)."""
    CASH = "cash", "现金"
    BANK = "bank", "银行转账"
    ONLINE = "online", "网上交纳（扫码、App）"
    PROXY = "proxy", "委托他人代交（FEE-12）"


class PaymentState(models.TextChoices):
    CONFIRMED = "confirmed", "已确认"
    DECLARED = "declared", "本人申报，待收缴人确认"


class ExemptionKind(models.TextChoices):
    EXEMPT = "exempt", "免交"
    REDUCE = "reduce", "少交"


class Treatment(models.TextChoices):
    """FEE-15: how a payroll item counts in the base."""
    INCLUDE = "include", "计入"
    EXCLUDE = "exclude", "不计入"
    DEDUCT = "deduct", "扣除（个人所得税）"


class BaseReason(models.TextChoices):
    YEARLY = "yearly", "年初核定（FEE-10）"
    PAY_CHANGE = "pay_change", "工资变动（FEE-10）"
    JOINED = "joined", "开始交纳（预备党员、转入）"
    IMPORTED = "imported", "导入"
    CORRECTION = "correction", "更正"
