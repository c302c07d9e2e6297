from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets

from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin
from dangjian.core.permissions import VIEW_AUDIT
from dangjian.privacy.filtersets import PersonalDataAccessFilterSet
from dangjian.privacy.models import PersonalDataAccess

from .serializers import PersonalDataAccessSerializer

ERRORS = {404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}


@extend_schema_view(
    list=extend_schema(summary="个人信息访问记录", description="谁在何时查看了哪位人员的个人信息（人员详情、身份证号明文、"
                                                       "导出）。须有查看操作记录的权限；党员本人只看到关于自己的记录。"),
    retrieve=extend_schema(summary="个人信息访问记录详情", responses={200: PersonalDataAccessSerializer, **ERRORS}),
)
@extend_schema(tags=["个人信息保护"])
class PersonalDataAccessViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = PersonalDataAccess.objects.all()
    view_action = VIEW_AUDIT
    select_related = ("actor", "person", "org")
    serializer_class = PersonalDataAccessSerializer
    filterset_class = PersonalDataAccessFilterSet
    ordering_fields = ["created", "id"]
    ordering = ["-created", "-id"]
