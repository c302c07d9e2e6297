from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.orgs.forms import OrgPickerField
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from .choices import Category, Kind, SuggestionSource


class PlanForm(Form):
    issuing_org = forms.ModelChoiceField(label="组织督查的党组织", queryset=Org.objects.none())
    scope = forms.ModelChoiceField(label="督查范围", queryset=Org.objects.none())
    kind = forms.ChoiceField(label="督查方式", choices=[c for c in Kind.choices if c[0] != Kind.SELF])
    title = forms.CharField(label="名称", max_length=200)
    start = forms.DateField(label="开始日期", widget=DateInput())
    sample_size = forms.IntegerField(label="随机抽查党支部数量", required=False, min_value=1,
                                     help_text="随机督查必填；随机种子自动生成并记录，任何人可据此复核抽查结果。")
    checklist = forms.CharField(label="督查清单", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text="每行一项，例如“三会一课是否按时召开、记录是否完整”。")

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuing_org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["scope"].queryset = orgs if orgs is not None else Org.objects.none()


class ProblemForm(Form):
    org = forms.ModelChoiceField(label="整改的党组织", queryset=Org.objects.none())
    checklist_item = forms.CharField(label="对应督查清单项", required=False, max_length=200)
    category = forms.ChoiceField(label="问题类别", choices=Category.choices)
    problem = forms.CharField(label="发现的问题", widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label="责任人", queryset=Person.objects.none(), required=False)
    found = forms.DateField(label="发现日期", widget=DateInput())
    deadline = forms.DateField(label="整改时限", widget=DateInput())

    def __init__(self, *args, orgs=None, people=None, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["owner"].queryset = people if people is not None else Person.objects.none()
        if items:
            # The plan's checklist: the problem is the 督查记录 of that item in that org.
            self.fields["checklist_item"] = forms.ChoiceField(
                label="对应督查清单项", required=False, choices=[("", "（不对应清单项）")] + [(i, i) for i in items],
                widget=forms.Select(attrs={"class": "form-select"}))


class EvidenceForm(Form):
    evidence = forms.CharField(label="整改措施和成效", widget=forms.Textarea(attrs={"rows": 4}))


class SendBackForm(Form):
    reason = forms.CharField(label="退回理由", max_length=300)


class RecheckForm(Form):
    on = forms.DateField(label="回头看日期", widget=DateInput())
    held = forms.TypedChoiceField(label="结果", choices=[("1", "整改成效巩固"), ("0", "问题反弹，重新整改")],
                                  coerce=lambda v: v == "1", widget=forms.RadioSelect)
    note = forms.CharField(label="情况", required=False, max_length=300)


class SuggestionForm(Form):
    org = OrgPickerField(label="回应的党组织", queryset=Org.objects.none(), action="change")
    source = forms.ChoiceField(label="来源", choices=SuggestionSource.choices)
    received = forms.DateField(label="收到日期", widget=DateInput())
    from_whom = forms.CharField(label="提出人", max_length=100, required=False, help_text="可不填（匿名）。")
    text = forms.CharField(label="意见建议", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()


class ReplyForm(Form):
    reply = forms.CharField(label="回应", widget=forms.Textarea(attrs={"rows": 2}))
    replied = forms.DateField(label="回应日期", widget=DateInput())


class ToProblemForm(Form):
    deadline = forms.DateField(label="整改时限", widget=DateInput())
    category = forms.ChoiceField(label="问题类别", choices=Category.choices)
