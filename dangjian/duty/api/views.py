"""履责 over the API: tasks of the 工作要点 (list, create, complete) and 基层党建联系点 (list, assign, log a
visit). Reads go through `restrict()`; out of scope answers 404."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.permissions import CHANGE, VIEW, can_in_org

from .. import actions
from ..models import ContactPoint, Task
from .serializers import (ContactPointCreateSerializer, ContactPointSerializer, ContactVisitSerializer,
                          TaskCreateSerializer, TaskDoneSerializer, TaskSerializer, VisitCreateSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因")


@extend_schema(tags=["责任落实"])
class TaskViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """党建工作要点分解的任务。"""
    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    ordering = ["state", "deadline", "id"]

    def get_serializer_class(self):
        return {"create": TaskCreateSerializer, "complete": TaskDoneSerializer}.get(self.action, TaskSerializer)

    @extend_schema(summary="分解任务", request=TaskCreateSerializer, responses={201: TaskSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        t = actions.do_create_task(acting_user=request.user, **s.validated_data)
        return Response(TaskSerializer(t).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="任务完成", request=TaskDoneSerializer, responses={200: TaskSerializer, **ERRORS},
                   description="责任党组织的管理员或责任人本人登记完成情况。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def complete(self, request, pk=None):
        t = self.get_object()
        if not (can_in_org(request.user, CHANGE, t.org) or getattr(request.user, "person_id", None) == t.owner_id):
            raise exceptions.PermissionDenied("由责任党组织或责任人登记完成情况。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(TaskSerializer(actions.do_complete_task(t, acting_user=request.user, **s.validated_data)).data)


@extend_schema(tags=["责任落实"])
class ContactPointViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """领导干部基层党建联系点。"""
    queryset = ContactPoint.objects.all()
    prefetch_related = ("visits",)
    serializer_class = ContactPointSerializer
    ordering = ["leader", "-since"]

    def get_serializer_class(self):
        return {"create": ContactPointCreateSerializer, "visit": VisitCreateSerializer}.get(
            self.action, ContactPointSerializer)

    @extend_schema(summary="登记联系点", request=ContactPointCreateSerializer,
                   responses={201: ContactPointSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        p = actions.do_assign_contact_point(acting_user=request.user, **s.validated_data)
        return Response(ContactPointSerializer(p).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="登记联系点活动", request=VisitCreateSerializer, responses={201: ContactVisitSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def visit(self, request, pk=None):
        p = self.get_object()
        if not (can_in_org(request.user, CHANGE, p.branch) or getattr(request.user, "person_id", None) == p.leader_id):
            raise exceptions.PermissionDenied("由联系点所在党组织或领导干部本人登记。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        v = actions.do_log_visit(p, acting_user=request.user, **s.validated_data)
        return Response(ContactVisitSerializer(v).data, status=status.HTTP_201_CREATED)
