"""People over the API. The 公民身份号码 goes in (`id_number`, write-only, validated by the action)
and comes out only masked (`id_number_masked`); never the ciphertext or its digest. The full number
is only answered by the `reveal-id` operation, which logs every view."""
from __future__ import annotations

from django.db import transaction
from rest_framework import serializers

from dangjian.core import crypto
from dangjian.core.api.base import ActionSerializerMixin, RestrictedRelatedField
from dangjian.core.errors import ActionError
from dangjian.core.permissions import ADD, CHANGE, VIEW, can_in_org
from dangjian.orgs.models import Org, Unit
from dangjian.people import actions
from dangjian.people.choices import Status
from dangjian.people.models import Person

ID_NUMBER_HELP = "18位公民身份号码，只写不读；保存时校验校验码，库中加密存储。"


class PersonSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=32,
                                      label="公民身份号码", help_text=ID_NUMBER_HELP)
    id_number_masked = serializers.CharField(read_only=True, label="公民身份号码（脱敏）")
    org = RestrictedRelatedField(Org, ADD, label="所在党组织")
    org_name = serializers.CharField(source="org.name", read_only=True, allow_null=True, label="所在党组织名称")
    group = RestrictedRelatedField(Org, VIEW, label="所在党小组", allow_null=True, required=False)
    group_name = serializers.CharField(source="group.name", read_only=True, allow_null=True, label="所在党小组名称")
    unit = RestrictedRelatedField(Unit, VIEW, label="工作单位", allow_null=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True, label="工作单位名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="党籍状态名称")

    class Meta:
        model = Person
        fields = ["id", "name", "gender", "ethnicity", "birth_date", "education", "id_number",
                  "id_number_masked", "org", "org_name", "group", "group_name", "status", "status_display",
                  "status_since", "application_date", "probationary_date", "full_member_date",
                  "dues_category", "unit", "unit_name", "job_title", "personnel_category", "phone",
                  "leading_cadre", "on_probation_sanction", "lost_contact_since", "away_since",
                  "away_fixed_location", "external_id", "created", "updated"]
        read_only_fields = ["created", "updated"]

    def create(self, validated_data):
        person = actions.do_create_person(acting_user=self.acting_user, **validated_data)
        return Person.objects.select_related("org", "group", "unit").get(pk=person.pk)


class PersonUpdateSerializer(PersonSerializer):
    """修改人员信息。党籍状态用 status 操作，组织关系转接用 move 操作；党员本人只能改联系电话、学历和职务。"""

    org = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, label="所在党组织")

    class Meta(PersonSerializer.Meta):
        read_only_fields = ["created", "updated", "status", "status_since"]

    def update(self, instance, validated_data):
        user = self.acting_user
        administers = can_in_org(user, CHANGE, instance.org)
        id_number = validated_data.pop("id_number", None)
        changes = {k: v for k, v in validated_data.items() if getattr(instance, k) != v}
        with transaction.atomic():  # a bad ID number must not leave the other changes half-saved
            if changes:
                actions.do_update_person(instance, acting_user=user,
                                         allowed=actions.EDITABLE if administers else actions.SELF_EDITABLE,
                                         **changes)
            if id_number is not None and crypto.normalize_id_number(id_number) != instance.id_number:
                if not administers:
                    raise ActionError("公民身份号码须由党组织管理员登记或更正。", field="id_number")
                actions.do_set_id_number(instance, id_number, acting_user=user)
        return Person.objects.select_related("org", "group", "unit").get(pk=instance.pk)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, label="新的党籍状态")
    on = serializers.DateField(required=False, allow_null=True, label="生效日期", help_text="留空为今天。")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="依据或理由",
                                   help_text="除名、停止党籍须填写。")


class PersonMoveSerializer(serializers.Serializer):
    org = RestrictedRelatedField(Org, ADD, label="转入的党组织")
    on = serializers.DateField(required=False, allow_null=True, label="转接日期", help_text="留空为今天。")


class RevealedIdNumberSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="人员编号")
    name = serializers.CharField(label="姓名")
    id_number = serializers.CharField(label="公民身份号码（完整）")
