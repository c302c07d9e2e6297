from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import CHANGE, VIEW
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from dangjian.orglife.choices import MeetingType

from ..choices import EvidenceSource, ResponsibilityRole, VisitKind
from ..models import (ContactPoint, ContactVisit, Evidence, ResponsibilityItem, ResponsibilityList,
                      ResponsibilityTemplate, Task, TemplateItem)


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "year", "source", "title", "org", "owner", "deadline", "target", "evidence_source",
                  "meeting_type", "state", "done_on", "evidence"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"meeting_type": {"allow_blank": True}}


class ResponsibilityEvidenceSerializer(serializers.ModelSerializer):
    """佐证 of a responsibility item or of a task (the name is the API schema's, kept from the items)."""

    class Meta:
        model = Evidence
        fields = ["id", "source", "ref_id", "date", "text", "confirmed_at"]
        read_only_fields = fields


class CandidateSerializer(serializers.Serializer):
    source = serializers.CharField(label="来源（记录类型）")
    ref_id = serializers.IntegerField(label="记录编号")
    date = serializers.DateField(label="日期")
    text = serializers.CharField(label="内容")


class TaskDetailSerializer(TaskSerializer):
    evidence_records = ResponsibilityEvidenceSerializer(many=True, read_only=True, label="佐证（已确认的记录和手工佐证）")
    candidates = CandidateSerializer(many=True, read_only=True,
                                     label="待确认的记录（推进中的任务；已完成的任务为空）")

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + ["evidence_records", "candidates"]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    org = RestrictedRelatedField(Org, CHANGE, label="责任党组织")
    title = serializers.CharField(max_length=300, label="任务")
    owner = RestrictedRelatedField(Person, VIEW, required=False, allow_null=True, label="责任人")
    deadline = serializers.DateField(label="完成时限")
    target = serializers.CharField(max_length=300, required=False, default="", label="可衡量的目标")
    source = serializers.CharField(max_length=200, required=False, default="", label="工作要点")
    evidence_source = serializers.ChoiceField(EvidenceSource.choices, default=EvidenceSource.MANUAL, label="佐证来源",
                                              help_text="“本人…”为责任人本人的记录（须有责任人），“本组织…”为责任党组织的；"
                                                        "manual 为完成情况即佐证。")
    meeting_type = serializers.ChoiceField(MeetingType.choices, required=False, allow_blank=True, default="",
                                           label="会议类型")


class TaskDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField(label="完成日期")
    evidence = serializers.CharField(label="完成情况")


class TaskConfirmSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=40, label="来源（候选记录的 source）")
    ref_id = serializers.IntegerField(label="记录编号（候选记录的 ref_id）")


class TaskManualEvidenceSerializer(serializers.Serializer):
    date = serializers.DateField(label="日期")
    text = serializers.CharField(max_length=500, label="佐证情况")


class ContactVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactVisit
        fields = ["id", "date", "kind", "note"]
        read_only_fields = fields


class ContactPointSerializer(serializers.ModelSerializer):
    visits = ContactVisitSerializer(many=True, read_only=True, label="活动")

    class Meta:
        model = ContactPoint
        fields = ["id", "leader", "branch", "since", "until", "visits"]
        read_only_fields = fields


class ContactPointCreateSerializer(serializers.Serializer):
    leader = RestrictedRelatedField(Person, VIEW, label="党员领导干部")
    branch = RestrictedRelatedField(Org, CHANGE, label="联系的党支部")
    since = serializers.DateField(label="联系起始日期")


class VisitCreateSerializer(serializers.Serializer):
    date = serializers.DateField(label="日期")
    kind = serializers.ChoiceField(VisitKind.choices, label="方式")
    note = serializers.CharField(max_length=300, required=False, default="", label="情况")


# --- 明责 ------------------------------------------------------------------------------------------------
# 责任主体 as text with its values described (the action checks them): a choice field named "role" would be a
# second "role" enum beside the posts' and accounts' ones, which the schema can only name by a hash.
ROLE_HELP = "取值：" + "；".join(f"{v}（{label}）" for v, label in ResponsibilityRole.choices)


