"""Forms of the disposition screens: they collect input; `dispositions.actions` decides."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.forms import DateInput, Form

from .choices import Ground, Measure

YES_NO = forms.RadioSelect(attrs={"class": "form-check-input"})


def _today():
    return timezone.localdate()


class OpenForm(Form):
    measure = forms.ChoiceField(label="处置方式", choices=[("", "请选择")] + Measure.choices)
    grounds = forms.ChoiceField(label="处置情形", choices=[("", "请选择")] + Ground.choices,
                                help_text="按《不合格党员组织处置办法》的情形选择（DISP-03）。")
    facts = forms.CharField(label="主要事实", required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    committee_date = forms.DateField(label="支委会研究提出启动意见日期", initial=_today, widget=DateInput(),
                                     help_text="不设支委会的党支部，填党员大会研究的日期。")
    sanctioned_for_same_issue = forms.BooleanField(
        label="该问题已受到党纪处分", required=False,
        help_text="受到党纪处分的，不因同一问题再作组织处置（DISP-01）。")


class StepForm(Form):
    date = forms.DateField(label="日期", initial=_today, widget=DateInput())


class FileForm(StepForm):
    pass


class InvestigateForm(StepForm):
    note = forms.CharField(label="调查核实情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="核实了哪些事实，听取了本人的意见。")


class VoteForm(StepForm):
    eligible = forms.IntegerField(label="应到会有表决权党员", min_value=0)
    present = forms.IntegerField(label="实到会有表决权党员", min_value=0)
    yes = forms.IntegerField(label="赞成", min_value=0)
    no = forms.IntegerField(label="反对", min_value=0, initial=0)
    abstain = forms.IntegerField(label="弃权", min_value=0, initial=0)


class ApproveForm(StepForm):
    approved = forms.TypedChoiceField(label="审批结果", choices=[("1", "批准"), ("0", "不批准")], initial="1",
                                      coerce=lambda v: v == "1", widget=YES_NO)
    correction_deadline = forms.DateField(label="改正期限", required=False, widget=DateInput(),
                                          help_text="不填按规则参数（一般6个月）；最长不超过1年（DISP-02）。")
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, correction: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not correction:
            del self.fields["correction_deadline"]


class CloseCorrectionForm(StepForm):
    corrected = forms.TypedChoiceField(label="改正结果", choices=[("1", "已改正，结束处置"), ("0", "期满仍无转变")],
                                       coerce=lambda v: v == "1", widget=YES_NO)
    note = forms.CharField(label="改正情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawalForm(StepForm):
    withdrew = forms.TypedChoiceField(label="本人意见", choices=[("1", "同意退党"), ("0", "劝而不退")],
                                      coerce=lambda v: v == "1", widget=YES_NO)
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(Form):
    reason = forms.CharField(label="撤销理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


STEP_FORMS = {"file": FileForm, "investigate": InvestigateForm, "vote": VoteForm, "approve": ApproveForm,
              "close_correction": CloseCorrectionForm, "withdrawal": WithdrawalForm}
