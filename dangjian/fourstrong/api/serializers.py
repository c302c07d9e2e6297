from __future__ import annotations

from rest_framework import serializers

from ..models import Application, Criterion, CriterionScore, Standard, StandardDimension, Title


class FourStrongCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "order", "text", "points", "evidence", "minimum"]
        read_only_fields = fields


class FourStrongDimensionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_code_display", read_only=True, label="维度名称")
    criteria = FourStrongCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = StandardDimension
        fields = ["code", "name", "weight", "order", "criteria"]
        read_only_fields = fields


class FourStrongStandardSerializer(serializers.ModelSerializer):
    dimensions = FourStrongDimensionSerializer(many=True, read_only=True)

    class Meta:
        model = Standard
        fields = ["id", "jurisdiction", "year", "name", "validity_years", "recheck_months", "pass_score",
                  "published_at", "dimensions"]
        read_only_fields = fields


class FourStrongScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = CriterionScore
        fields = ["criterion", "self_score", "self_text", "review_score", "review_text"]
        read_only_fields = fields


class FourStrongApplicationSerializer(serializers.ModelSerializer):
    scores = FourStrongScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = ["id", "standard", "org", "year", "state", "summary", "self_total", "review_total", "submitted_at",
                  "reviewed_at", "review_comment", "decided_at", "decision_comment", "evidence", "scores"]
        read_only_fields = fields


class FourStrongTitleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Title
        fields = ["id", "application", "org", "standard", "state", "valid_from", "valid_until", "next_recheck",
                  "rectify_by", "revoked_on", "revoked_reason"]
        read_only_fields = fields
