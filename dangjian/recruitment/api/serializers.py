"""发展党员 over the API: a file with its steps (voided ones flagged, with what replaced them), its stage
and the steps that may come next with their dates; writes are `recruitment.actions` (the same order,
checks, refusals with the article, and audit as the pages)."""
from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import ADD, VIEW
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from ..choices import STAGES, ArchiveDoc, Conclusion, Step, StopBasis
from ..models import RecruitmentEvent, RecruitmentFile
from ..rules import load_facts
from ..workflow import dues, stage_of


class RecruitmentEventSerializer(serializers.ModelSerializer):
    step_display = serializers.CharField(source="get_step_display", read_only=True, label="环节名称")
    persons = serializers.PrimaryKeyRelatedField(many=True, read_only=True, label="人员")
    voided = serializers.SerializerMethodField(label="已作废")

    class Meta:
        model = RecruitmentEvent
        fields = ["id", "step", "step_display", "date", "persons", "conclusion", "days", "hours", "eligible",
                  "present", "yes", "written_yes", "candidates_in_vote", "approver", "months", "docs", "reason",
                  "entered_at", "voided", "voided_at", "void_reason", "corrected_by"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"conclusion": {"allow_blank": True}}

    def get_voided(self, obj) -> bool:
        return obj.voided_at is not None


class RecruitmentFileSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, label="姓名")
    org_name = serializers.CharField(source="org.name", read_only=True, label="党支部")
    events = RecruitmentEventSerializer(many=True, read_only=True, label="环节")
    stage = serializers.SerializerMethodField(label="所处阶段")
    next_steps = serializers.SerializerMethodField(label="可以办理的下一环节")

    class Meta:
        model = RecruitmentFile
        fields = ["id", "person", "person_name", "org", "org_name", "closed", "closed_reason", "planned_leave", "stage",
                  "next_steps", "events"]
        read_only_fields = fields

    def _facts(self, obj):
        cache = self.context.setdefault("_facts", {})
        if obj.pk not in cache:
            cache[obj.pk] = load_facts(RecruitmentFile.objects.filter(pk=obj.pk))
        return cache[obj.pk]

    def _settings(self):
        from dangjian.core import engine

        if "_settings" not in self.context:
            self.context["_settings"] = engine.effective_settings()
        return self.context["_settings"]

    def get_stage(self, obj) -> str:
        facts = self._facts(obj)
        return STAGES[stage_of(facts.cases[0])][0] if facts.cases else ""

    def get_next_steps(self, obj) -> list[dict]:
        facts = self._facts(obj)
        if not facts.cases:
            return []
        case = facts.cases[0]
        if obj.closed and not (case.has(Step.CONFIRM_APPROVAL) and not case.has(Step.ARCHIVE)):
            return []           # (a confirmed member's closed file still takes its archiving)
        today = timezone.localdate()
        return [{"step": d.step, "label": d.label,
                 "earliest": d.window.earliest if d.window.why_earliest else None, "why_earliest": d.window.why_earliest,
                 "latest": d.window.latest, "why_latest": d.window.why_latest, "limit": d.window.limit,
                 "days_left": (d.window.latest - today).days if d.window.latest else None}
                for d in dues(facts.cases[0], facts, self._settings())]


class RecruitmentOpenSerializer(serializers.Serializer):
    person = RestrictedRelatedField(Person, ADD, label="申请人")
    application_date = serializers.DateField(label="收到入党申请书日期")


class RecruitmentStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(Step.choices, label="环节")
    date = serializers.DateField(label="日期")
    persons = RestrictedRelatedField(Person, VIEW, many=True, required=False, label="人员（培养联系人、入党介绍人）")
    conclusion = serializers.ChoiceField(Conclusion.choices, required=False, label="政审结论")
    days = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, min_value=0, label="培训天数")
    hours = serializers.DecimalField(max_digits=6, decimal_places=1, required=False, min_value=0, label="培训学时")
    eligible = serializers.IntegerField(required=False, min_value=0, label="应到会有表决权党员")
    present = serializers.IntegerField(required=False, min_value=0, label="实到会有表决权党员")
    yes = serializers.IntegerField(required=False, min_value=0, label="赞成票")
    written_yes = serializers.IntegerField(required=False, min_value=0, label="会前书面意见赞成")
    candidates_in_vote = serializers.IntegerField(required=False, min_value=1, label="本次表决决定的发展对象人数")
    approver = RestrictedRelatedField(Org, VIEW, required=False, label="审批党委")
    months = serializers.IntegerField(required=False, min_value=1, label="延长月数")
    docs = serializers.ListField(child=serializers.ChoiceField(ArchiveDoc.choices), required=False, label="归档材料")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, label="说明")


class RecruitmentCorrectSerializer(serializers.Serializer):
    event = serializers.IntegerField(label="要更正的环节记录编号")
    date = serializers.DateField(label="更正后的日期")
    reason = serializers.CharField(max_length=300, label="更正理由")


class RecruitmentCancelSerializer(serializers.Serializer):
    vote_date = serializers.DateField(label="支部大会讨论日期")
    eligible = serializers.IntegerField(min_value=0, label="应到会有表决权党员")
    present = serializers.IntegerField(min_value=0, label="实到会有表决权党员")
    yes = serializers.IntegerField(min_value=0, label="赞成票")
    written_yes = serializers.IntegerField(min_value=0, required=False, default=0, label="会前书面意见赞成")
    approver = RestrictedRelatedField(Org, VIEW, label="批准的上级党组织")
    approved_on = serializers.DateField(label="批准日期")
    reason = serializers.CharField(max_length=150, label="理由")


class RecruitmentStopSerializer(serializers.Serializer):
    on = serializers.DateField(label="日期")
    basis = serializers.ChoiceField(StopBasis.choices, label="依据")
    reason = serializers.CharField(max_length=150, label="理由")


class RecruitmentPlannedLeaveSerializer(serializers.Serializer):
    planned_leave = serializers.DateField(allow_null=True, label="预计离开本单位日期（null 为清除）")
