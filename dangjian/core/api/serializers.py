from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.core.models import AuditEvent, Finding


class FindingSerializer(serializers.ModelSerializer):
    rule_title = serializers.SerializerMethodField(label="规则名称")
    severity_display = serializers.CharField(source="get_severity_display", read_only=True, label="级别名称")
    state_display = serializers.CharField(source="get_state_display", read_only=True, label="状态名称")
    org_name = serializers.CharField(source="org.name", read_only=True, label="党组织名称")
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True, label="人员姓名")
    waived_by = serializers.StringRelatedField(read_only=True, allow_null=True, label="豁免人")

    class Meta:
        model = Finding
        fields = ["id", "rule_id", "rule_title", "severity", "severity_display", "subject_kind", "subject_id",
                  "period", "org", "org_name", "person", "person_name", "message", "citation", "state",
                  "state_display", "first_seen", "last_seen", "resolved_at", "waived_by", "waived_reason",
                  "settings_used"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rule_title(self, obj) -> str | None:
        rule = obj.rule
        return rule.title if rule else None


class PendingChecksSerializer(serializers.Serializer):
    """后台检查进行中 (core.pending): what the findings do not show yet."""
    pending = serializers.BooleanField(label="是否有待完成的后台检查")
    rule_ids = serializers.ListField(child=serializers.CharField(), label="正在后台判断的规则编号")
    rules = serializers.CharField(label="规则（文字说明）")
    org_count = serializers.IntegerField(label="涉及的组织数", help_text="everywhere 为真时为 0")
    everywhere = serializers.BooleanField(label="是否涉及全部组织", help_text="如规则参数修改后的全量重判")
    imported = serializers.BooleanField(label="是否有刚导入、尚未判断完的数据")
    imported_since = serializers.DateTimeField(allow_null=True, label="导入时间", help_text="最早一批尚未判断完的导入")
    message = serializers.CharField(label="提示文字", help_text="空：没有待完成的后台检查")


class WaiveSerializer(serializers.Serializer):
    reason = serializers.CharField(label="豁免理由", help_text="说明为何不适用或已另行处理；将记入操作记录。")


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="恢复理由")


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(read_only=True, allow_null=True, label="操作人")
    org_name = serializers.CharField(source="org.name", read_only=True, allow_null=True, label="所属组织名称")
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True, label="相关人员姓名")
    data = serializers.JSONField(read_only=True, label="前后数据")

    class Meta:
        model = AuditEvent
        fields = ["id", "created", "actor", "request_id", "verb", "summary", "org", "org_name", "person",
                  "person_name", "object_type", "object_id", "data"]
        read_only_fields = fields

    def to_representation(self, instance):
        """最小必要: phones, e-mails, ID numbers in `data` (former values too) are masked (`137****1111`) unless the
        reader may see full personal data on the event's org (`view_id_number`) or it is their own. The viewset passes
        one `privacy.masking.Disclosure` per request (it logs whose values were shown in full); without one, masked."""
        from dangjian.privacy.masking import Disclosure, mask_personal

        out = super().to_representation(instance)
        disclosure = self.context.get("disclosure")
        if isinstance(disclosure, Disclosure):
            out["data"] = disclosure.show(out["data"], org=instance.org, person=instance.person)
        else:
            out["data"] = mask_personal(out["data"])
        return out
