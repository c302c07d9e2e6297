"""组织处置 over the API. Reading shows the procedure's dates, the vote with `quorum`/`vote_passed`
computed by the model, the deadline and the re-entry bar; every write is one step of
`dispositions.actions` (the same order, checks and audit as the pages)."""
from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api.base import RestrictedRelatedField
from dangjian.core.permissions import ADD, VIEW
from dangjian.dispositions import actions
from dangjian.dispositions.choices import Ground, Measure
from dangjian.dispositions.models import Disposition
from dangjian.orglife.models import Appraisal
from dangjian.people.models import Person


class DispositionSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, label="党员姓名")
    org_name = serializers.CharField(source="org.name", read_only=True, label="党组织名称")
    measure_display = serializers.CharField(source="get_measure_display", read_only=True, label="处置方式名称")
    grounds_display = serializers.CharField(source="get_grounds_display", read_only=True, label="处置情形名称")
    state_display = serializers.CharField(source="get_state_display", read_only=True, label="状态名称")
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True, label="结果名称")
    quorum = serializers.BooleanField(read_only=True, allow_null=True, label="到会超过半数")
    vote_passed = serializers.BooleanField(read_only=True, allow_null=True, label="表决通过")
    days_left = serializers.SerializerMethodField(label="距改正期限天数")
    next_step = serializers.SerializerMethodField(label="下一步")

    class Meta:
        model = Disposition
        fields = ["id", "person", "person_name", "org", "org_name", "measure", "measure_display", "grounds",
                  "grounds_display", "facts", "appraisal_grade", "sanctioned_for_same_issue", "state",
                  "state_display", "opened", "committee_date", "filed_date", "investigated_date",
                  "investigation_note", "vote_date", "vote_eligible", "vote_present", "vote_yes", "vote_no",
                  "vote_abstain", "quorum", "vote_passed", "approved_date", "correction_start",
                  "correction_deadline", "days_left", "outcome", "outcome_display", "outcome_date", "outcome_note",
                  "reentry_barred_until", "next_step"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"outcome": {"allow_blank": True}}

    def get_days_left(self, obj) -> int | None:
        return obj.days_left()

    def get_next_step(self, obj) -> str | None:
        return actions.next_step(obj)


class DispositionOpenSerializer(serializers.Serializer):
    """支委会研究提出启动意见. `appraisal` names the 民主评议 whose 不合格 grade of this person triggered it."""

    person = RestrictedRelatedField(Person, ADD, label="党员")
    measure = serializers.ChoiceField(Measure.choices, label="处置方式")
    grounds = serializers.ChoiceField(Ground.choices, label="处置情形")
    facts = serializers.CharField(required=False, allow_blank=True, default="", label="主要事实")
    committee_date = serializers.DateField(label="支委会研究提出启动意见日期")
    appraisal = RestrictedRelatedField(Appraisal, VIEW, required=False, allow_null=True, label="民主评议")
    sanctioned_for_same_issue = serializers.BooleanField(required=False, default=False,
                                                         label="已因同一问题受到党纪处分")

    def validate(self, attrs):
        appraisal = attrs.pop("appraisal", None)
        attrs["appraisal_grade"] = None
        if appraisal is not None:
            grade = appraisal.grades.filter(person=attrs["person"]).first()
            if grade is None:
                raise serializers.ValidationError({"appraisal": "该民主评议中没有这名党员的评定等次。"})
            attrs["appraisal_grade"] = grade
        return attrs


class DateStepSerializer(serializers.Serializer):
    date = serializers.DateField(label="日期")


class InvestigateSerializer(DateStepSerializer):
    note = serializers.CharField(label="调查核实情况")


class VoteSerializer(DateStepSerializer):
    eligible = serializers.IntegerField(min_value=0, label="应到会有表决权党员")
    present = serializers.IntegerField(min_value=0, label="实到会有表决权党员")
    yes = serializers.IntegerField(min_value=0, label="赞成")
    no = serializers.IntegerField(min_value=0, default=0, label="反对")
    abstain = serializers.IntegerField(min_value=0, default=0, label="弃权")


class ApproveSerializer(DateStepSerializer):
    approved = serializers.BooleanField(default=True, label="批准")
    note = serializers.CharField(required=False, allow_blank=True, default="", label="说明")
    correction_deadline = serializers.DateField(required=False, allow_null=True, default=None, label="改正期限")


class CloseCorrectionSerializer(DateStepSerializer):
    corrected = serializers.BooleanField(label="已改正（false：期满仍无转变）")
    note = serializers.CharField(label="改正情况")


class WithdrawalSerializer(DateStepSerializer):
    withdrew = serializers.BooleanField(label="本人同意退党（false：劝而不退）")
    note = serializers.CharField(required=False, allow_blank=True, default="", label="说明")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(label="撤销理由")
