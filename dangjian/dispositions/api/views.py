"""组织处置 over the API: read within `restrict()`, open, and each procedure step as a POST."""
from __future__ import annotations

import django_filters as df
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin
from dangjian.core.permissions import ADD, CHANGE, user_scope
from dangjian.dispositions import actions
from dangjian.dispositions.filtersets import DispositionFilterSet
from dangjian.dispositions.models import Disposition
from dangjian.orgs.models import Org

from .serializers import (ApproveSerializer, CancelSerializer, CloseCorrectionSerializer, DateStepSerializer,
                          DispositionOpenSerializer, DispositionSerializer, InvestigateSerializer, VoteSerializer,
                          WithdrawalSerializer)

ERRORS = {400: OpenApiResponse(DetailSerializer, description="操作被拒绝，detail 说明原因（DISP-01/02/04 另有 rule）"),
          403: OpenApiResponse(DetailSerializer, description="可以查看但无权进行此操作"),
          404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}


class DispositionApiFilterSet(DispositionFilterSet):
    org = df.ModelChoiceFilter(queryset=Org.objects.all(), label="党组织（不含下级）")

    class Meta(DispositionFilterSet.Meta):
        fields = ["org", *DispositionFilterSet.Meta.fields]


STEPS = {
    "file": (DateStepSerializer, lambda d, v, u: actions.do_file_disposition(d, acting_user=u, **v)),
    "investigate": (InvestigateSerializer, lambda d, v, u: actions.do_record_investigation(d, acting_user=u, **v)),
    "vote": (VoteSerializer, lambda d, v, u: actions.do_record_vote(d, acting_user=u, **v)),
    "approve": (ApproveSerializer, lambda d, v, u: actions.do_approve_disposition(d, acting_user=u, **v)),
    "close_correction": (CloseCorrectionSerializer, lambda d, v, u: actions.do_close_correction(d, acting_user=u, **v)),
    "withdrawal": (WithdrawalSerializer, lambda d, v, u: actions.do_record_withdrawal(d, acting_user=u, **v)),
    "cancel": (CancelSerializer, lambda d, v, u: actions.do_cancel_disposition(d, acting_user=u, **v)),
}


def _step(summary, serializer, description=""):
    return extend_schema(summary=summary, request=serializer, responses={200: DispositionSerializer, **ERRORS},
                         description=description or "须按程序顺序办理，顺序不对时拒绝并说明（DISP-04）。")


@extend_schema_view(
    list=extend_schema(summary="组织处置列表", description="您管理范围内的组织处置；党员本人看到自己的。"
                                                    "`org`、`within`、`state`、`measure`、`person`、`year` 筛选。"),
    retrieve=extend_schema(summary="组织处置详情", responses={200: DispositionSerializer, **ERRORS}),
    create=extend_schema(summary="启动组织处置（支委会研究提出启动意见）", request=DispositionOpenSerializer,
                         responses={201: DispositionSerializer, **ERRORS},
                         description="已因同一问题受到党纪处分的拒绝（DISP-01）；同一党员已有进行中的处置时拒绝。"),
)
@extend_schema(tags=["组织处置"])
class DispositionViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Disposition.objects.all()
    select_related = ("person", "org")
    serializer_class = DispositionSerializer
    filterset_class = DispositionApiFilterSet
    ordering_fields = ["opened", "state", "measure", "id"]
    ordering = ["-opened", "-id"]

    def get_serializer_class(self):
        if self.action == "create":
            return DispositionOpenSerializer
        if self.action in STEPS:
            return STEPS[self.action][0]
        return DispositionSerializer

    def _answer(self, d, code=status.HTTP_200_OK):
        d = self.base_queryset().get(pk=d.pk)
        return Response(DispositionSerializer(d, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        if user_scope(request.user, ADD).empty:
            raise exceptions.PermissionDenied("组织处置须由党组织管理员办理。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = actions.do_open_disposition(acting_user=request.user, **s.validated_data)
        return self._answer(d, status.HTTP_201_CREATED)

    def _run(self, request, name):
        d = self.get_object()
        self.require_in_org(CHANGE, d.org, "组织处置须由党组织管理员办理。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._answer(STEPS[name][1](d, s.validated_data, request.user))

    @_step("报基层党委事前备案", DateStepSerializer)
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def file(self, request, pk=None):
        return self._run(request, "file")

    @_step("登记调查核实", InvestigateSerializer)
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def investigate(self, request, pk=None):
        return self._run(request, "investigate")

    @_step("登记支部大会表决", VoteSerializer, "有表决权的到会人数须超过应到会人数的半数，否则拒绝；赞成人数超过应到会"
                                          "有表决权党员的半数为通过，未通过的处置结束（state=rejected）。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def vote(self, request, pk=None):
        return self._run(request, "vote")

    @_step("登记基层党委审批", ApproveSerializer, "批准即生效：限期改正开始改正期（缺省按规则参数6个月，最长1年，DISP-02）；"
                                           "劝其退党、除名记录5年内不得重新入党；除名的党员党籍状态变为已除名。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def approve(self, request, pk=None):
        return self._run(request, "approve")

    @_step("登记限期改正结果", CloseCorrectionSerializer, "改正的结束处置；期满仍无转变的可另行启动劝其退党。")
    @action(detail=True, methods=["post"], url_path="close-correction", url_name="close-correction",
            restrict_action=CHANGE)
    def close_correction(self, request, pk=None):
        return self._run(request, "close_correction")

    @_step("登记劝其退党的结果", WithdrawalSerializer, "本人同意退党的，党籍状态变为已除名（原因：劝其退党，本人同意退党）；"
                                               "劝而不退的可另行启动除名。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def withdrawal(self, request, pk=None):
        return self._run(request, "withdrawal")

    @_step("撤销组织处置", CancelSerializer, "生效之前可以撤销，须注明理由。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def cancel(self, request, pk=None):
        return self._run(request, "cancel")
