from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.people.models import Person

from .choices import StudyKind


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