class TemplateItemSerializer(serializers.ModelSerializer):
    due_on = serializers.DateField(read_only=True, label="完成时限（留空时为12月31日）")

    class Meta:
        model = TemplateItem
        fields = ["id", "order", "text", "due", "due_on", "rules", "evidence_source", "meeting_type"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"meeting_type": {"allow_blank": True}}


class ResponsibilityTemplateSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True, label="责任主体", help_text=ROLE_HELP)
    items = TemplateItemSerializer(many=True, read_only=True, label="责任事项")

    class Meta:
        model = ResponsibilityTemplate
        fields = ["id", "issuer", "year", "role", "title", "published_at", "items"]
        read_only_fields = fields


class TemplateItemCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500, label="责任事项")
    due = serializers.DateField(required=False, allow_null=True, default=None, label="完成时限")
    rules = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", label="对应规则")
    evidence_source = serializers.ChoiceField(EvidenceSource.choices, default=EvidenceSource.MANUAL, label="佐证来源")
    meeting_type = serializers.ChoiceField(MeetingType.choices, required=False, allow_blank=True, default="",
                                           label="会议类型")


class TemplateCreateSerializer(serializers.Serializer):
    issuer = RestrictedRelatedField(Org, CHANGE, label="制定的党组织")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="年度")
    role = serializers.CharField(max_length=24, label="责任主体", help_text=ROLE_HELP)
    title = serializers.CharField(max_length=200, label="名称")
    items = TemplateItemCreateSerializer(many=True, required=False, default=list, label="责任事项")


class ResponsibilityItemSerializer(serializers.ModelSerializer):
    evidence_source = serializers.CharField(source="template_item.evidence_source", read_only=True, label="佐证来源")
    rules = serializers.CharField(source="template_item.rules", read_only=True, label="对应规则")
    state = serializers.CharField(source="st.code", read_only=True,
                                  label="状态（evidenced 已佐证 · pending 待确认 · open 未到期 · overdue 逾期无佐证）")
    evidence = ResponsibilityEvidenceSerializer(many=True, read_only=True, label="佐证")
    candidates = CandidateSerializer(source="st.candidates", many=True, read_only=True, label="待确认的记录")

    class Meta:
        model = ResponsibilityItem
        fields = ["id", "text", "due", "evidence_source", "rules", "state", "evidence", "candidates"]
        read_only_fields = fields


class ResponsibilityListSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="template.title", read_only=True, label="责任清单")
    role = serializers.CharField(source="template.role", read_only=True, label="责任主体")
    person_name = serializers.CharField(source="person.name", read_only=True, label="责任人姓名")

    class Meta:
        model = ResponsibilityList
        fields = ["id", "template", "title", "role", "person", "person_name", "org", "year", "signed_at"]
        read_only_fields = fields


class ResponsibilityListDetailSerializer(ResponsibilityListSerializer):
    items = ResponsibilityItemSerializer(source="item_rows", many=True, read_only=True, label="责任事项")

    class Meta(ResponsibilityListSerializer.Meta):
        fields = ResponsibilityListSerializer.Meta.fields + ["items"]
        read_only_fields = fields


class InstantiateSerializer(serializers.Serializer):
    template = RestrictedRelatedField(ResponsibilityTemplate, VIEW, label="责任清单模板")
    org = RestrictedRelatedField(Org, CHANGE, label="单位党组织")
    people = RestrictedRelatedField(Person, VIEW, many=True, label="责任人")


class ConfirmSerializer(serializers.Serializer):
    item = serializers.IntegerField(label="责任事项编号")
    source = serializers.CharField(max_length=40, label="来源（候选记录的 source）")
    ref_id = serializers.IntegerField(label="记录编号（候选记录的 ref_id）")


class ManualEvidenceSerializer(serializers.Serializer):
    item = serializers.IntegerField(label="责任事项编号")
    date = serializers.DateField(label="日期")
    text = serializers.CharField(max_length=500, label="履责情况")


class UnconfirmSerializer(serializers.Serializer):
    evidence = serializers.IntegerField(label="佐证编号")
    reason = serializers.CharField(max_length=300, label="撤销理由")
