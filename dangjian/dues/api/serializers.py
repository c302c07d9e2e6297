"""党费 API shapes. Money goes out and comes in as two-decimal strings (never a JSON number that a client
would read as a float)."""
from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import CHANGE, VIEW
from dangjian.orgs.models import Org
from dangjian.people.choices import DuesCategory
from dangjian.people.models import Person

from ..choices import BaseReason, Channel, ExemptionKind
from ..models import DuesBase, DuesExemption, DuesPayment

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}


class MoneyField(serializers.CharField):
    """An amount as text ("40.00"); a JSON number is refused rather than read as a float."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("金额请写成字符串，例如 \"40.00\"")
        return super().to_internal_value(data)


class DuesPaymentSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY, read_only=True, label="交纳金额")
    extra = serializers.DecimalField(**MONEY, read_only=True, label="其中自愿多交")
    person_name = serializers.CharField(source="person.name", read_only=True, label="姓名")
    to_central = serializers.BooleanField(read_only=True, label="应上缴中央（FEE-11）")

    class Meta:
        model = DuesPayment
        fields = ["id", "person", "person_name", "org", "month", "amount", "extra", "paid_on", "channel", "state",
                  "to_central", "remitted_on", "note"]
        read_only_fields = fields


class DuesBaseSerializer(serializers.ModelSerializer):
    base = serializers.DecimalField(**MONEY, read_only=True, allow_null=True, label="计算基数")
    amount = serializers.DecimalField(**MONEY, read_only=True, allow_null=True, label="每月应交",
                                      help_text="null：应交但金额未知（导入的记录既无基数也无应交额）。")

    class Meta:
        model = DuesBase
        fields = ["id", "person", "start", "base", "category", "amount", "reason"]
        read_only_fields = fields


class DuesExemptionSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY, read_only=True, allow_null=True, label="少交后每月交纳")

    class Meta:
        model = DuesExemption
        fields = ["id", "person", "kind", "start", "end", "amount", "reason", "approval", "approved_on"]
        read_only_fields = fields


class CollectRowSerializer(serializers.Serializer):
    person = serializers.IntegerField(label="党员编号")
    amount = MoneyField(max_length=20, label="交纳金额")
    paid_on = serializers.DateField(required=False, label="交纳日期（缺省为今天）")
    channel = serializers.ChoiceField(Channel.choices, default=Channel.CASH, label="交纳方式")


class CollectSerializer(serializers.Serializer):
    org = RestrictedRelatedField(Org, CHANGE, label="党支部")
    month = serializers.DateField(label="所属月份（该月任一日）")
    rows = CollectRowSerializer(many=True, label="各党员交纳")


class DeclareSerializer(serializers.Serializer):
    month = serializers.DateField(label="所属月份")
    amount = MoneyField(max_length=20, label="交纳金额")
    paid_on = serializers.DateField(label="交纳日期")
    channel = serializers.ChoiceField(Channel.choices, default=Channel.ONLINE, label="交纳方式")
    note = serializers.CharField(max_length=200, required=False, default="", label="备注")


class SetBaseSerializer(serializers.Serializer):
    person = RestrictedRelatedField(Person, VIEW, label="党员")
    start = serializers.DateField(label="起始月份")
    category = serializers.ChoiceField(DuesCategory.choices, required=False, label="党费类别（缺省为人员的类别）")
    base = MoneyField(max_length=20, required=False, label="计算基数")
    items = serializers.DictField(child=MoneyField(max_length=20), required=False, label="工资项目 {名称: 金额}")
    reason = serializers.ChoiceField([c for c in BaseReason.choices if c[0] != BaseReason.IMPORTED],
                                     default=BaseReason.YEARLY, label="核定原因")


class ExemptionCreateSerializer(serializers.Serializer):
    person = RestrictedRelatedField(Person, VIEW, label="党员")
    kind = serializers.ChoiceField(ExemptionKind.choices, label="少交或免交")
    start = serializers.DateField(label="起始月份")
    end = serializers.DateField(required=False, allow_null=True, label="截止月份")
    amount = MoneyField(max_length=20, required=False, label="少交后每月交纳")
    reason = serializers.CharField(max_length=200, label="困难情况")
    approval = serializers.CharField(max_length=200, label="批准机关及文号")
    approved_on = serializers.DateField(label="批准日期")


class RemitSerializer(serializers.Serializer):
    on = serializers.DateField(label="上缴日期")


class LedgerMonthSerializer(serializers.Serializer):
    month = serializers.DateField(label="月份")
    due = serializers.DecimalField(**MONEY, allow_null=True, label="应交")
    paid = serializers.DecimalField(**MONEY, label="实交（不含自愿多交）")
    extra = serializers.DecimalField(**MONEY, label="自愿多交")
    declared = serializers.DecimalField(**MONEY, label="本人申报待确认")
    exempt = serializers.CharField(label="减免（exempt 免交 / reduce 少交）")
    unpaid = serializers.BooleanField(label="未交纳")


class CalcSerializer(serializers.Serializer):
    base = serializers.CharField()
    category = serializers.CharField()
    rate = serializers.CharField()
    amount = serializers.CharField()
    rule = serializers.CharField()
