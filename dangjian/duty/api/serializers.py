from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import CHANGE, VIEW
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from ..choices import VisitKind
from ..models import ContactPoint, ContactVisit, Task


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "year", "source", "title", "org", "owner", "deadline", "target", "state", "done_on", "evidence"]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    org = RestrictedRelatedField(Org, CHANGE, label="责任党组织")
    title = serializers.CharField(max_length=300, label="任务")
    owner = RestrictedRelatedField(Person, VIEW, required=False, allow_null=True, label="责任人")
    deadline = serializers.DateField(label="完成时限")
    target = serializers.CharField(max_length=300, required=False, default="", label="可衡量的目标")
    source = serializers.CharField(max_length=200, required=False, default="", label="工作要点")


class TaskDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField(label="完成日期")
    evidence = serializers.CharField(label="完成情况")


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
