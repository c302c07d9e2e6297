from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import VIEW
from dangjian.people.models import Person

from ..choices import StudyKind
from ..models import (LectureSchedule, PlannedLecture, StudyPlan, StudyPlanItem, StudyRecord, TrainingClass,
                      TrainingParticipant)


class StudyRecordSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=True, read_only=True, label="学时")

    class Meta:
        model = StudyRecord
        fields = ["id", "person", "org", "date", "hours", "kind", "title"]
        read_only_fields = fields


class SessionSerializer(serializers.Serializer):
    people = RestrictedRelatedField(Person, VIEW, many=True, label="参加的党员")
    date = serializers.DateField(label="日期")
    hours = serializers.CharField(max_length=6, label="学时（文本，如 \"4\"、\"1.5\"）")
    kind = serializers.ChoiceField(StudyKind.choices, default=StudyKind.CENTRALIZED, label="类别")
    title = serializers.CharField(max_length=200, required=False, default="", label="内容")


class DeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="删除原因")


class StudyPlanItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = StudyPlanItem
        fields = ["id", "month", "quarter", "form", "topic", "materials", "lead", "meeting", "training_class"]
        read_only_fields = fields


class StudyPlanSerializer(serializers.ModelSerializer):
    items = StudyPlanItemSerializer(many=True, read_only=True, label="学习专题")

    class Meta:
        model = StudyPlan
        fields = ["id", "org", "year", "title", "note", "items"]
        read_only_fields = fields


class TrainingParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingParticipant
        fields = ["person", "completed"]
        read_only_fields = fields


class TrainingClassSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=True, read_only=True, label="学时")
    participants = TrainingParticipantSerializer(many=True, read_only=True, label="学员")

    class Meta:
        model = TrainingClass
        fields = ["id", "org", "kind", "title", "start", "end", "hours", "note", "participants"]
        read_only_fields = fields


class PlannedLectureSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlannedLecture
        fields = ["id", "topic", "start", "end"]
        read_only_fields = fields


class LectureScheduleSerializer(serializers.ModelSerializer):
    lectures = PlannedLectureSerializer(many=True, read_only=True, label="计划党课")

    class Meta:
        model = LectureSchedule
        fields = ["id", "org", "person", "year", "lectures"]
        read_only_fields = fields
