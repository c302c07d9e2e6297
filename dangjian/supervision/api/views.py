"""督责 over the API: plans (a random one draws its sample from a logged seed), the problems, and the
steps of a rectification — evidence, 申请销号, 销号 or 退回 by the issuing level."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.permissions import CHANGE, VIEW

from .. import actions
from ..models import Rectification, Suggestion, SupervisionPlan
from .serializers import (EvidenceSerializer, PlanCreateSerializer, ProblemCreateSerializer, RectificationSerializer,
                          ReplySerializer, SendBackSerializer, SuggestionCreateSerializer, SuggestionSerializer,
                          SupervisionPlanSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因")


@extend_schema(tags=["督查整改"])
class SupervisionPlanViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """督查（日常、随机、集中督查，巡察）。"""
    queryset = SupervisionPlan.objects.all()
    serializer_class = SupervisionPlanSerializer
    prefetch_related = ("sampled",)
    ordering = ["-start", "-id"]

    def get_serializer_class(self):
        return PlanCreateSerializer if self.action == "create" else SupervisionPlanSerializer

    @extend_schema(summary="组织督查", request=PlanCreateSerializer, responses={201: SupervisionPlanSerializer, **ERRORS},
                   description="随机督查按填写的数量从督查范围内的党支部中抽取，随机种子记入返回结果和操作记录。")
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        plan = actions.do_create_plan(acting_user=request.user, **s.validated_data)
        return Response(SupervisionPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["督查整改"])
class RectificationViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """问题清单与整改。"""
    queryset = Rectification.objects.all()
    select_related = ("org",)
    serializer_class = RectificationSerializer
    ordering = ["state", "deadline", "id"]

    def get_serializer_class(self):
        return {"create": ProblemCreateSerializer, "evidence": EvidenceSerializer,
                "send_back": SendBackSerializer}.get(self.action, RectificationSerializer)

    @extend_schema(summary="登记发现的问题", request=ProblemCreateSerializer, responses={201: RectificationSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        issuer = d["plan"].issuing_org if d.get("plan") else actions.default_issuer(d["org"])
        self.require_in_org(CHANGE, issuer, "问题由组织督查的党组织登记。")
        r = actions.do_record_problem(acting_user=request.user, **d)
        return Response(RectificationSerializer(r).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="提交整改成效", request=EvidenceSerializer, responses={200: RectificationSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def evidence(self, request, pk=None):
        r = self.get_object()
        self.require_in_org(CHANGE, r.org, "整改成效由整改的党组织提交。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(RectificationSerializer(actions.do_add_evidence(r, acting_user=request.user,
                                                                        **s.validated_data)).data)

    @extend_schema(summary="申请销号", request=None, responses={200: RectificationSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def request_closure(self, request, pk=None):
        r = self.get_object()
        self.require_in_org(CHANGE, r.org, "销号由整改的党组织申请。")
        return Response(RectificationSerializer(actions.do_request_closure(r, acting_user=request.user)).data)

    def _for_issuer(self):
        r = Rectification.objects.restrict(self.request.user, VIEW).filter(pk=self.kwargs["pk"]).first()
        if r is None:
            raise exceptions.NotFound("不存在或不在您的管理范围内。")
        if not actions.may_approve(self.request.user, r):
            raise exceptions.PermissionDenied("销号须由组织督查的上级党组织审核。")
        return r

    @extend_schema(summary="审核销号", request=None, responses={200: RectificationSerializer, **ERRORS},
                   description="只有组织督查的上级党组织（审核销号的党组织）可以审核。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def approve(self, request, pk=None):
        return Response(RectificationSerializer(actions.do_approve_closure(self._for_issuer(),
                                                                           acting_user=request.user)).data)

    @extend_schema(summary="退回继续整改", request=SendBackSerializer, responses={200: RectificationSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def send_back(self, request, pk=None):
        r = self._for_issuer()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(RectificationSerializer(actions.do_send_back(r, acting_user=request.user,
                                                                     **s.validated_data)).data)


@extend_schema(tags=["督查整改"])
class SuggestionViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """意见建议：事事有回应（SUP-05）。"""
    queryset = Suggestion.objects.all()
    serializer_class = SuggestionSerializer
    ordering = ["received", "id"]

    def get_serializer_class(self):
        return {"create": SuggestionCreateSerializer, "reply": ReplySerializer}.get(self.action, SuggestionSerializer)

    @extend_schema(summary="登记意见建议", request=SuggestionCreateSerializer, responses={201: SuggestionSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(SuggestionSerializer(actions.do_record_suggestion(acting_user=request.user, **s.validated_data)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="回应", request=ReplySerializer, responses={200: SuggestionSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def reply(self, request, pk=None):
        sug = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(SuggestionSerializer(actions.do_reply_suggestion(sug, acting_user=request.user,
                                                                         **s.validated_data)).data)
