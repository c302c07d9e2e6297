from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import CHANGE, VIEW
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from .. import metrics
from ..choices import TARGET_TYPES, Form, Grade, IndicatorKind, Measure, Method, ReportKind
from ..models import Accountability, Indicator, Report, Result, ReviewMeeting, Scheme


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "scheme", "parent", "order", "name", "standard", "kind", "method", "metric", "points",
                  "unit_points"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"method": {"allow_blank": True}}


class SchemeSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = ["id", "issuer", "year", "name", "target_type", "good_min", "fairly_good_min", "average_min",
                  "published_at", "scored_at", "indicators"]
        read_only_fields = fields


class SchemeCreateSerializer(serializers.Serializer):
    issuer = RestrictedRelatedField(Org, CHANGE, label="考核单位")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="年度")
    name = serializers.CharField(max_length=200, label="名称")
    target_type = serializers.ChoiceField(choices=TARGET_TYPES, default="branch", label="考核对象")
    good_min = serializers.DecimalField(max_digits=6, decimal_places=2, default="90", label="“好”不低于")
    fairly_good_min = serializers.DecimalField(max_digits=6, decimal_places=2, default="80", label="“较好”不低于")
    average_min = serializers.DecimalField(max_digits=6, decimal_places=2, default="60", label="“一般”不低于")


class IndicatorCreateSerializer(serializers.Serializer):
    scheme = RestrictedRelatedField(Scheme, CHANGE, label="考核方案")
    parent = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all(), required=False, allow_null=True,
                                                label="所属维度")
    name = serializers.CharField(max_length=200, label="指标")
    kind = serializers.ChoiceField(choices=IndicatorKind.choices, default=IndicatorKind.SCORE, label="类型")
    method = serializers.ChoiceField(choices=Method.choices, required=False, default="", allow_blank=True,
                                     label="评分方式")
    metric = serializers.ChoiceField(choices=metrics.choices(), required=False, default="", allow_blank=True,
                                     label="计算口径")
    points = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, default="0", label="分值")
    unit_points = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True,
                                           default=None, label="每项分值")
    standard = serializers.CharField(required=False, default="", allow_blank=True, label="评分标准")


class IndicatorChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, label="指标")
    method = serializers.ChoiceField(choices=Method.choices, required=False, label="评分方式")
    metric = serializers.ChoiceField(choices=metrics.choices(), required=False, allow_blank=True, label="计算口径")
    points = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, label="分值")
    unit_points = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True,
                                           label="每项分值")
    standard = serializers.CharField(required=False, allow_blank=True, label="评分标准")


class ResultSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = Result
        fields = ["id", "scheme", "org", "org_name", "total", "grade", "pending", "detail", "scored_at"]
        read_only_fields = fields


class ManualScoreSerializer(serializers.Serializer):
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all(), label="指标")
    org = RestrictedRelatedField(Org, VIEW, label="考核对象")
    points = serializers.DecimalField(max_digits=6, decimal_places=2, label="分值")
    evidence = serializers.CharField(label="评分依据")


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "kind", "org", "person", "year", "title", "text", "file_name", "submitted", "review",
                  "votes_good", "votes_fairly_good", "votes_average", "votes_poor", "comment", "grade", "graded_at"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"grade": {"allow_blank": True}}


class ReportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, label="类型")
    org = RestrictedRelatedField(Org, VIEW, label="报告的党组织")
    person = RestrictedRelatedField(Person, VIEW, required=False, allow_null=True, default=None, label="述职的书记")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="年度")
    title = serializers.CharField(max_length=200, label="标题")
    text = serializers.CharField(label="正文")
    submitted = serializers.DateField(label="报送日期")


class AppraiseSerializer(serializers.Serializer):
    votes_good = serializers.IntegerField(min_value=0, label="好")
    votes_fairly_good = serializers.IntegerField(min_value=0, label="较好")
    votes_average = serializers.IntegerField(min_value=0, label="一般")
    votes_poor = serializers.IntegerField(min_value=0, label="差")
    comment = serializers.CharField(label="上级点评")
    grade = serializers.ChoiceField(choices=Grade.choices, label="综合评价等次")


class ReviewSerializer(serializers.ModelSerializer):
    reports = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ReviewMeeting
        fields = ["id", "organiser", "year", "date", "title", "participants", "reports"]
        read_only_fields = fields


class ReviewCreateSerializer(serializers.Serializer):
    organiser = RestrictedRelatedField(Org, CHANGE, label="组织述职评议的党组织")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="述职年度")
    date = serializers.DateField(label="会议日期")
    title = serializers.CharField(max_length=200, label="名称")
    participants = serializers.IntegerField(min_value=1, label="参加测评人数")
    reports = RestrictedRelatedField(Report, VIEW, many=True, required=False, default=list, label="列入的述职报告")


class AccountabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Accountability
        fields = ["id", "person", "org", "date", "form", "measure", "reason", "decided_by", "rectification"]
        read_only_fields = fields


class AccountabilityCreateSerializer(serializers.Serializer):
    person = RestrictedRelatedField(Person, VIEW, label="对象")
    org = RestrictedRelatedField(Org, VIEW, label="所在党组织")
    date = serializers.DateField(label="决定日期")
    form = serializers.ChoiceField(choices=Form.choices, label="形态")
    measure = serializers.ChoiceField(choices=Measure.choices, label="措施")
    reason = serializers.CharField(label="事由")
    decided_by = serializers.CharField(max_length=200, label="决定机关")
