from rest_framework import serializers

from dangjian.privacy.models import PersonalDataAccess


class PersonalDataAccessSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.username", read_only=True, default=None, label="查看人用户名")
    person_name = serializers.CharField(source="person.name", read_only=True, default=None, label="被查看人员姓名")
    org_name = serializers.CharField(source="org.name", read_only=True, default=None, label="所属组织名称")
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True, label="查看内容名称")

    class Meta:
        model = PersonalDataAccess
        fields = ["id", "created", "actor", "actor_name", "person", "person_name", "org", "org_name", "purpose",
                  "purpose_display", "channel", "request_id", "ip"]
        read_only_fields = fields
