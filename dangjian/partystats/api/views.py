"""党内统计 over the API: the tables of one subtree and year as JSON (`?year=`, default the previous year).
Only those who administer or audit the organisation; anything else is 404."""
from __future__ import annotations

from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from dangjian.core.api.base import NOT_FOUND, RestrictedViewSetMixin, error_responses
from dangjian.core.dbrouter import replica_view
from dangjian.core.params import year_param
from dangjian.core.permissions import VIEW, can_in_org
from dangjian.orgs.models import Org

from .. import tables
from ..forms import FIRST_YEAR
from .serializers import StatsReportSerializer


@extend_schema(tags=["党内统计"])
@method_decorator(replica_view, name="dispatch")
class PartyStatsViewSet(RestrictedViewSetMixin, viewsets.GenericViewSet):
    """党内统计年报各表（所选党组织及其全部下级）。"""
    queryset = Org.objects.all()
    serializer_class = StatsReportSerializer

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="统计年度，默认上一年")],
                   responses={200: StatsReportSerializer, **error_responses("统计年度不正确")})
    def retrieve(self, request, pk=None):
        org = self.get_object()
        if not can_in_org(request.user, VIEW, org):
            raise exceptions.NotFound(NOT_FOUND)
        this = timezone.localdate().year
        year = year_param(request.query_params.get("year") or str(this - 1), min=FIRST_YEAR, max=this)
        if year is None:
            raise exceptions.ValidationError({"year": [f"统计年度应为 {FIRST_YEAR}—{this} 之间的年份。"]})
        return Response(tables.compute(org, year).as_dict())
