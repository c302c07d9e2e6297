"""Forms of the 发展党员 screens: they collect input; `recruitment.actions` decides (and refuses with the
article). The step form carries every field a step may need; the page shows those of the chosen step."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.forms import DateInput, Form
from dangjian.orgs.models import Org
from dangjian.people.choices import PIPELINE_STATUSES, Status
from dangjian.people.models import Person

from .choices import ArchiveDoc, Conclusion, PublicityFor, Step, StopBasis

# The fields each step shows (besides its date).
STEP_FIELDS = {
    Step.MENTORS: ("persons",), Step.SPONSORS: ("persons",), Step.POLITICAL_REVIEW: ("conclusion",),
    Step.TRAINING: ("days", "hours", "reason"),
    Step.BRANCH_VOTE: ("eligible", "present", "yes", "written_yes", "candidates_in_vote"),
    Step.CONFIRM_VOTE: ("eligible", "present", "yes", "written_yes", "candidates_in_vote"),
    Step.APPROVAL: ("approver", "reason"), Step.CONFIRM_APPROVAL: ("approver",), Step.EXTENSION: ("months",),
    Step.ARCHIVE: ("docs",), Step.PUBLICITY: ("publicity_for", "end_date"),
}


def _today():
    return timezone.localdate()


class OpenForm(Form):
    person = forms.ModelChoiceField(label="申请人", queryset=Person.objects.none(),
                                    help_text="本单位尚未入党的人员（入党申请人、积极分子、发展对象）；新同志请先在人员管理中登记。")
    application_date = forms.DateField(label="收到入党申请书日期", initial=_today, widget=DateInput())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (people if people is not None else Person.objects.none()).filter(
            status__in=PIPELINE_STATUSES).order_by("name")


class StepForm(Form):
    step = forms.ChoiceField(label="环节", choices=())
    date = forms.DateField(label="日期", initial=_today, widget=DateInput())
    persons = forms.ModelMultipleChoiceField(label="人员", queryset=Person.objects.none(), required=False,
                                             help_text="培养联系人一至两名、入党介绍人两名，均须为正式党员。")
    conclusion = forms.ChoiceField(label="政审结论", choices=[("", "请选择")] + Conclusion.choices, required=False)
    days = forms.DecimalField(label="培训天数", required=False, min_value=0, max_digits=5, decimal_places=1)
    hours = forms.DecimalField(label="培训学时", required=False, min_value=0, max_digits=6, decimal_places=1,
                               help_text="一般不少于三天或二十四个学时（DEV-11）。")
    eligible = forms.IntegerField(label="应到会有表决权党员", required=False, min_value=0)
    present = forms.IntegerField(label="实到会有表决权党员", required=False, min_value=0)
    yes = forms.IntegerField(label="赞成票", required=False, min_value=0)
    written_yes = forms.IntegerField(label="会前书面意见赞成", required=False, min_value=0, initial=0)
    candidates_in_vote = forms.IntegerField(label="本次表决决定的发展对象人数", required=False, min_value=1, initial=1,
                                            help_text="两个以上发展对象须逐个讨论、逐个表决（DEV-15）。")
    approver = forms.ModelChoiceField(label="审批党委", queryset=Org.objects.none(), required=False)
    months = forms.IntegerField(label="延长月数", required=False, min_value=1, max_value=24,
                                help_text="不少于半年，最长不超过一年（DEV-22）。")
    docs = forms.MultipleChoiceField(label="归档材料", choices=ArchiveDoc.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)
    publicity_for = forms.ChoiceField(label="公示事项", choices=[("", "请选择")] + PublicityFor.choices, required=False)
    end_date = forms.DateField(label="公示截止日期", required=False, widget=DateInput(),
                               help_text="公示不少于规定的工作日（规则参数 publicity_working_days，DEV-27）；开始日期填在上方“日期”。")
    reason = forms.CharField(label="说明", required=False, max_length=300,
                             help_text="特殊情况的理由（例如培训不足、审批超过三个月的原因）。")

    def __init__(self, *args, steps=(), members=None, approvers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [(s, Step(s).label) for s in steps]
        self.fields["persons"].queryset = members if members is not None else Person.objects.none()
        self.fields["approver"].queryset = approvers if approvers is not None else Org.objects.none()
        self.fields["docs"].widget.attrs.pop("class", None)

    def action_data(self) -> dict:
        """The cleaned values the chosen step carries, for `do_record_step`."""
        d = self.cleaned_data
        out = {f: d.get(f) for f in STEP_FIELDS.get(d["step"], ()) if d.get(f) not in (None, "", [])}
        if "persons" in out:
            out["persons"] = list(out["persons"])
        return out


class PlanForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    planned = forms.IntegerField(label="计划发展人数", min_value=0)
    note = forms.CharField(label="说明", required=False, max_length=200)


class CancelForm(Form):
    """取消预备党员资格 (DEV-22): the branch meeting's vote and the approval above."""
    vote_date = forms.DateField(label="支部大会讨论日期", widget=DateInput())
    eligible = forms.IntegerField(label="应到会有表决权党员", min_value=0)
    present = forms.IntegerField(label="实到会有表决权党员", min_value=0)
    yes = forms.IntegerField(label="赞成票", min_value=0)
    written_yes = forms.IntegerField(label="会前书面意见赞成", min_value=0, initial=0, required=False)
    approver = forms.ModelChoiceField(label="批准的上级党组织", queryset=Org.objects.none())
    approved_on = forms.DateField(label="批准日期", widget=DateInput())
    reason = forms.CharField(label="理由", max_length=150, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, approvers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers if approvers is not None else Org.objects.none()


class CorrectForm(Form):
    date = forms.DateField(label="更正后的日期", widget=DateInput())
    reason = forms.CharField(label="更正理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


__all__ = ["OpenForm", "StepForm", "CorrectForm", "STEP_FIELDS", "Status"]


class StopForm(Form):
    """停止培养: the file ends before admission."""
    on = forms.DateField(label="日期", widget=DateInput())
    basis = forms.ChoiceField(label="依据", choices=StopBasis.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label="理由", max_length=150, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="写明具体情况，例如“连续两次考察认为不具备条件”。")


class PlannedLeaveForm(Form):
    planned_leave = forms.DateField(label="预计离开本单位日期", required=False, widget=DateInput(),
                                    help_text="借调期满、调动、毕业等；三个月内将离开的发展对象一般不办理接收手续（细则第十九条）。留空即清除。")


class AnalysisForm(Form):
    """DEV-06: the 基层党委's yearly analysis of its activists (recorded with the year's plan)."""
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, widget=forms.HiddenInput)
    analyzed_on = forms.DateField(label="分析日期", widget=DateInput())
    analysis = forms.CharField(label="分析情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="积极分子的数量、结构、培养考察中的问题和下一步安排。")
