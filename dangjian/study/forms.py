from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.people.models import Person

from .choices import PlanForm as PlanFormChoice, StudyKind, TrainingKind


class SessionForm(Form):
    """One session: its date, hours and kind, for the members ticked."""
    people = forms.ModelMultipleChoiceField(label="参加的党员", queryset=Person.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)
    date = forms.DateField(label="日期", widget=DateInput())
    hours = forms.CharField(label="学时", max_length=6, help_text="全天8学时，半天4学时，1小时1学时。")
    kind = forms.ChoiceField(label="类别", choices=StudyKind.choices)
    title = forms.CharField(label="内容", max_length=200, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people if people is not None else Person.objects.none()


class DeleteForm(Form):
    reason = forms.CharField(label="删除原因", max_length=200)


class StudyPlanForm(Form):
    """A year's study plan of one organisation."""
    org = forms.ModelChoiceField(label="党组织", queryset=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="名称", max_length=200, required=False, help_text="不填为“某年度学习计划”。")

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class PlanItemForm(Form):
    when = forms.ChoiceField(label="时间", choices=[("", "全年")] + [(f"m{i}", f"{i}月") for i in range(1, 13)]
                             + [(f"q{i}", f"第{i}季度") for i in range(1, 5)], required=False)
    form = forms.ChoiceField(label="形式", choices=PlanFormChoice.choices)
    topic = forms.CharField(label="专题", max_length=200)
    materials = forms.CharField(label="学习材料", max_length=300, required=False)
    lead = forms.CharField(label="领学人（主讲人）", max_length=100, required=False)


class TrainingClassForm(Form):
    org = forms.ModelChoiceField(label="举办党组织", queryset=None)
    kind = forms.ChoiceField(label="类别", choices=TrainingKind.choices)
    title = forms.CharField(label="名称", max_length=200)
    start = forms.DateField(label="开始日期", widget=DateInput())
    end = forms.DateField(label="结束日期", widget=DateInput())
    hours = forms.CharField(label="学时", max_length=6, required=False,
                            help_text="不填按天数计算：全天8学时（半天4学时请直接填写）。")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class ScheduleForm(Form):
    org = forms.ModelChoiceField(label="党组织", queryset=None)
    person = forms.ModelChoiceField(label="书记", queryset=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)

    def __init__(self, *args, orgs=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        self.fields["person"].queryset = people


class PlannedLectureForm(Form):
    topic = forms.CharField(label="党课主题", max_length=200)
    start = forms.DateField(label="计划开始", widget=DateInput())
    end = forms.DateField(label="计划截止", widget=DateInput(), help_text="截止日当天讲的也算按计划。")
