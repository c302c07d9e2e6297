from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin
from dangjian.core.errors import ActionError
from dangjian.core.permissions import ADD, CHANGE, VIEW_ID_NUMBER
from dangjian.people import actions
from dangjian.people.filtersets import PersonFilterSet
from dangjian.people.models import Person
from dangjian.privacy.access import record_access
from dangjian.privacy.choices import Purpose

from .serializers import (PersonMoveSerializer, PersonSerializer, PersonUpdateSerializer,
                          RevealedIdNumberSerializer, StatusChangeSerializer)

ERRORS = {400: OpenApiResponse(DetailSerializer, description="操作被拒绝，detail 说明原因"),
          403: OpenApiResponse(DetailSerializer, description="可以查看但无权进行此操作"),
          404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}


@extend_schema_view(
    list=extend_schema(summary="人员列表", description="您管理范围内的党员和入党积极分子等；党员本人只看到自己。"
                                                  "`q` 可按姓名或完整的公民身份号码查找。"),
    retrieve=extend_schema(summary="人员详情", responses={200: PersonSerializer, **ERRORS}),
    create=extend_schema(summary="登记人员", description="所在党组织须在您的管理范围内。",
                         responses={201: PersonSerializer, **ERRORS}),
    update=extend_schema(summary="修改人员信息", responses={200: PersonUpdateSerializer, **ERRORS}),
    partial_update=extend_schema(summary="修改人员信息（部分字段）", responses={200: PersonUpdateSerializer, **ERRORS}),
)
@extend_schema(tags=["人员"])
class PersonViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.ReadOnlyModelViewSet):
    queryset = Person.objects.all()
    select_related = ("org", "group", "unit")
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    ordering_fields = ["name", "status", "probationary_date", "full_member_date", "birth_date", "id"]
    ordering = ["org__path", "name", "id"]

    def get_serializer_class(self):
        return {"update": PersonUpdateSerializer, "partial_update": PersonUpdateSerializer,
                "status": StatusChangeSerializer, "move": PersonMoveSerializer}.get(self.action, PersonSerializer)

    # 个人信息访问记录: the API returns phone and birth date, so a read is logged — one INSERT per list page.
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._read = page
        return page

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record_access(request, getattr(self, "_read", None) or [], Purpose.API_READ)
        return response

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        record_access(request, person, Purpose.API_READ)
        return Response(self.get_serializer(person).data)

    # The answers of create/update/status/move carry the same personal data as a read: logged the same way.
    def perform_create(self, serializer):
        super().perform_create(serializer)
        record_access(self.request, serializer.instance, Purpose.API_READ)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        record_access(self.request, serializer.instance, Purpose.API_READ)

    def _answer(self, person):
        person = self.base_queryset().get(pk=person.pk)
        record_access(self.request, person, Purpose.API_READ)
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data)

    @extend_schema(summary="党籍状态变更", request=StatusChangeSerializer, responses={200: PersonSerializer, **ERRORS},
                   description="转正、停止党籍、恢复、除名、去世、转出等；只能按规定的顺序变更，历史留痕。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def status(self, request, pk=None):
        person = self.get_object()
        self.require_in_org(CHANGE, person.org, "党籍状态须由党组织管理员变更。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        return self._answer(actions.do_change_status(person, d["status"], on=d.get("on"), reason=d.get("reason", ""),
                                                     acting_user=request.user))

    @extend_schema(summary="组织关系转接（系统内）", request=PersonMoveSerializer,
                   responses={200: PersonSerializer, **ERRORS},
                   description="把人员的组织关系转到另一个党组织；须同时管理转出和转入的组织。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def move(self, request, pk=None):
        person = self.get_object()
        self.require_in_org(CHANGE, person.org, "组织关系须由党组织管理员转接。")
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        target = s.validated_data["org"]
        self.require_in_org(ADD, target)
        return self._answer(actions.do_move_person(person, target, on=s.validated_data.get("on"),
                                                   acting_user=request.user))

    @extend_schema(summary="查看完整公民身份号码", request=None,
                   responses={200: RevealedIdNumberSerializer, **ERRORS},
                   description="须有查看身份证号的权限；每次查看都记入操作记录。")
    @action(detail=True, methods=["post"], url_path="reveal-id", url_name="reveal-id",
            restrict_action=VIEW_ID_NUMBER)
    def reveal_id(self, request, pk=None):
        person = self.get_object()
        if not person.id_number_encrypted:
            raise ActionError("该人员未登记公民身份号码。", field="id_number")
        number = actions.do_reveal_id_number(person, acting_user=request.user)
        record_access(request, person, Purpose.ID_NUMBER, skip_self=False)
        response = Response({"id": person.pk, "name": person.name, "id_number": number}, status=status.HTTP_200_OK)
        response["Cache-Control"] = "no-store"  # the full number must not stay in any cache
        return response
