from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin
from dangjian.core.permissions import ADD, CHANGE, DELETE, user_scope
from dangjian.orgs import actions
from dangjian.orgs.filtersets import OrgFilterSet, PostFilterSet, UnitFilterSet
from dangjian.orgs.models import Org, Post, Unit

from .serializers import (OrgDissolveSerializer, OrgMergeSerializer, OrgMoveSerializer, OrgSerializer,
                          OrgUpdateSerializer, PostSerializer, PostUpdateSerializer, UnitSerializer,
                          org_queryset)

ERRORS = {400: OpenApiResponse(DetailSerializer, description="操作被拒绝，detail 说明原因"),
          403: OpenApiResponse(DetailSerializer, description="可以查看但无权进行此操作"),
          404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}


def covers_a_root(user, action) -> bool:
    """机关单位 are kept by the work committee: writing them needs a scope over a whole tree."""
    scope = user_scope(user, action)
    return scope.everything or any(len(p) == Org.steplen for p in scope.prefixes)


@extend_schema_view(
    list=extend_schema(summary="机关单位列表", description="您所管理的组织所在的机关单位。"),
    retrieve=extend_schema(summary="机关单位详情", responses={200: UnitSerializer, **ERRORS}),
    create=extend_schema(summary="登记机关单位", description="须工委管理员。", responses={201: UnitSerializer, **ERRORS}),
    update=extend_schema(summary="修改机关单位", responses={200: UnitSerializer, **ERRORS}),
    partial_update=extend_schema(summary="修改机关单位（部分字段）", responses={200: UnitSerializer, **ERRORS}),
)
@extend_schema(tags=["机关单位"])
class UnitViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                  viewsets.ReadOnlyModelViewSet):
    queryset = Unit.objects.all()
    select_related = ("head",)
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def perform_create(self, serializer):
        if not covers_a_root(self.request.user, ADD):
            raise exceptions.PermissionDenied("机关单位由工委管理员登记。")
        serializer.save()

    def perform_update(self, serializer):
        if not covers_a_root(self.request.user, CHANGE):
            raise exceptions.PermissionDenied("机关单位由工委管理员维护。")
        serializer.save()


@extend_schema_view(
    list=extend_schema(summary="党组织列表", description="按组织树顺序（path）列出您管理范围内的党组织；"
                                                    "`within` 筛选某组织及其全部下级。"),
    retrieve=extend_schema(summary="党组织详情", responses={200: OrgSerializer, **ERRORS}),
    create=extend_schema(summary="设立党组织", description="上级组织须在您的管理范围内；类型须符合组织层级。",
                         responses={201: OrgSerializer, **ERRORS}),
    update=extend_schema(summary="修改党组织信息", responses={200: OrgUpdateSerializer, **ERRORS}),
    partial_update=extend_schema(summary="修改党组织信息（部分字段）", responses={200: OrgUpdateSerializer, **ERRORS}),
)
@extend_schema(tags=["党组织"])
class OrgViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                 viewsets.ReadOnlyModelViewSet):
    queryset = org_queryset()
    serializer_class = OrgSerializer
    filterset_class = OrgFilterSet
    ordering_fields = ["path", "name", "type", "founded", "committee_elected", "id"]
    ordering = ["path"]

    def get_serializer_class(self):
        return {"update": OrgUpdateSerializer, "partial_update": OrgUpdateSerializer,
                "move": OrgMoveSerializer, "merge": OrgMergeSerializer,
                "dissolve": OrgDissolveSerializer}.get(self.action, OrgSerializer)

    def _answer(self, org):
        return Response(OrgSerializer(org_queryset().get(pk=org.pk), context=self.get_serializer_context()).data)

    @extend_schema(summary="调整上级组织", request=OrgMoveSerializer, responses={200: OrgSerializer, **ERRORS},
                   description="把组织（连同全部下级）移到新的上级组织之下；新上级须在您的管理范围内。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def move(self, request, pk=None):
        org = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._answer(actions.do_move_org(org, s.validated_data["parent"], acting_user=request.user))

    @extend_schema(summary="合并组织", request=OrgMergeSerializer, responses={200: OrgSerializer, **ERRORS},
                   description="本组织的人员、党小组和下级组织转入目标组织，本组织撤销。返回目标组织。")
    @action(detail=True, methods=["post"], restrict_action=DELETE)
    def merge(self, request, pk=None):
        org = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        target = actions.do_merge_orgs(org, s.validated_data["target"], on=s.validated_data.get("on"),
                                       acting_user=request.user)
        return self._answer(target)

    @extend_schema(summary="撤销组织", request=OrgDissolveSerializer, responses={200: OrgSerializer, **ERRORS},
                   description="组织中没有在册人员、没有未撤销的下级组织时才能撤销。")
    @action(detail=True, methods=["post"], restrict_action=DELETE)
    def dissolve(self, request, pk=None):
        org = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._answer(actions.do_dissolve_org(org, on=s.validated_data.get("on"),
                                                    reason=s.validated_data.get("reason", ""),
                                                    acting_user=request.user))


@extend_schema_view(
    list=extend_schema(summary="职务列表", description="`current=true` 只列现任。"),
    retrieve=extend_schema(summary="职务详情", responses={200: PostSerializer, **ERRORS}),
    create=extend_schema(summary="任职", description="人员须在您的管理范围内，组织须可由您添加职务。",
                         responses={201: PostSerializer, **ERRORS}),
    update=extend_schema(summary="修改职务（任免日期、批准日期）", responses={200: PostUpdateSerializer, **ERRORS}),
    partial_update=extend_schema(summary="修改职务（部分字段）；填写免职日期即免职",
                                 responses={200: PostUpdateSerializer, **ERRORS}),
)
@extend_schema(tags=["职务"])
class PostViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                  viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.all()
    select_related = ("person", "org")
    serializer_class = PostSerializer
    filterset_class = PostFilterSet
    ordering_fields = ["start", "end", "role", "id"]
    ordering = ["org__path", "role", "start", "id"]

    def get_serializer_class(self):
        return PostUpdateSerializer if self.action in ("update", "partial_update") else PostSerializer

