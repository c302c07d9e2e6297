"""发展党员 over the API: read files within `restrict()`, open one, record a step, correct a step."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.permissions import ADD, CHANGE, user_scope

from .. import actions
from ..models import RecruitmentFile
from ..rules import Facts, load_facts
from .serializers import (RecruitmentCancelSerializer, RecruitmentCorrectSerializer, RecruitmentFileSerializer,
                          RecruitmentOpenSerializer, RecruitmentPlannedLeaveSerializer, RecruitmentStepSerializer,
                          RecruitmentStopSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因并引用条文（rule 为 DEV- 编号）")


@extend_schema_view(
    list=extend_schema(summary="发展党员纪实列表", description="您管理范围内的发展党员纪实（含各环节、所处阶段和下一环节的期限）。"),
    retrieve=extend_schema(summary="发展党员纪实详情", responses={200: RecruitmentFileSerializer, **ERRORS}),
    create=extend_schema(summary="建立发展党员纪实（收到入党申请书）", request=RecruitmentOpenSerializer,
                         responses={201: RecruitmentFileSerializer, **ERRORS},
                         description="未满十八岁（DEV-01）、已是党员、已有进行中的纪实、5年内不得重新入党（DISP-02）的拒绝。"),
)
@extend_schema(tags=["发展党员"])
class RecruitmentViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RecruitmentFile.objects.all()
    select_related = ("person", "org")
    prefetch_related = ("events__persons",)
    serializer_class = RecruitmentFileSerializer
    ordering_fields = ["id", "closed"]
    ordering = ["-id"]

    def get_serializer_class(self):
        return {"create": RecruitmentOpenSerializer, "steps": RecruitmentStepSerializer, "correct": RecruitmentCorrectSerializer,
                "cancel": RecruitmentCancelSerializer, "stop": RecruitmentStopSerializer,
                "planned_leave": RecruitmentPlannedLeaveSerializer}.get(self.action, RecruitmentFileSerializer)

    def list(self, request, *args, **kwargs):
        """A page of files with their facts read once for the page (not once per file)."""
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        rows = page if page is not None else list(qs)
        facts = load_facts(RecruitmentFile.objects.filter(pk__in=[f.pk for f in rows]))
        context = self.get_serializer_context()
        context["_facts"] = {c.file_id: Facts([c], facts.people, facts.orgs) for c in facts.cases}
        data = RecruitmentFileSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _answer(self, f, code=status.HTTP_200_OK):
        f = self.base_queryset().get(pk=f.pk)
        return Response(RecruitmentFileSerializer(f, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        if user_scope(request.user, ADD).empty:
            raise exceptions.PermissionDenied("发展党员纪实须由党组织管理员建立。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        f = actions.do_open_file(acting_user=request.user, **s.validated_data)
        return self._answer(f, status.HTTP_201_CREATED)

    @extend_schema(summary="登记一个环节", request=RecruitmentStepSerializer, responses={200: RecruitmentFileSerializer, **ERRORS},
                   description="按《发展党员工作细则》的顺序和期限检查：顺序不对、重复登记、或会产生阻断级预警的"
                               "（例如两名发展对象一次表决 DEV-15、培养不满一年 DEV-08）拒绝并引用条文。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def steps(self, request, pk=None):
        f = self.get_object()
        self.require_in_org(CHANGE, f.org, "发展党员纪实须由党组织管理员办理。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        step, date = data.pop("step"), data.pop("date")
        actions.do_record_step(f, step, date, acting_user=request.user, **data)
        return self._answer(f)

    @extend_schema(summary="更正一个环节", request=RecruitmentCorrectSerializer, responses={200: RecruitmentFileSerializer, **ERRORS},
                   description="原记录作废并保留（注明理由），更正后的记录按同样的规定检查。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def correct(self, request, pk=None):
        f = self.get_object()
        self.require_in_org(CHANGE, f.org, "发展党员纪实须由党组织管理员办理。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        ev = f.events.filter(pk=s.validated_data["event"]).first()
        if ev is None:
            raise exceptions.NotFound("该纪实中没有这条环节记录。")
        actions.do_correct_step(ev, date=s.validated_data["date"], reason=s.validated_data["reason"],
                                acting_user=request.user)
        return self._answer(f)

    @extend_schema(summary="取消预备党员资格", request=RecruitmentCancelSerializer, responses={200: RecruitmentFileSerializer, **ERRORS},
                   description="已批准、尚未转正的预备党员；须支部大会讨论通过（到会、赞成人数同接收预备党员，DEV-23）"
                               "并经上级党组织批准（DEV-22）。党籍状态记为已除名。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def cancel(self, request, pk=None):
        f = self.get_object()
        self.require_in_org(CHANGE, f.org, "发展党员纪实须由党组织管理员办理。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_cancel_probation(f, acting_user=request.user, **s.validated_data)
        return self._answer(f)

    @extend_schema(summary="停止培养", request=RecruitmentStopSerializer, responses={200: RecruitmentFileSerializer, **ERRORS},
                   description="尚未批准为预备党员的纪实到此结束（支部委员会研究决定、本人撤回申请、上级党委未予批准），"
                               "人员状态恢复为入党申请人；已批准的应取消预备党员资格。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def stop(self, request, pk=None):
        f = self.get_object()
        self.require_in_org(CHANGE, f.org, "发展党员纪实须由党组织管理员办理。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_stop_cultivation(f, acting_user=request.user, **s.validated_data)
        return self._answer(f)

    @extend_schema(summary="预计离开本单位日期", request=RecruitmentPlannedLeaveSerializer,
                   responses={200: RecruitmentFileSerializer, **ERRORS},
                   description="发展对象未来三个月内将离开工作、学习单位的，一般不办理接收手续（DEV-13）。")
    @action(detail=True, methods=["post"], url_path="planned-leave", restrict_action=CHANGE)
    def planned_leave(self, request, pk=None):
        f = self.get_object()
        self.require_in_org(CHANGE, f.org, "发展党员纪实须由党组织管理员办理。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_set_planned_leave(f, acting_user=request.user, **s.validated_data)
        return self._answer(f)
