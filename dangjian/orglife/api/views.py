"""组织生活 over the API: meetings (record, correct, delete with a reason, the member's own QR sign-in),
谈心谈话, 民主评议党员, meeting attachments and the 整改清单."""
from __future__ import annotations

import django_filters as df
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from dangjian.core.api.base import DetailSerializer, RestrictedViewSetMixin
from dangjian.core.errors import ActionError
from dangjian.core.permissions import ADD, CHANGE, DELETE, VIEW, user_scope
from dangjian.orglife import actions
from dangjian.orglife.filtersets import MeetingFilterSet, TalkFilterSet
from dangjian.orglife.models import Appraisal, Meeting, MeetingAttachment, RectificationItem
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from .serializers import (AppraisalSerializer, AttachmentSerializer, AttendanceSerializer, MeetingDeleteSerializer,
                          MeetingSerializer, MeetingUpdateSerializer, ReasonSerializer, RectificationCloseSerializer,
                          RectificationItemSerializer, SignInSerializer, TalkSerializer, appraisal_queryset, attachment_queryset,
                          meeting_queryset, rectification_queryset, talk_queryset)

ERRORS = {400: OpenApiResponse(DetailSerializer, description="操作被拒绝，detail 说明原因（EVAL-01 等规则另有 rule）"),
          403: OpenApiResponse(DetailSerializer, description="可以查看但无权进行此操作"),
          404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}


# The shared list filters, plus `org` (exactly that organisation) for API clients. Its choices are
# restricted by RestrictedFilterBackend, so an org outside the scope is refused like a missing one.
class MeetingApiFilterSet(MeetingFilterSet):
    org = df.ModelChoiceFilter(queryset=Org.objects.all(), label="党组织（不含下级）")

    class Meta(MeetingFilterSet.Meta):
        fields = ["org", *MeetingFilterSet.Meta.fields]


class TalkApiFilterSet(TalkFilterSet):
    org = df.ModelChoiceFilter(queryset=Org.objects.all(), label="党组织（不含下级）")
    person = df.ModelChoiceFilter(queryset=Person.objects.all(), method="with_person", label="谈话一方")

    class Meta(TalkFilterSet.Meta):
        fields = ["org", "person", *TalkFilterSet.Meta.fields]

    @extend_schema_field(OpenApiTypes.INT)  # the person's id
    def with_person(self, qs, name, value):
        return qs.filter(Q(a=value) | Q(b=value))


class AppraisalFilterSet(df.FilterSet):
    org = df.ModelChoiceFilter(queryset=Org.objects.all(), label="党组织（不含下级）")
    within = df.NumberFilter(method="in_subtree", label="党组织（含下级）")
    year = df.NumberFilter(label="年度")

    class Meta:
        model = Appraisal
        fields = ["org", "within", "year"]

    def in_subtree(self, qs, name, value):
        path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        return qs.filter(org__path__subtree=path) if path else qs.none()


