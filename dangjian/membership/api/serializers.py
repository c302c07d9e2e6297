from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import VIEW
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from ..choices import ContactWay
from ..models import MobileContact, Transfer


class TransferSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, label="姓名")
    from_label = serializers.CharField(read_only=True, label="转出党组织")
    to_label = serializers.CharField(read_only=True, label="接收党组织")
    pending = serializers.BooleanField(read_only=True, label="待回执")

    class Meta:
        model = Transfer
        fields = ["id", "person", "person_name", "direction", "org", "from_org", "from_name", "from_label", "to_org",
                  "to_name", "to_label", "letter_no", "letter_date", "valid_until", "reported_on", "reason",
                  "cancelled_on", "cancel_reason", "pending"]
        read_only_fields = fields


class TransferIssueSerializer(serializers.Serializer):
    person = RestrictedRelatedField(Person, VIEW, label="党员")
    to_org = RestrictedRelatedField(Org, VIEW, required=False, allow_null=True, label="接收党组织（本系统内）")
    to_name = serializers.CharField(max_length=200, required=False, default="", label="接收党组织（系统外）")
    letter_no = serializers.CharField(max_length=60, required=False, default="", label="介绍信编号")
    letter_date = serializers.DateField(label="开具日期")
    valid_until = serializers.DateField(required=False, allow_null=True, label="有效期至")
    reason = serializers.CharField(max_length=200, required=False, default="", label="转接原因")


class TransferReceiveSerializer(serializers.Serializer):
    person = RestrictedRelatedField(Person, VIEW, label="党员")
    from_name = serializers.CharField(max_length=200, label="转出党组织")
    letter_no = serializers.CharField(max_length=60, required=False, default="", label="介绍信编号")
    letter_date = serializers.DateField(required=False, allow_null=True, label="开具日期")
    reported_on = serializers.DateField(label="报到日期")


class TransferReportSerializer(serializers.Serializer):
    reported_on = serializers.DateField(label="报到（回执）日期")


class TransferCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="撤销原因")


class MobileContactSerializer(serializers.ModelSerializer):
    person = RestrictedRelatedField(Person, VIEW, label="流动党员")
    way = serializers.ChoiceField(ContactWay.choices, label="联系方式")

    class Meta:
        model = MobileContact
        fields = ["id", "person", "org", "date", "way", "note"]
        read_only_fields = ["id", "org"]
