from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from .choices import VisitKind


class TaskForm(Form):
    source = forms.CharField(label="工作要点", max_length=200, required=False)
    title = forms.CharField(label="任务", max_length=300)
    org = forms.ModelChoiceField(label="责任党组织", queryset=Org.objects.none())
    owner = forms.ModelChoiceField(label="责任人", queryset=Person.objects.none(), required=False)
    deadline = forms.DateField(label="完成时限", widget=DateInput())
    target = forms.CharField(label="可衡量的目标", max_length=300, required=False,
                             help_text="例如“全年召开党员大会不少于4次”。")

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