class AdminCreateMixin:
    """Recording is the organisation's work: a member (self-service only) may read but not record."""

    create_refused = "此项记录须由党组织管理员登记。"

    def create(self, request, *args, **kwargs):
        # Before validation: a member would otherwise learn only that the org is "not in scope".
        if user_scope(request.user, ADD).empty:
            raise exceptions.PermissionDenied(self.create_refused)
        return super().create(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="会议列表", description="您管理范围内的会议；党员本人看到本支部和本党小组的会议。"
                                                  "`org` 为该组织，`within` 为该组织及其下级，`type`、`year` 筛选。"),
    retrieve=extend_schema(summary="会议详情", description="含出席情况、表决结果（是否达到法定人数、是否通过）"
                                                      "和批评与自我批评；`backfilled_days` 为补录天数。",
                           responses={200: MeetingSerializer, **ERRORS}),
    create=extend_schema(summary="登记会议或发布会议通知",
                         description="组织须在您的管理范围内；未来日期的会议请以 state=announced 发布通知。",
                         responses={201: MeetingSerializer, **ERRORS}),
    update=extend_schema(summary="修改会议记录", responses={200: MeetingSerializer, **ERRORS}),
    partial_update=extend_schema(summary="修改会议记录（部分字段）", responses={200: MeetingSerializer, **ERRORS}),
)
@extend_schema(tags=["组织生活"])
class MeetingViewSet(RestrictedViewSetMixin, AdminCreateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                     viewsets.ReadOnlyModelViewSet):
    queryset = meeting_queryset()
    serializer_class = MeetingSerializer
    filterset_class = MeetingApiFilterSet
    ordering_fields = ["date", "type", "entered_at", "id"]
    ordering = ["-date", "-id"]
    create_refused = "会议须由党组织管理员（支部书记等）登记。"

    def get_serializer_class(self):
        return {"update": MeetingUpdateSerializer, "partial_update": MeetingUpdateSerializer,
                "delete_record": MeetingDeleteSerializer}.get(self.action, MeetingSerializer)

    @extend_schema(summary="删除会议记录", request=MeetingDeleteSerializer,
                   responses={204: OpenApiResponse(description="已删除"), **ERRORS},
                   description="须注明理由（例如：重复录入），记入操作记录；相关预警随即重新判断。")
    # Not named `delete`: a viewset method of that name would also answer HTTP DELETE.
    @action(detail=True, methods=["post"], url_path="delete", url_name="delete", restrict_action=DELETE)
    def delete_record(self, request, pk=None):
        meeting = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_delete_meeting(meeting, reason=s.validated_data["reason"], acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="扫码签到（本人）", request=SignInSerializer, responses={200: AttendanceSerializer, **ERRORS},
                   description="登录者本人在会议当天凭会场展示的二维码签到（`token` 为二维码链接中的签到码），"
                               "记为出席并记下时间；再次签到保留第一次的时间。扫码签到为自愿方式，未签到的由支部在会议记录中"
                               "登记出席。签到码无效、过期或不属于本次会议的答 400；不在应到人员名单中的答 404；"
                               "不是会议当天或会议已取消的答 400。")
    @action(detail=True, methods=["post"], url_path="sign-in", url_name="sign-in")
    def sign_in(self, request, pk=None):
        from dangjian.orglife.signin_views import BadSignInToken, meeting_for_sign_in, read_token

        meeting, person = meeting_for_sign_in(request.user, int(pk))   # out of scope: 404 before anything
        s = SignInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        # The code shown in the room is what proves presence: without it nobody signs in from afar.
        try:
            token_meeting, _ = read_token(s.validated_data["token"])
        except BadSignInToken as e:
            raise ActionError(str(e), field="token")
        if token_meeting != meeting.pk:
            raise ActionError("签到码不属于本次会议：请扫描本次会议会场展示的二维码。", field="token")
        row = actions.do_sign_in(meeting, person, acting_user=request.user)
        return Response(AttendanceSerializer(row).data)


@extend_schema_view(
    list=extend_schema(summary="谈心谈话列表", description="党员本人看到自己参加的谈话。`person` 为谈话一方。"),
    retrieve=extend_schema(summary="谈心谈话详情", responses={200: TalkSerializer, **ERRORS}),
    create=extend_schema(summary="登记谈心谈话", description="双方须在您的管理范围内。",
                         responses={201: TalkSerializer, **ERRORS}),
)
@extend_schema(tags=["组织生活"])
class TalkViewSet(RestrictedViewSetMixin, AdminCreateMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = talk_queryset()
    serializer_class = TalkSerializer
    filterset_class = TalkApiFilterSet
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]
    create_refused = "谈心谈话须由党组织管理员登记。"


@extend_schema_view(
    list=extend_schema(summary="民主评议党员结果列表", description="每个组织每年一份；`org`、`within`、`year` 筛选。"),
    retrieve=extend_schema(summary="民主评议党员结果详情", responses={200: AppraisalSerializer, **ERRORS}),
    create=extend_schema(summary="登记民主评议党员结果",
                         description="同一组织同一年度再次提交即整体替换。优秀超过参评人数三分之一（EVAL-01）"
                                     "或给预备党员评定等次（EVAL-02）时拒绝保存，400 中 `rule` 为规则编号。",
                         responses={201: AppraisalSerializer, **ERRORS}),
)
@extend_schema(tags=["组织生活"])
class AppraisalViewSet(RestrictedViewSetMixin, AdminCreateMixin, mixins.CreateModelMixin,
                       viewsets.ReadOnlyModelViewSet):
    queryset = appraisal_queryset()
    serializer_class = AppraisalSerializer
    filterset_class = AppraisalFilterSet
    ordering_fields = ["year", "id"]
    ordering = ["-year", "org__path", "id"]
    create_refused = "民主评议结果须由党组织管理员登记。"


# --- meeting attachments -------------------------------------------------------------------------
class AttachmentFilterSet(df.FilterSet):
    meeting = df.ModelChoiceFilter(queryset=Meeting.objects.all(), label="会议")

    class Meta:
        model = MeetingAttachment
        fields = ["meeting"]


