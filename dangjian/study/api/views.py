"""学习培训 over the API: the records (filter ?person=&year=), one session for many members, removing a
record entered by mistake (with the reason)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.params import id_param
from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.permissions import CHANGE

from .. import actions
from ..models import LectureSchedule, StudyPlan, StudyRecord, TrainingClass
from .serializers import (DeleteSerializer, LectureScheduleSerializer, SessionSerializer, StudyPlanSerializer,
                          StudyRecordSerializer, TrainingClassSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因")


@extend_schema(tags=["学习培训"])
class StudyRecordViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """学习培训记录。筛选：?person=&year="""
    queryset = StudyRecord.objects.all()
    serializer_class = StudyRecordSerializer
    ordering = ["-date", "-id"]

    def get_queryset(self):
        qs = super().get_queryset()
        p = self.request.query_params
        person, year = p.get("person") or "", p.get("year") or ""
        if (pid := id_param(person)) is not None:
            qs = qs.filter(person_id=pid)
        if year.isascii() and year.isdecimal() and len(year) <= 4:
            qs = qs.filter(date__year=int(year))
        return qs

    def get_serializer_class(self):
        return {"session": SessionSerializer, "remove": DeleteSerializer}.get(self.action, StudyRecordSerializer)

    @extend_schema(summary="登记一次学习（多名党员）", request=SessionSerializer,
                   responses={201: StudyRecordSerializer(many=True), **ERRORS})
    @action(detail=False, methods=["post"], restrict_action=CHANGE)
    def session(self, request):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        for p in d["people"]:
            self.require_in_org(CHANGE, p.org, "学习记录须由党组织管理员登记。")
        rows = actions.do_record_study(d.pop("people"), acting_user=request.user, **d)
        return Response(StudyRecordSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="删除一条学习记录", request=DeleteSerializer, responses={204: None, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def remove(self, request, pk=None):
        rec = self.get_object()
        if rec.org is None:
            raise exceptions.NotFound()
        self.require_in_org(CHANGE, rec.org, "学习记录须由党组织管理员删除。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_delete_study_record(rec, acting_user=request.user, **s.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _year_filter(qs, request, field):
    y = request.query_params.get("year") or ""
    return qs.filter(**{field: int(y)}) if y.isascii() and y.isdecimal() else qs


@extend_schema(tags=["学习培训"])
class StudyPlanViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """年度学习计划（含学习专题）。筛选：?year="""
    queryset = StudyPlan.objects.prefetch_related("items")
    serializer_class = StudyPlanSerializer
    ordering = ["-year", "id"]

    def get_queryset(self):
        return _year_filter(super().get_queryset(), self.request, "year")


@extend_schema(tags=["学习培训"])
class TrainingClassViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """读书班、集中轮训、任职培训（含学员和结业）。筛选：?year="""
    queryset = TrainingClass.objects.prefetch_related("participants")
    serializer_class = TrainingClassSerializer
    ordering = ["-start", "-id"]

    def get_queryset(self):
        return _year_filter(super().get_queryset(), self.request, "start__year")


@extend_schema(tags=["学习培训"])
class LectureScheduleViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """书记讲党课安排（含计划党课）。筛选：?year="""
    queryset = LectureSchedule.objects.prefetch_related("lectures")
    serializer_class = LectureScheduleSerializer
    ordering = ["-year", "id"]

    def get_queryset(self):
        return _year_filter(super().get_queryset(), self.request, "year")
