from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import CHANGE, VIEW
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from ..choices import PLAN_KINDS, Category, SuggestionSource
from ..models import Rectification, Suggestion, SupervisionPlan


class SupervisionPlanSerializer(serializers.ModelSerializer):
    sampled = serializers.PrimaryKeyRelatedField(many=True, read_only=True, label="抽中的党支部")

    class Meta:
        model = SupervisionPlan
        fields = ["id", "issuing_org", "scope", "kind", "title", "start", "checklist", "sample_size", "seed", "sampled"]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    issuing_org = RestrictedRelatedField(Org, CHANGE, label="组织督查的党组织")
    scope = RestrictedRelatedField(Org, VIEW, label="督查范围")
    kind = serializers.ChoiceField(PLAN_KINDS, label="督查方式")
    title = serializers.CharField(max_length=200, label="名称")
    start = serializers.DateField(label="开始日期")
    checklist = serializers.CharField(required=False, default="", allow_blank=True, label="督查清单（每行一项）")
    sample_size = serializers.IntegerField(required=False, allow_null=True, min_value=1, label="随机抽查数量")


class RectificationSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True, label="党组织")

    class Meta:
        model = Rectification
        fields = ["id", "plan", "org", "org_name", "issuing_org", "source", "category", "found", "problem",
                  "checklist_item", "owner", "deadline", "state", "evidence", "closed", "approved", "recheck_on",
                  "recheck_note"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"category": {"allow_blank": True}}


class ProblemCreateSerializer(serializers.Serializer):
    plan = RestrictedRelatedField(SupervisionPlan, VIEW, required=False, allow_null=True, label="督查")
    org = RestrictedRelatedField(Org, VIEW, label="整改的党组织")
    category = serializers.ChoiceField(Category.choices, required=False, default="", label="问题类别")
    problem = serializers.CharField(label="问题")
    owner = RestrictedRelatedField(Person, VIEW, required=False, allow_null=True, label="责任人")
    found = serializers.DateField(label="发现日期")
    deadline = serializers.DateField(label="整改时限")


class EvidenceSerializer(serializers.Serializer):
    evidence = serializers.CharField(label="整改措施和成效")


class SendBackSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, label="退回理由")


class SuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suggestion
        fields = ["id", "org", "source", "meeting", "received", "from_whom", "text", "reply", "replied", "rectification"]
        read_only_fields = fields


class SuggestionCreateSerializer(serializers.Serializer):
    org = RestrictedRelatedField(Org, CHANGE, label="回应的党组织")
    source = serializers.ChoiceField(SuggestionSource.choices, default="meeting", label="来源")
    received = serializers.DateField(label="收到日期")
    from_whom = serializers.CharField(max_length=100, required=False, default="", allow_blank=True, label="提出人")
    text = serializers.CharField(label="意见建议")


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(label="回应")
    replied = serializers.DateField(label="回应日期")
