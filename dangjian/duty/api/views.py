"""履责 over the API: tasks of the 工作要点 (list, create, read with their evidence and waiting records; confirm
a record, add a manual note, withdraw one; complete) and 基层党建联系点 (list, assign, log a
visit); 明责: 责任清单 templates (list, create with their items, publish) and 责任书 (list, instantiate, read
with each item's state, evidence and waiting records; sign; confirm a record, add a manual note, withdraw
one). Reads go through `restrict()`; out of scope answers 404."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.errors import ActionError
from dangjian.core.permissions import CHANGE, VIEW, can_in_org

from .. import actions
from ..choices import TaskState
from ..evidence import items_with_state, task_candidates_for
from ..models import ContactPoint, Evidence, ResponsibilityItem, ResponsibilityList, ResponsibilityTemplate, Task
from .serializers import (ConfirmSerializer, ContactPointCreateSerializer, ContactPointSerializer,
                          ContactVisitSerializer, InstantiateSerializer, ManualEvidenceSerializer, ResponsibilityListDetailSerializer,
                          ResponsibilityListSerializer, ResponsibilityTemplateSerializer, TaskConfirmSerializer,
                          TaskCreateSerializer, TaskDetailSerializer, TaskDoneSerializer, TaskManualEvidenceSerializer,
                          TaskSerializer, TemplateCreateSerializer, UnconfirmSerializer, VisitCreateSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因")


@extend_schema(tags=["责任落实"])
class TaskViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """党建工作要点分解的任务：佐证从已有记录中自动查找，责任人或责任党组织确认；目标达成后登记完成情况。"""
    queryset = Task.objects.all()
    select_related = ("org",)
    serializer_class = TaskSerializer
    ordering = ["state", "deadline", "id"]

    def get_serializer_class(self):
        return {"retrieve": TaskDetailSerializer, "create": TaskCreateSerializer, "complete": TaskDoneSerializer,
                "confirm": TaskConfirmSerializer, "evidence": TaskManualEvidenceSerializer,
                "unconfirm": UnconfirmSerializer}.get(self.action, TaskSerializer)

    def _detail(self, task) -> Response:
        t = Task.objects.prefetch_related(
            Prefetch("evidence_records", queryset=Evidence.objects.order_by("date", "pk"))).get(pk=task.pk)
        t.candidates = task_candidates_for([t], self.request.user)[t.pk] if t.state == TaskState.OPEN else []
        return Response(TaskDetailSerializer(t).data)

    @extend_schema(summary="任务及其佐证", responses={200: TaskDetailSerializer, **ERRORS},
                   description="已确认的佐证（evidence_records），以及可以确认为佐证的已有记录（candidates）。"
                               "evidence 为登记完成时写的完成情况。")
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(summary="分解任务", request=TaskCreateSerializer, responses={201: TaskSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        t = actions.do_create_task(acting_user=request.user, **s.validated_data)
        return Response(TaskSerializer(t).data, status=status.HTTP_201_CREATED)

    def _for_acting(self) -> Task:
        t = self.get_object()
        if not actions.may_act_on_task(self.request.user, t):
            raise exceptions.PermissionDenied("由任务的责任人本人或责任党组织的管理员办理。")
        return t

    @extend_schema(summary="任务完成", request=TaskDoneSerializer, responses={200: TaskSerializer, **ERRORS},
                   description="责任党组织的管理员或责任人本人登记完成情况。佐证来源不是手工佐证的任务，"
                               "须先确认至少一条佐证（或登记手工佐证）。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def complete(self, request, pk=None):
        t = self._for_acting()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(TaskSerializer(actions.do_complete_task(t, acting_user=request.user, **s.validated_data)).data)

    @extend_schema(summary="确认佐证", request=TaskConfirmSerializer, responses={200: TaskDetailSerializer, **ERRORS},
                   description="把任务的一条待确认记录（candidates 中的 source 与 ref_id）确认为佐证；不是候选的记录被拒绝。"
                               "确认佐证不等于完成任务：目标达成后另行登记完成情况。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def confirm(self, request, pk=None):
        t = self._for_acting()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_confirm_task_evidence(t, source=s.validated_data["source"], ref_id=s.validated_data["ref_id"],
                                         acting_user=request.user)
        return self._detail(t)

    @extend_schema(summary="手工佐证", request=TaskManualEvidenceSerializer,
                   responses={200: TaskDetailSerializer, **ERRORS},
                   description="没有可以确认的记录时，写明佐证情况和日期。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def evidence(self, request, pk=None):
        t = self._for_acting()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_add_task_evidence(t, acting_user=request.user, **s.validated_data)
        return self._detail(t)

    @extend_schema(summary="撤销佐证", request=UnconfirmSerializer, responses={200: TaskDetailSerializer, **ERRORS},
                   description="撤销推进中任务的一条佐证（理由记入操作记录）；撤销的记录重新列为待确认。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def unconfirm(self, request, pk=None):
        t = self._for_acting()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        e = Evidence.objects.filter(task=t, pk=s.validated_data["evidence"]).first()
        if e is None:
            raise ActionError("该佐证不是此任务的佐证。", field="evidence")
        actions.do_remove_evidence(e, reason=s.validated_data["reason"], acting_user=request.user)
        return self._detail(t)


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


@extend_schema(tags=["责任落实"])
class ResponsibilityTemplateViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """责任清单模板：机关工委（党组、机关党委）按责任主体制定，发布后下级单位据此建立责任书。草稿只有制定的党组织可见。"""
    queryset = ResponsibilityTemplate.objects.all()
    prefetch_related = ("items",)
    serializer_class = ResponsibilityTemplateSerializer
    ordering = ["-year", "role", "id"]

    def get_serializer_class(self):
        return TemplateCreateSerializer if self.action == "create" else ResponsibilityTemplateSerializer

    @extend_schema(summary="制定模板（连同责任事项）", request=TemplateCreateSerializer,
                   responses={201: ResponsibilityTemplateSerializer, **ERRORS},
                   description="创建草稿；发布前还可以在页面上增删事项。rules 为规则编号（逗号分隔），须是平台已有的规则。")
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        items = d.pop("items", [])
        with transaction.atomic():
            t = actions.do_create_template(acting_user=request.user, **d)
            for n, item in enumerate(items, 1):
                try:
                    actions.do_add_template_item(t, acting_user=request.user, **item)
                except ActionError as e:
                    raise ActionError(f"第{n}项：{e.message}", field="items") from e
        return Response(ResponsibilityTemplateSerializer(t).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="发布模板", request=None, responses={200: ResponsibilityTemplateSerializer, **ERRORS},
                   description="只有制定模板的党组织（或其上级）的管理员可以发布；没有事项的模板不能发布，发布后不能修改。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def publish(self, request, pk=None):
        return Response(ResponsibilityTemplateSerializer(
            actions.do_publish_template(self.get_object(), acting_user=request.user)).data)


@extend_schema(tags=["责任落实"])
class ResponsibilityListViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """责任书：一人一年在一个单位的责任清单，本人签署；每个事项的佐证从已有记录中自动查找，本人确认。"""
    queryset = ResponsibilityList.objects.all()
    select_related = ("person", "template")
    serializer_class = ResponsibilityListSerializer
    ordering = ["-year", "id"]

    def get_serializer_class(self):
        return {"retrieve": ResponsibilityListDetailSerializer, "create": InstantiateSerializer,
                "confirm": ConfirmSerializer, "evidence": ManualEvidenceSerializer,
                "unconfirm": UnconfirmSerializer}.get(self.action, ResponsibilityListSerializer)

    def _detail(self, lst) -> Response:
        (lst,) = items_with_state([lst], timezone.localdate(), self.request.user)
        return Response(ResponsibilityListDetailSerializer(lst).data)

    @extend_schema(summary="责任书及其事项", responses={200: ResponsibilityListDetailSerializer, **ERRORS},
                   description="每个事项的状态、已确认的佐证，以及可以确认为佐证的已有记录（candidates）。")
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(summary="建立责任书", request=InstantiateSerializer,
                   responses={201: ResponsibilityListSerializer(many=True), **ERRORS},
                   description="按已发布的模板为单位的人员各建立一份责任书；单位须在模板制定的党组织之下，已有的不能重复建立。")
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        lists = actions.do_instantiate(d["template"], org=d["org"], people=d["people"], acting_user=request.user)
        return Response(ResponsibilityListSerializer(lists, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="本人签署", request=None, responses={200: ResponsibilityListDetailSerializer, **ERRORS},
                   description="只有责任人本人（账户关联的党员）可以签署，签署一次。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def sign(self, request, pk=None):
        lst = self.get_object()
        if getattr(request.user, "person_id", None) != lst.person_id:
            raise exceptions.PermissionDenied("责任书须由责任人本人签署。")
        return self._detail(actions.do_sign(lst, acting_user=request.user))

    def _for_evidence(self) -> ResponsibilityList:
        lst = self.get_object()
        if not actions.may_evidence(self.request.user, lst):
            raise exceptions.PermissionDenied("佐证由责任人本人或所在单位党组织的管理员确认。")
        return lst

    @staticmethod
    def _item(lst, pk) -> ResponsibilityItem:
        item = ResponsibilityItem.objects.filter(list=lst, pk=pk).first()
        if item is None:
            raise ActionError("该事项不在此责任书中。", field="item")
        return item

    @extend_schema(summary="确认佐证", request=ConfirmSerializer,
                   responses={200: ResponsibilityListDetailSerializer, **ERRORS},
                   description="把事项的一条待确认记录（candidates 中的 source 与 ref_id）确认为佐证；不是候选的记录被拒绝。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def confirm(self, request, pk=None):
        lst = self._for_evidence()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        actions.do_confirm_evidence(self._item(lst, d["item"]), source=d["source"], ref_id=d["ref_id"],
                                    acting_user=request.user)
        return self._detail(lst)

    @extend_schema(summary="手工佐证", request=ManualEvidenceSerializer,
                   responses={200: ResponsibilityListDetailSerializer, **ERRORS},
                   description="没有可以确认的记录时，写明履责情况和日期。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def evidence(self, request, pk=None):
        lst = self._for_evidence()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        actions.do_add_manual_evidence(self._item(lst, d["item"]), date=d["date"], text=d["text"],
                                       acting_user=request.user)
        return self._detail(lst)

    @extend_schema(summary="撤销佐证", request=UnconfirmSerializer,
                   responses={200: ResponsibilityListDetailSerializer, **ERRORS},
                   description="撤销一条佐证（理由记入操作记录）；撤销的记录重新列为待确认。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def unconfirm(self, request, pk=None):
        lst = self._for_evidence()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        e = Evidence.objects.filter(item__list=lst, pk=s.validated_data["evidence"]).first()
        if e is None:
            raise ActionError("该佐证不在此责任书中。", field="evidence")
        actions.do_remove_evidence(e, reason=s.validated_data["reason"], acting_user=request.user)
        return self._detail(lst)
