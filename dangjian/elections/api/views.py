"""换届选举 over the API (read): each election with its procedure dates, candidates, votes and the count's
outcome (computed, never stored). The procedure itself is done on the pages, step by step."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from dangjian.core.api.base import RestrictedViewSetMixin

from ..models import Election
from .serializers import ElectionSerializer


@extend_schema(tags=["换届选举"])
class ElectionViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """换届选举及计票结果。"""
    queryset = Election.objects.all()
    prefetch_related = ("candidates__person",)
    serializer_class = ElectionSerializer
    ordering = ["-date", "-id"]
