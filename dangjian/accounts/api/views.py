from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin, api_exception_handler

from .serializers import MeSerializer, RoleAssignmentSerializer


@extend_schema_view(
    list=extend_schema(summary="角色授权列表", description="您管理范围内组织上的角色授权；其他用户只看到自己的。"),
    retrieve=extend_schema(summary="角色授权详情", responses={
        200: RoleAssignmentSerializer,
        404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}),
)
@extend_schema(tags=["角色授权"])
class RoleAssignmentViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RoleAssignment.objects.all()
    select_related = ("user", "org")
    serializer_class = RoleAssignmentSerializer
    filterset_fields = ["role", "org"]
    ordering_fields = ["start", "end", "role", "id"]
    ordering = ["org__path", "role", "id"]


@extend_schema(tags=["当前用户"])
class MeViewSet(viewsets.ViewSet):
    """The current user, their person and their roles: what a client needs to draw its menus."""

    serializer_class = MeSerializer

    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(summary="当前用户", description="当前登录用户、对应的人员及有效的角色授权。",
                   responses={200: MeSerializer})
    def list(self, request):
        user = User.objects.select_related("person__org").get(pk=request.user.pk)
        user.active_roles = list(RoleAssignment.objects.active().filter(user=user).select_related("user", "org")
                                 .order_by("org__path", "role"))
        return Response(MeSerializer(user, context={"request": request}).data)
