"""“四强”党支部 over the API (read): the standards (with dimensions and criteria), the applications (with the
self-assessment, the review's scores and the evidence frozen at submission) and the titles. The procedure itself
is done on the pages."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from dangjian.core.api.base import RestrictedViewSetMixin

from ..models import Application, Standard, Title
from .serializers import FourStrongApplicationSerializer, FourStrongStandardSerializer, FourStrongTitleSerializer


@extend_schema(tags=["“四强”党支部"])
class FourStrongStandardViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """创建标准（含维度、权重和具体标准）。下级党支部可见已发布的标准。"""
    queryset = Standard.objects.all()
    prefetch_related = ("dimensions__criteria",)
    serializer_class = FourStrongStandardSerializer
    ordering = ["-year", "id"]


@extend_schema(tags=["“四强”党支部"])
class FourStrongApplicationViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """申报、自评、审核评分和提交时固定的佐证材料。"""
    queryset = Application.objects.all()
    prefetch_related = ("scores",)
    serializer_class = FourStrongApplicationSerializer
    ordering = ["-year", "id"]


@extend_schema(tags=["“四强”党支部"])
class FourStrongTitleViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """命名：有效期、下次复核和撤销情况。"""
    queryset = Title.objects.all()
    serializer_class = FourStrongTitleSerializer
    ordering = ["org__path", "-valid_from"]
