from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.actions import do_reopen_finding, do_waive_finding
from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin
from dangjian.core.filtersets import AuditEventFilterSet, FindingFilterSet
from dangjian.core.models import AuditEvent, Finding
from dangjian.core.permissions import VIEW, VIEW_AUDIT, WAIVE

from .serializers import (AuditEventSerializer, FindingSerializer, PendingChecksSerializer, ReopenSerializer,
                          WaiveSerializer)

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

    @extend_schema(summary="后台检查进度", responses={200: PendingChecksSerializer, **ERRORS},
                   parameters=[OpenApiParameter("org", int, description="只看此组织及其下级（缺省：您的全部管理范围）")],
                   description="保存或导入之后，部分规则（如文字质量 TXT-01）在后台判断：判断完成前，预警列表还是原来的"
                               "状态。`pending` 为真时，稍后再取预警列表即可看到结果。")
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def pending(self, request):
        from dangjian.core.params import id_param
        from dangjian.core.pending import pending_checks
        from dangjian.orgs.models import Org

        orgs = None
        if "org" in request.query_params:
            pk = id_param(request.query_params.get("org"))
            if pk is None:
                return Response({"detail": "组织：应填写组织编号（整数）。", "field": "org"}, status=400)
            org = Org.objects.restrict(request.user, VIEW).filter(pk=pk).first()
            if org is None:
                raise Http404
            orgs = [org]
        return Response(PendingChecksSerializer(pending_checks(request.user, orgs).as_dict()).data)

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

    # 最小必要 (docs/privacy.md): personal values in `data` are masked for readers without `view_id_number`; a read
    # that shows them in full writes one 个人信息访问记录 INSERT (“人员变更历史”, 接口) for the page, not one per row.
    def get_serializer_context(self):
        from dangjian.privacy.masking import Disclosure

        if not hasattr(self, "_disclosure"):
            self._disclosure = Disclosure(getattr(self.request, "user", None))
        return {**super().get_serializer_context(), "disclosure": self._disclosure}

    def list(self, request, *args, **kwargs):
        return self._logged(super().list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self._logged(super().retrieve(request, *args, **kwargs))

    def _logged(self, response):
        disclosure = getattr(self, "_disclosure", None)
        if disclosure is not None and disclosure.revealed:
            from dangjian.privacy.access import record_access
            from dangjian.privacy.choices import Purpose

            record_access(self.request, disclosure.revealed, Purpose.HISTORY)
        return response
