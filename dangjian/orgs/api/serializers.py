"""Units, orgs and posts over the API. Writes call `orgs.actions`; references are restricted."""
from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from rest_framework import serializers

from dangjian.core.api.base import ActionSerializerMixin, RestrictedRelatedField
from dangjian.core.permissions import ADD, CHANGE, VIEW, user_scope
from dangjian.orgs import actions
from dangjian.orgs.models import Org, Post, Unit
from dangjian.people.models import Person


class UnitSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    parent = RestrictedRelatedField(Unit, VIEW, label="上级单位", allow_null=True, required=False)
    head = RestrictedRelatedField(Person, VIEW, label="主要负责人", allow_null=True, required=False)
    head_name = serializers.CharField(source="head.name", read_only=True, allow_null=True, label="主要负责人姓名")

    class Meta:
        model = Unit
        fields = ["id", "name", "parent", "head", "head_name", "external_id"]
        read_only_fields = ["external_id"]

    def create(self, validated_data):
        return actions.do_create_unit(acting_user=self.acting_user, **validated_data)

    def update(self, instance, validated_data):
        changes = {k: v for k, v in validated_data.items() if getattr(instance, k) != v}
        return actions.do_update_unit(instance, acting_user=self.acting_user, **changes) if changes else instance


def org_queryset():
    """Orgs with what a list shows, in a constant number of queries: the parent's id comes from the
    materialised path in a subquery (treebeard's get_parent() would be one query per row)."""
    parent = Org.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Org.steplen))
    return (Org.objects.select_related("unit").prefetch_related("joint_units")
            .annotate(parent_pk=Subquery(parent.values("pk")[:1])))


class OrgSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    """设立组织时须指定上级组织（且在您的管理范围内）；调整上级请用 move，合并用 merge，撤销用 dissolve。"""

    parent = RestrictedRelatedField(Org, ADD, label="上级组织", allow_null=True, required=False,
                                    write_only=True, help_text="设立时的上级组织；之后调整请用 move 操作。")
    parent_id = serializers.IntegerField(read_only=True, allow_null=True, label="上级组织编号",
                                         source="parent_pk")
    type_display = serializers.CharField(source="get_type_display", read_only=True, label="组织类型名称")
    unit = RestrictedRelatedField(Unit, VIEW, label="所在单位", allow_null=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True, label="所在单位名称")
    joint_units = RestrictedRelatedField(Unit, VIEW, many=True, required=False, label="联合支部覆盖单位")
    term_end = serializers.DateField(read_only=True, allow_null=True, label="任期届满日期")
    children_count = serializers.IntegerField(source="numchild", read_only=True, label="下级组织数")

    class Meta:
        model = Org
        fields = ["id", "name", "short_name", "type", "type_display", "parent", "parent_id", "depth",
                  "children_count", "unit", "unit_name", "joint_units", "founded", "committee_elected",
                  "term_years", "term_end", "village_or_community", "term_extension_until",
                  "term_extension_approved", "dissolved", "merged_into", "external_id"]
        read_only_fields = ["depth", "dissolved", "merged_into", "external_id"]

    def validate(self, attrs):
        if self.instance is None and attrs.get("parent") is None:
            user = self.acting_user
            if not user_scope(user, ADD).everything:
                raise serializers.ValidationError({"parent": "请选择上级组织（须在您的管理范围内）。"})
        return attrs

    def create(self, validated_data):
        joint_units = validated_data.pop("joint_units", ())
        org = actions.do_create_org(acting_user=self.acting_user, joint_units=joint_units, **validated_data)
        return org_queryset().get(pk=org.pk)

    def update(self, instance, validated_data):
        joint_units = validated_data.pop("joint_units", None)
        validated_data.pop("parent", None)
        changes = {k: v for k, v in validated_data.items() if getattr(instance, k) != v}
        if joint_units is not None and set(joint_units) == set(instance.joint_units.all()):
            joint_units = None
        if not changes and joint_units is None:
            return instance
        org = actions.do_update_org(instance, acting_user=self.acting_user, joint_units=joint_units, **changes)
        return org_queryset().get(pk=org.pk)


class OrgUpdateSerializer(OrgSerializer):
    """修改组织信息；调整上级组织请用 move 操作。"""

    parent = None

    class Meta(OrgSerializer.Meta):
        fields = [f for f in OrgSerializer.Meta.fields if f != "parent"]


class OrgMoveSerializer(serializers.Serializer):
    parent = RestrictedRelatedField(Org, ADD, label="新的上级组织")


class OrgMergeSerializer(serializers.Serializer):
    target = RestrictedRelatedField(Org, CHANGE, label="并入的组织")
    on = serializers.DateField(required=False, allow_null=True, label="合并日期", help_text="留空为今天。")


class OrgDissolveSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, label="撤销日期", help_text="留空为今天。")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="撤销理由")


class PostSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    person = RestrictedRelatedField(Person, VIEW, label="人员")
    person_name = serializers.CharField(source="person.name", read_only=True, label="姓名")
    org = RestrictedRelatedField(Org, ADD, label="党组织")
    org_name = serializers.CharField(source="org.name", read_only=True, label="党组织名称")
    role_display = serializers.CharField(source="get_role_display", read_only=True, label="职务名称")

    class Meta:
        model = Post
        fields = ["id", "person", "person_name", "org", "org_name", "role", "role_display", "start", "end",
                  "approved"]

    def create(self, validated_data):
        return actions.do_appoint(acting_user=self.acting_user, **validated_data)

    def update(self, instance, validated_data):
        changes = {k: v for k, v in validated_data.items()
                   if k in ("role", "start", "end", "approved") and getattr(instance, k) != v}
        if not changes:
            return instance
        post = actions.do_update_post(instance, acting_user=self.acting_user, **changes)
        return Post.objects.select_related("person", "org").get(pk=post.pk)


class PostUpdateSerializer(PostSerializer):
    """任职人员和组织不能修改（免职后重新任命）。"""

    person = serializers.PrimaryKeyRelatedField(read_only=True, label="人员")
    org = serializers.PrimaryKeyRelatedField(read_only=True, label="党组织")