@extend_schema_view(
    list=extend_schema(summary="会议附件列表", description="`meeting` 为该会议的附件。党员本人看到本支部会议的附件。"),
    retrieve=extend_schema(summary="会议附件详情", responses={200: AttachmentSerializer, **ERRORS}),
    create=extend_schema(summary="上传会议附件", description="multipart/form-data：`meeting`（须可修改该会议）与 `file`。"
                                                      "类型按内容识别，大小、类型、数量超限时 400 说明原因，不保存。",
                         request={"multipart/form-data": AttachmentSerializer},
                         responses={201: AttachmentSerializer, **ERRORS}),
)
@extend_schema(tags=["组织生活"])
class AttachmentViewSet(RestrictedViewSetMixin, AdminCreateMixin, mixins.CreateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    queryset = attachment_queryset()
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilterSet
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["uploaded_at", "id"]
    ordering = ["meeting", "uploaded_at", "id"]
    create_refused = "会议附件须由党组织管理员上传。"

    def get_serializer_class(self):
        return ReasonSerializer if self.action == "delete_record" else AttachmentSerializer

    @extend_schema(summary="删除会议附件", request=ReasonSerializer,
                   responses={204: OpenApiResponse(description="已删除"), **ERRORS},
                   description="须注明理由（例如：传错了照片），记入操作记录。")
    @action(detail=True, methods=["post"], url_path="delete", url_name="delete", restrict_action=DELETE,
            parser_classes=[JSONParser, MultiPartParser, FormParser])
    def delete_record(self, request, pk=None):
        attachment = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_delete_attachment(attachment, reason=s.validated_data["reason"], acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- 整改清单 -----------------------------------------------------------------------------------------
class RectificationFilterSet(df.FilterSet):
    org = df.ModelChoiceFilter(queryset=Org.objects.all(), field_name="meeting__org", label="党组织（不含下级）")
    within = df.NumberFilter(method="in_subtree", label="党组织（含下级）")
    meeting = df.ModelChoiceFilter(queryset=Meeting.objects.all(), label="会议")
    closed = df.BooleanFilter(method="is_closed", label="已完成")
    overdue = df.BooleanFilter(method="is_overdue", label="逾期未完成")

    class Meta:
        model = RectificationItem
        fields = ["org", "within", "meeting", "closed", "overdue"]

    def in_subtree(self, qs, name, value):
        path = Org.objects.filter(pk=value).values_list("path", flat=True).first()
        return qs.filter(meeting__org__path__subtree=path) if path else qs.none()

    def is_closed(self, qs, name, value):
        return qs.filter(closed__isnull=not value)

    def is_overdue(self, qs, name, value):
        overdue = qs.overdue()
        return overdue if value else qs.exclude(pk__in=overdue.values("pk"))


@extend_schema_view(
    list=extend_schema(summary="整改清单", description="`org`、`within`、`meeting` 筛选；`closed=true/false` 已完成或未完成；"
                                                  "`overdue=true` 逾期未完成。责任人本人看到自己的整改事项。"),
    retrieve=extend_schema(summary="整改事项详情", responses={200: RectificationItemSerializer, **ERRORS}),
    create=extend_schema(summary="添加整改事项", description="组织生活会或民主生活会召开后制定：问题、责任人（参会人员）、整改时限。",
                         responses={201: RectificationItemSerializer, **ERRORS}),
)
@extend_schema(tags=["组织生活"])
class RectificationItemViewSet(RestrictedViewSetMixin, AdminCreateMixin, mixins.CreateModelMixin,
                               viewsets.ReadOnlyModelViewSet):
    queryset = rectification_queryset()
    serializer_class = RectificationItemSerializer
    filterset_class = RectificationFilterSet
    ordering_fields = ["deadline", "closed", "entered_at", "id"]
    ordering = ["deadline", "id"]
    create_refused = "整改清单须由党组织管理员登记。"

    def get_serializer_class(self):
        return RectificationCloseSerializer if self.action == "close" else RectificationItemSerializer

    @extend_schema(summary="整改完成", request=RectificationCloseSerializer,
                   responses={200: RectificationItemSerializer, **ERRORS},
                   description="登记完成日期和整改成效；已完成的不能重复标记。")
    @action(detail=True, methods=["post"], restrict_action=CHANGE)
    def close(self, request, pk=None):
        item = self.get_object()
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_close_rectification_item(item, acting_user=request.user, **s.validated_data)
        return Response(RectificationItemSerializer(rectification_queryset().get(pk=item.pk),
                                                    context=self.get_serializer_context()).data)
