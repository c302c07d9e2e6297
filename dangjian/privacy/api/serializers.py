from rest_framework import serializers

from dangjian.core.permissions import VIEW_AUDIT, user_scope
from dangjian.privacy.models import PersonalDataAccess


class PersonalDataAccessSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.username", read_only=True, allow_null=True, label="查看人用户名")
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True, label="被查看人员姓名")
    org_name = serializers.CharField(source="org.name", read_only=True, allow_null=True, label="所属组织名称")
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True, label="查看内容名称")

    class Meta:
        model = PersonalDataAccess
        fields = ["id", "created", "actor", "actor_name", "person", "person_name", "org", "org_name", "purpose",
                  "purpose_display", "channel", "request_id", "ip"]
        read_only_fields = fields

    def to_representation(self, instance):
        """A member reading who viewed their own data sees who, what and when — not the viewer's address or
        request id (those are for auditors)."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and user_scope(request.user, VIEW_AUDIT).empty:
            data["ip"] = None
            data["request_id"] = ""
        return data
