from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.actions import do_reopen_finding, do_waive_finding
from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin
from dangjian.core.filtersets import AuditEventFilterSet, FindingFilterSet
from dangjian.core.models import AuditEvent, Finding
from dangjian.core.permissions import VIEW_AUDIT, WAIVE

from .serializers import AuditEventSerializer, FindingSerializer, ReopenSerializer, WaiveSerializer

ERRORS = {400: OpenApiResponse(DetailSerializer, description="操作被拒绝，detail 说明原因"),
          403: OpenApiResponse(DetailSerializer, description="可以查看但无权进行此操作"),
          404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}


@extend_schema_view(
    list=extend_schema(summary="预警列表", description="规则引擎对您管理范围内组织和人员的判断；"
                                                  "`state=open` 为未解决，`within` 筛选某组织及其下级。"),
    retrieve=extend_schema(summary="预警详情", responses={200: FindingSerializer, **ERRORS}),
)
@extend_schema(tags=["预警"])
class FindingViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Finding.objects.all()
    select_related = ("org", "person", "waived_by")
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    ordering_fields = ["rule_id", "severity", "state", "first_seen", "last_seen", "id"]
    ordering = ["state", "-severity", "rule_id", "id"]

    def get_serializer_class(self):
        return {"waive": WaiveSerializer, "reopen": ReopenSerializer}.get(self.action, FindingSerializer)

    @extend_schema(summary="豁免预警", request=WaiveSerializer, responses={200: FindingSerializer, **ERRORS},
                   description="说明理由后豁免；豁免的预警不再自动重开，理由和豁免人记入操作记录。")
    @action(detail=True, methods=["post"], restrict_action=WAIVE)
    def waive(self, request, pk=None):
        finding = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        finding = do_waive_finding(finding, s.validated_data["reason"], acting_user=request.user)
        return self._answer(finding)

    @extend_schema(summary="恢复已豁免的预警", request=ReopenSerializer, responses={200: FindingSerializer, **ERRORS},
                   description="撤回豁免，预警重新打开；若数据已符合规定，随即自动消除。")
    @action(detail=True, methods=["post"], restrict_action=WAIVE)
    def reopen(self, request, pk=None):
        finding = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        finding = do_reopen_finding(finding, acting_user=request.user, reason=s.validated_data.get("reason", ""))
        return self._answer(finding)

    def _answer(self, finding):
        finding = self.base_queryset().get(pk=finding.pk)
        return Response(FindingSerializer(finding, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="操作记录（痕迹）", description="须有查看操作记录的权限；党员本人只看到关于自己的记录。"),
    retrieve=extend_schema(summary="操作记录详情", responses={200: AuditEventSerializer, **ERRORS}),
)
@extend_schema(tags=["操作记录"])
class AuditEventViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.all()
    view_action = VIEW_AUDIT
    select_related = ("actor", "org", "person")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["created", "verb", "id"]
    ordering = ["-created", "-id"]
