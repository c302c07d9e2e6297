from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from dangjian.accounts.models import Role, RoleAssignment, User


# Described rather than declared as an enum: posts (职务) already own the `role` enum name, and a
# second `role` enum makes the generator invent a hashed name. (With ENUM_NAME_OVERRIDES in the
# settings this could become a proper enum again.)
@extend_schema_field({"type": "string", "description": "角色："
                      + "；".join(f"{v}={label}" for v, label in Role.choices)})
class RoleField(serializers.ChoiceField):
    pass


class RoleAssignmentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, label="用户名")
    user_display = serializers.CharField(source="user.__str__", read_only=True, label="用户显示名")
    role_display = serializers.CharField(source="get_role_display", read_only=True, label="角色名称")
    org_name = serializers.CharField(source="org.name", read_only=True, label="范围（含下级）名称")
    role = RoleField(choices=Role.choices, read_only=True, label="角色")

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "username", "user_display", "role", "role_display", "org", "org_name", "start",
                  "end"]
        read_only_fields = fields


class MyPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="人员编号")
    name = serializers.CharField(label="姓名")
    org = serializers.IntegerField(source="org_id", allow_null=True, label="所在党组织")
    org_name = serializers.CharField(source="org.name", allow_null=True, read_only=True, label="所在党组织名称")
    status = serializers.CharField(label="党籍状态")
    status_display = serializers.CharField(source="get_status_display", label="党籍状态名称")


@extend_schema_serializer(many=False)   # /api/me/ is one object, though it is served by a list action
class MeSerializer(serializers.ModelSerializer):
    display = serializers.CharField(source="__str__", read_only=True, label="显示名")
    person = MyPersonSerializer(read_only=True, allow_null=True, label="对应人员")
    roles = RoleAssignmentSerializer(source="active_roles", many=True, read_only=True, label="当前角色",
                                     help_text="有效的角色授权；每个角色覆盖该组织及其全部下级。")

    class Meta:
        model = User
        fields = ["id", "username", "display", "is_superuser", "person", "roles"]
        read_only_fields = fields
