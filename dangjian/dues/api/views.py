"""党费 over the API: payments (a branch-month collected at once, a member's declaration, the
collector's confirmation, the remittance of a large extra), 核定, reductions and exemptions, a member's
ledger and the calculator. Reads go through `restrict()`; out of scope answers 404."""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.core import engine
from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin, error_responses
from dangjian.core.params import id_param
from dangjian.core.permissions import CHANGE, VIEW, user_scope
from dangjian.people.models import Person

from .. import actions
from ..calc import MoneyError, compute_with_settings
from ..ledger import accounts, first_of
from ..models import DuesBase, DuesExemption, DuesPayment
from .serializers import (CalcSerializer, CollectSerializer, DeclareSerializer, DuesBaseSerializer,
                          DuesExemptionSerializer, DuesPaymentSerializer, ExemptionCreateSerializer,
                          LedgerMonthSerializer, RemitSerializer, SetBaseSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因（引用条文）")
ADMIN_ONLY = "党费须由党组织管理员（收缴人）办理。"


@extend_schema(tags=["党费"])
class DuesPaymentViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """党费交纳记录。筛选：?person=&month=YYYY-MM-01&state=declared"""
    queryset = DuesPayment.objects.all()
    select_related = ("person",)
    serializer_class = DuesPaymentSerializer
    ordering_fields = ["id", "month"]
    ordering = ["-month", "id"]

    def get_queryset(self):
        qs = super().get_queryset()
        p = self.request.query_params
        if (pk := id_param(p.get("person"))) is not None:
            qs = qs.filter(person_id=pk)
        if p.get("month"):
            try:
                qs = qs.filter(month=first_of(timezone.datetime.fromisoformat(p["month"]).date()))
            except ValueError:
                raise exceptions.ValidationError({"month": "月份格式应为 YYYY-MM-DD"}) from None
        if p.get("state"):
            qs = qs.filter(state=p["state"])
        return qs

    def get_serializer_class(self):
        return {"collect": CollectSerializer, "declare": DeclareSerializer,
                "remit": RemitSerializer}.get(self.action, DuesPaymentSerializer)

    @extend_schema(summary="登记一个党支部一个月的收缴", request=CollectSerializer,
                   responses={201: DuesPaymentSerializer(many=True), **ERRORS},
                   description="所有行先校验，任何一行有误整批拒绝并指明党员；多交部分记为自愿多交（FEE-11）；"
                               "没有工资代扣方式（FEE-14）。")
    @action(detail=False, methods=["post"], restrict_action=CHANGE)
    def collect(self, request):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        self.require_in_org(CHANGE, d["org"], ADMIN_ONLY)
        done = actions.do_record_payments(d["org"], d["month"], [dict(r) for r in d["rows"]], acting_user=request.user)
        return Response(DuesPaymentSerializer(done, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="本人申报交纳", request=DeclareSerializer, responses={201: DuesPaymentSerializer, **ERRORS},
                   description="党员本人申报已交纳的党费，党支部收缴人确认后计入。")
    @action(detail=False, methods=["post"], restrict_action=VIEW)
    def declare(self, request):
        pid = getattr(request.user, "person_id", None)
        if not pid:
            raise exceptions.PermissionDenied("只有党员本人可以申报交纳。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        pay = actions.do_declare_payment(Person.objects.get(pk=pid), acting_user=request.user, **s.validated_data)
        return Response(DuesPaymentSerializer(pay).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="确认本人申报", request=None, responses={200: DuesPaymentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def confirm(self, request, pk=None):
        pay = self.get_object()
        self.require_in_org(CHANGE, pay.org, ADMIN_ONLY)
        return Response(DuesPaymentSerializer(actions.do_confirm_payment(pay, acting_user=request.user)).data)

    @extend_schema(summary="登记上缴中央（FEE-11）", request=RemitSerializer, responses={200: DuesPaymentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def remit(self, request, pk=None):
        pay = self.get_object()
        self.require_in_org(CHANGE, pay.org, ADMIN_ONLY)
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(DuesPaymentSerializer(actions.do_mark_remitted(pay, on=s.validated_data["on"],
                                                                       acting_user=request.user)).data)


@extend_schema(tags=["党费"])
class DuesBaseViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """党费核定：每月应交金额（自起始月份起）。"""
    queryset = DuesBase.objects.all()
    serializer_class = DuesBaseSerializer
    ordering = ["person", "start"]

    def get_serializer_class(self):
        return SetBaseSerializer if self.action == "create" else DuesBaseSerializer

    @extend_schema(summary="核定每月应交", request=SetBaseSerializer, responses={201: DuesBaseSerializer, **ERRORS},
                   description="填写计算基数，或工资项目（不计入的项目自动排除，个人所得税扣除，FEE-15）。")
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        person = d.pop("person")
        self.require_in_org(CHANGE, person.org, ADMIN_ONLY)
        row = actions.do_set_base(person, acting_user=request.user, **d)
        return Response(DuesBaseSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["党费"])
class DuesExemptionViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """少交、免交党费（须上一级党委批准，FEE-08）。"""
    queryset = DuesExemption.objects.all()
    serializer_class = DuesExemptionSerializer
    ordering = ["person", "start"]

    def get_serializer_class(self):
        return ExemptionCreateSerializer if self.action == "create" else DuesExemptionSerializer

    @extend_schema(summary="登记少交或免交", request=ExemptionCreateSerializer,
                   responses={201: DuesExemptionSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        person = d.pop("person")
        self.require_in_org(CHANGE, person.org, ADMIN_ONLY)
        ex = actions.do_record_exemption(person, acting_user=request.user, **d)
        return Response(DuesExemptionSerializer(ex).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["党费"])
class DuesLedgerViewSet(RestrictedViewSetMixin, viewsets.GenericViewSet):
    """一名党员逐月的应交、实交、欠交（只读，由核定、交纳、减免记录推算）。"""
    queryset = Person.objects.all()
    serializer_class = LedgerMonthSerializer
    pagination_class = None  # the months of one member, answered whole (a plain array, as documented)

    @extend_schema(summary="党员党费台账", responses={200: LedgerMonthSerializer(many=True), **ERRORS})
    def retrieve(self, request, pk=None):
        person = self.get_object()
        today = timezone.localdate()
        acc = accounts(Person.objects.filter(pk=person.pk), today, engine.effective_settings(),
                       until=first_of(today)).get(person.pk)
        rows = [{"month": m.month, "due": m.due, "paid": m.paid, "extra": m.extra, "declared": m.declared,
                 "exempt": m.exempt, "unpaid": m.unpaid} for m in (acc.months if acc else [])]
        return Response(LedgerMonthSerializer(rows, many=True).data)


class DuesCalcView(APIView):
    """GET /api/dues/calc/?base=3000.01&category=in_service — the same answer as `dangjian dues calc --json`."""

    @extend_schema(tags=["党费"], summary="计算每月应交党费",
                   parameters=[OpenApiParameter("base", str, required=True, description="计算基数，如 3000.00"),
                               OpenApiParameter("category", str, description="党费类别，缺省 in_service")],
                   responses={200: CalcSerializer, 400: DetailSerializer})
    def get(self, request):
        if user_scope(request.user, VIEW).empty and not getattr(request.user, "person_id", None):
            raise exceptions.PermissionDenied("请先登录。")
        try:
            d = compute_with_settings(request.query_params.get("base", ""), request.query_params.get(
                "category", "in_service"), engine.effective_settings())
        except MoneyError as e:
            return Response({"detail": str(e), "field": "base"}, status=status.HTTP_400_BAD_REQUEST)
        return Response(d.as_json())
