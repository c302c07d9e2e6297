"""考责 over the API: schemes and their indicators (every change re-scores), results, assessors' manual
scores, reports and 述职评议会 (tallies and grades), and the 问责 register (discipline roles only). Reads
go through `restrict()`; out of scope answers 404."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.params import id_param
from dangjian.core.permissions import CHANGE, VIEW, VIEW_DISCIPLINE, user_scope

from .. import actions
from ..models import Accountability, Indicator, Report, Result, ReviewMeeting, Scheme
from .serializers import (AccountabilityCreateSerializer, AccountabilitySerializer, AppraiseSerializer,
                          IndicatorChangeSerializer, IndicatorCreateSerializer, IndicatorSerializer,
                          ManualScoreSerializer, ReportCreateSerializer, ReportSerializer, ResultSerializer,
                          ReviewCreateSerializer, ReviewSerializer, SchemeCreateSerializer, SchemeSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因")


@extend_schema(tags=["考核评议"])
class SchemeViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """考核方案及其指标树。"""
    queryset = Scheme.objects.all()
    select_related = ("issuer",)
    prefetch_related = ("indicators",)
    serializer_class = SchemeSerializer
    ordering = ["-year", "id"]

    def get_serializer_class(self):
        return SchemeCreateSerializer if self.action == "create" else SchemeSerializer

    @extend_schema(summary="制定考核方案", request=SchemeCreateSerializer, responses={201: SchemeSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        scheme = actions.do_create_scheme(acting_user=request.user, **s.validated_data)
        return Response(SchemeSerializer(scheme).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="发布并评分", request=None, responses={200: SchemeSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def publish(self, request, pk=None):
        return Response(SchemeSerializer(actions.do_publish_scheme(self.get_object(), acting_user=request.user)).data)

    @extend_schema(summary="按最新数据重新评分", request=None, responses={200: SchemeSerializer, 202: SchemeSerializer, **ERRORS},
                   description="考核对象较多（超过 2,000 个）时在后台评分，答 202；结果见 /api/assessment/results/?scheme=。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def score(self, request, pk=None):
        scheme = self.get_object()
        now = actions.do_score_scheme(scheme, acting_user=request.user)
        scheme.refresh_from_db()
        return Response(SchemeSerializer(scheme).data, status=status.HTTP_200_OK if now else status.HTTP_202_ACCEPTED)


@extend_schema(tags=["考核评议"])
class IndicatorViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """考核指标：增加、修改、删除都会重新评分。"""
    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    ordering = ["scheme", "order", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return {"create": IndicatorCreateSerializer, "partial_update": IndicatorChangeSerializer}.get(
            self.action, IndicatorSerializer)

    @extend_schema(summary="增加指标", request=IndicatorCreateSerializer, responses={201: IndicatorSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        scheme = d.pop("scheme")
        return Response(IndicatorSerializer(actions.do_add_indicator(scheme, acting_user=request.user, **d)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="修改指标（重新评分）", request=IndicatorChangeSerializer,
                   responses={200: IndicatorSerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        ind = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(IndicatorSerializer(actions.do_update_indicator(ind, acting_user=request.user,
                                                                        **s.validated_data)).data)

    @extend_schema(summary="删除指标（重新评分）", responses={204: None, **ERRORS})
    def destroy(self, request, *args, **kwargs):
        actions.do_delete_indicator(self.get_object(), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["考核评议"])
class ResultViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """考核结果（按组织排列，不排名）。`?scheme=` 只看一个方案。"""
    queryset = Result.objects.all()
    select_related = ("org",)
    serializer_class = ResultSerializer
    ordering = ["scheme", "org__path"]

    def get_queryset(self):
        qs = super().get_queryset()
        scheme = self.request.query_params.get("scheme")
        return qs.filter(scheme_id=id_param(scheme)) if id_param(scheme) is not None else qs

    @extend_schema(summary="考核人评分", request=ManualScoreSerializer, responses={200: ResultSerializer, **ERRORS},
                   description="只有方案指定的考核人可以评分；该组织的结果随即重新计算。")
    @action(detail=False, methods=["post"], url_path="manual-score", restrict_action=VIEW)
    def manual_score(self, request):
        s = ManualScoreSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        d = s.validated_data
        actions.do_manual_score(d["indicator"], org=d["org"], points=d["points"], evidence=d["evidence"],
                                acting_user=request.user)
        result = Result.objects.select_related("org").filter(scheme_id=d["indicator"].scheme_id, org=d["org"]).first()
        if result is None:
            raise exceptions.ValidationError({"org": ["该组织不是本方案的考核对象。"]})
        return Response(ResultSerializer(result).data)


@extend_schema(tags=["考核评议"])
class ReportViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """述职报告和党组年度报告。"""
    queryset = Report.objects.all()
    serializer_class = ReportSerializer
    ordering = ["-year", "org", "id"]

    def get_serializer_class(self):
        return {"create": ReportCreateSerializer, "appraise": AppraiseSerializer}.get(self.action, ReportSerializer)

    def get_restrict_action(self):
        # Writing one's own report is self-service: the action checks who may write it.
        return VIEW if self.action == "create" else super().get_restrict_action()

    @extend_schema(summary="报送报告", request=ReportCreateSerializer, responses={201: ReportSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        r = actions.do_submit_report(acting_user=request.user, **s.validated_data)
        return Response(ReportSerializer(r).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="测评票数、上级点评和综合评价等次", request=AppraiseSerializer,
                   responses={200: ReportSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def appraise(self, request, pk=None):
        r = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        r = actions.do_appraise(r, votes=[d["votes_good"], d["votes_fairly_good"], d["votes_average"], d["votes_poor"]],
                                grade=d["grade"], comment=d["comment"], acting_user=request.user)
        return Response(ReportSerializer(r).data)


@extend_schema(tags=["考核评议"])
class ReviewViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """述职评议会。"""
    queryset = ReviewMeeting.objects.all()
    prefetch_related = ("reports",)
    serializer_class = ReviewSerializer
    ordering = ["-year", "-date"]

    def get_serializer_class(self):
        return ReviewCreateSerializer if self.action == "create" else ReviewSerializer

    @extend_schema(summary="登记述职评议会", request=ReviewCreateSerializer, responses={201: ReviewSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        rv = actions.do_create_review(acting_user=request.user, **s.validated_data)
        return Response(ReviewSerializer(rv).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["考核评议"])
class AccountabilityViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """问责和四种形态台账：仅纪检角色。"""
    queryset = Accountability.objects.all()
    select_related = ("person", "org")
    serializer_class = AccountabilitySerializer
    ordering = ["-date", "-id"]

    def get_serializer_class(self):
        return AccountabilityCreateSerializer if self.action == "create" else AccountabilitySerializer

    def get_restrict_action(self):
        return VIEW if self.request.method in ("GET", "HEAD", "OPTIONS") else CHANGE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if user_scope(request.user, VIEW_DISCIPLINE).empty:
            raise exceptions.NotFound("未找到，或不在您的管理范围内。")

    @extend_schema(summary="登记", request=AccountabilityCreateSerializer,
                   responses={201: AccountabilitySerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        a = actions.do_record_accountability(acting_user=request.user, **s.validated_data)
        return Response(AccountabilitySerializer(a).data, status=status.HTTP_201_CREATED)
