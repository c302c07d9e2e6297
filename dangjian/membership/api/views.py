"""组织关系 over the API: transfers (issue a letter, confirm the report, cancel, record a transfer in) and
the contacts with 流动党员. Reads go through `restrict()`; out of scope answers 404."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.permissions import CHANGE

from .. import actions
from ..models import MobileContact, Transfer
from .serializers import (TransferCancelSerializer, TransferIssueSerializer, MobileContactSerializer, TransferReceiveSerializer,
                          TransferReportSerializer, TransferSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因")
ADMIN_ONLY = "组织关系转接须由党组织管理员办理。"


@extend_schema(tags=["组织关系"])
class TransferViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """组织关系转接记录（转出、转入）。"""
    queryset = Transfer.objects.all()
    select_related = ("person", "from_org", "to_org")
    serializer_class = TransferSerializer
    ordering = ["-id"]

    def get_serializer_class(self):
        return {"issue": TransferIssueSerializer, "receive": TransferReceiveSerializer, "report": TransferReportSerializer,
                "cancel": TransferCancelSerializer}.get(self.action, TransferSerializer)

    @extend_schema(summary="开具组织关系介绍信（转出）", request=TransferIssueSerializer, responses={201: TransferSerializer, **ERRORS},
                   description="转到本系统内的党组织一步办结；转到系统外的待回执，有效期缺省按规则参数（REL-03）。")
    @action(detail=False, methods=["post"], restrict_action=CHANGE)
    def issue(self, request):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        person = d.pop("person")
        self.require_in_org(CHANGE, person.org, ADMIN_ONLY)
        t = actions.do_issue_transfer_out(person, acting_user=request.user, **d)
        return Response(TransferSerializer(t).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="登记从系统外转入", request=TransferReceiveSerializer, responses={201: TransferSerializer, **ERRORS})
    @action(detail=False, methods=["post"], restrict_action=CHANGE)
    def receive(self, request):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        person = d.pop("person")
        self.require_in_org(CHANGE, person.org, ADMIN_ONLY)
        t = actions.do_receive_transfer_in(person, acting_user=request.user, **d)
        return Response(TransferSerializer(t).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="确认报到（回执）", request=TransferReportSerializer, responses={200: TransferSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def report(self, request, pk=None):
        t = self.get_object()
        self.require_in_org(CHANGE, t.org, ADMIN_ONLY)
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(TransferSerializer(actions.do_confirm_report(t, acting_user=request.user,
                                                                     **s.validated_data)).data)

    @extend_schema(summary="撤销介绍信", request=TransferCancelSerializer, responses={200: TransferSerializer, **ERRORS})
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def cancel(self, request, pk=None):
        t = self.get_object()
        self.require_in_org(CHANGE, t.org, ADMIN_ONLY)
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(TransferSerializer(actions.do_cancel_transfer(t, acting_user=request.user,
                                                                      **s.validated_data)).data)


@extend_schema(tags=["组织关系"])
class MobileContactViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """与流动党员的联系记录（EDU-05）。"""
    queryset = MobileContact.objects.all()
    serializer_class = MobileContactSerializer
    ordering = ["-date", "-id"]

    @extend_schema(summary="登记与流动党员的联系", responses={201: MobileContactSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        person = d.pop("person")
        self.require_in_org(CHANGE, person.org, ADMIN_ONLY)
        c = actions.do_record_contact(person, acting_user=request.user, **d)
        return Response(MobileContactSerializer(c).data, status=status.HTTP_201_CREATED)
