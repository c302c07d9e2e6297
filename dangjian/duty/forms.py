from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form, PickerWidget, org_label
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from dangjian.orglife.choices import MeetingType

from .choices import EvidenceSource, ResponsibilityRole, VisitKind
from .models import ResponsibilityTemplate


class TaskForm(Form):
    source = forms.CharField(label="工作要点", max_length=200, required=False)
    title = forms.CharField(label="任务", max_length=300)
    org = forms.ModelChoiceField(label="责任党组织", queryset=Org.objects.none())
    owner = forms.ModelChoiceField(label="责任人", queryset=Person.objects.none(), required=False)
    deadline = forms.DateField(label="完成时限", widget=DateInput())
    target = forms.CharField(label="可衡量的目标", max_length=300, required=False,
                             help_text="例如“全年召开党员大会不少于4次”。")
    evidence_source = forms.ChoiceField(label="佐证来源", choices=EvidenceSource.choices, initial=EvidenceSource.MANUAL,
                                        required=False,
                                        help_text="已有记录（责任人讲的党课、本组织召开的会议等）自动列为待确认的佐证，"
                                                  "确认后再登记完成；手工佐证的，完成情况即为佐证。")
    meeting_type = forms.ChoiceField(label="会议类型", choices=[("", "不限")] + MeetingType.choices, required=False,
                                     help_text="佐证来源为会议时可限定。")

    def __init__(self, *args, orgs=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["owner"].queryset = people if people is not None else Person.objects.none()


class DoneForm(Form):
    done_on = forms.DateField(label="完成日期", widget=DateInput())
    evidence = forms.CharField(label="完成情况", widget=forms.Textarea(attrs={"rows": 3}))


class PointForm(Form):
    leader = forms.ModelChoiceField(label="党员领导干部", queryset=Person.objects.none())
    branch = forms.ModelChoiceField(label="联系的党支部", queryset=Org.objects.none())
    since = forms.DateField(label="联系起始日期", widget=DateInput())

    def __init__(self, *args, leaders=None, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders if leaders is not None else Person.objects.none()
        self.fields["branch"].queryset = branches if branches is not None else Org.objects.none()


class VisitForm(Form):
    date = forms.DateField(label="日期", widget=DateInput())
    kind = forms.ChoiceField(label="方式", choices=VisitKind.choices)
    note = forms.CharField(label="情况", max_length=300, required=False)


class TemplateForm(Form):
    issuer = forms.ModelChoiceField(label="制定的党组织", queryset=Org.objects.none())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    role = forms.ChoiceField(label="责任主体", choices=ResponsibilityRole.choices)
    title = forms.CharField(label="名称", max_length=200, help_text="例如“2025年党支部书记抓党建工作责任清单”。")

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is None:                # (editing a draft: the issuer stays)
            del self.fields["issuer"]
        else:
            self.fields["issuer"].queryset = orgs


class TemplateItemForm(Form):
    text = forms.CharField(label="责任事项", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    due = forms.DateField(label="完成时限", required=False, help_text="留空为当年12月31日。")
    evidence_source = forms.ChoiceField(label="佐证来源", choices=EvidenceSource.choices,
                                        help_text="已有记录的自动列为待确认的佐证，本人一键确认；没有记录的手工佐证。")
    meeting_type = forms.ChoiceField(label="会议类型", choices=[("", "不限")] + MeetingType.choices, required=False,
                                     help_text="佐证来源为会议时可限定。")
    rules = forms.CharField(label="对应规则", max_length=200, required=False, help_text="规则编号，逗号分隔，如 ORGLIFE-02。")


class UnitForm(Form):
    """建立责任书, first step: which unit (a search box — a 工委's tree is too large for a list)."""
    unit = forms.IntegerField(label="单位党组织", widget=PickerWidget(
        "orgs:org_pick", org_label, placeholder="输入党组织名称搜索",
        params={"action": "change", "types": "work_committee,leading_group,committee,general_branch,branch"}))


class InstantiateForm(Form):
    template = forms.ModelChoiceField(label="责任清单模板", queryset=ResponsibilityTemplate.objects.none())
    org = forms.ModelChoiceField(label="单位党组织", queryset=Org.objects.none(), widget=forms.HiddenInput)
    people = forms.ModelMultipleChoiceField(label="责任人", queryset=Person.objects.none(),
                                            widget=forms.SelectMultiple(attrs={"size": 8}),
                                            help_text="可多选（按住 Ctrl 或 Shift）；每人一份责任书。")

    def __init__(self, *args, templates=None, orgs=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates if templates is not None else ResponsibilityTemplate.objects.none()
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["people"].queryset = people if people is not None else Person.objects.none()

    def add_error(self, field, error):
        # (the unit is a hidden field: what is wrong with it is said above the form)
        super().add_error(None if field == "org" else field, error)


class ManualEvidenceForm(Form):
    date = forms.DateField(label="日期", widget=DateInput())
    text = forms.CharField(label="履责情况", max_length=500)


class RemoveEvidenceForm(Form):
    reason = forms.CharField(label="撤销理由", max_length=300)
