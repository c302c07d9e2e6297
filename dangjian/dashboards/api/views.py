"""数据看板 over the API: one read-only JSON endpoint per chart of an org's dashboard. The org is looked up
through `restrict()` (outside the user's scope: 404); the figures come from the rollups of the org and its
direct children only."""
from __future__ import annotations

from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin
from dangjian.core.dbrouter import replica_view
from dangjian.core.params import year_param
from dangjian.core.permissions import VIEW, can_in_org
from dangjian.orglife.models import Meeting
from dangjian.orgs.models import Org

from ..data import Board, calendar

OBJ = {200: OpenApiTypes.OBJECT}


@extend_schema(tags=["数据看板"])
@method_decorator(replica_view, name="dispatch")
class OrgDashboardViewSet(RestrictedViewSetMixin, viewsets.GenericViewSet):
    """数据看板各图表的数据（本组织及其直属下级组织，按组织树顺序，不排名）。"""
    queryset = Org.objects.all()
    pagination_class = None

    def get_object(self):
        org = super().get_object()
        if not can_in_org(self.request.user, VIEW, org):   # (a member may view their own org, not its figures)
            raise exceptions.NotFound("未找到，或不在您的管理范围内。")
        return org

    def board(self) -> Board:
        return Board(self.get_object())

    @extend_schema(summary="概况", responses=OBJ)
    @action(detail=True)
    def summary(self, request, pk=None):
        return Response(self.board().summary())

    @extend_schema(summary="合规热力图（下级组织 × 月份）", responses=OBJ, parameters=[
        OpenApiParameter("indicator", str, enum=["findings", "meetings", "dues"], description="指标")])
    @action(detail=True)
    def heatmap(self, request, pk=None):
        return Response(self.board().heatmap(request.query_params.get("indicator", "findings")))

    @extend_schema(summary="本组织趋势", responses=OBJ)
    @action(detail=True)
    def trend(self, request, pk=None):
        return Response(self.board().trend())

    @extend_schema(summary="各规则未消除预警", responses=OBJ)
    @action(detail=True)
    def rules(self, request, pk=None):
        return Response(self.board().rules())

    @extend_schema(summary="不平衡：下级组织同一指标对照", responses=OBJ)
    @action(detail=True)
    def balance(self, request, pk=None):
        return Response(self.board().balance())

    @extend_schema(summary="发展党员各阶段在办纪实", responses=OBJ)
    @action(detail=True)
    def recruitment(self, request, pk=None):
        return Response(self.board().recruitment())

    @extend_schema(summary="党费足额交纳率", responses=OBJ)
    @action(detail=True)
    def dues(self, request, pk=None):
        return Response(self.board().dues())

    @extend_schema(summary="未销号问题的时长", responses=OBJ)
    @action(detail=True)
    def rectification(self, request, pk=None):
        return Response(self.board().rectification())

    @extend_schema(summary="党支部组织生活日历热力图", responses=OBJ, parameters=[
        OpenApiParameter("year", int, description="年份（默认今年）")])
    @action(detail=True)
    def calendar(self, request, pk=None):
        org = self.get_object()
        year = year_param(request.query_params.get("year"), min=2000, default=timezone.localdate().year)
        return Response(calendar(org, Meeting.objects.restrict(request.user, VIEW), year))
