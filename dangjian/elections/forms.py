from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.orgs.models import Org

from .choices import ExclusionReason, Kind


class OpenForm(Form):
    org = forms.ModelChoiceField(label="党组织", queryset=Org.objects.none())
    kind = forms.ChoiceField(label="选举", choices=Kind.choices, initial=Kind.COMMITTEE)
    seats = forms.IntegerField(label="应选人数", min_value=1, max_value=99)
    request_date = forms.DateField(label="请示日期", widget=DateInput())
    by_election = forms.BooleanField(label="增补选举（任期中补选委员会出缺的委员）", required=False,
                                     help_text="不结束现任委员的职务，不开始新的一届；应选人数不超过出缺名额。")

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()


class DateForm(Form):
    on = forms.DateField(label="日期", widget=DateInput())


class ExclusionForm(Form):
    person = forms.ModelChoiceField(label="党员", queryset=None)
    reason = forms.ChoiceField(label="情形", choices=ExclusionReason.choices)
    upper_consent = forms.DateField(label="上级党组织同意日期", widget=DateInput(), required=False)
    assembly_passed = forms.BooleanField(label="经党员大会通过", required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class CountForm(Form):
    date = forms.DateField(label="选举大会日期", widget=DateInput())
    expected_voters = forms.IntegerField(label="应到会有选举权人数", min_value=1)
    present_voters = forms.IntegerField(label="实到会有选举权人数", min_value=1)
    ballots_issued = forms.IntegerField(label="发出选票", min_value=0)
    ballots_returned = forms.IntegerField(label="收回选票", min_value=0)
    invalid_ballots = forms.IntegerField(label="废票", min_value=0, initial=0)
