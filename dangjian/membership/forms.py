from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from .choices import ContactWay


class IssueForm(Form):
    person = forms.ModelChoiceField(label="党员", queryset=Person.objects.none())
    to_org = forms.ModelChoiceField(label="接收党组织（本系统内）", queryset=Org.objects.none(), required=False,
                                    help_text="转到本系统内的党组织：一步办结，组织关系随即转入。")
    to_name = forms.CharField(label="或：接收党组织（系统外）", max_length=200, required=False)
    letter_no = forms.CharField(label="介绍信编号", max_length=60, required=False)
    letter_date = forms.DateField(label="开具日期", widget=DateInput())
    valid_until = forms.DateField(label="有效期至", required=False, widget=DateInput(),
                                  help_text="不填按规则参数（默认3个月）计算。")
    reason = forms.CharField(label="转接原因", max_length=200, required=False)

    def __init__(self, *args, people=None, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else Person.objects.none()
        self.fields["to_org"].queryset = orgs if orgs is not None else Org.objects.none()

    def clean(self):
        d = super().clean()
        if not d.get("to_org") and not (d.get("to_name") or "").strip():
            raise forms.ValidationError("请选择本系统内的接收党组织，或填写系统外的接收党组织名称。")
        return d


class ReceiveForm(Form):
    person = forms.ModelChoiceField(label="党员（已在本组织名册中）", queryset=Person.objects.none())
    from_name = forms.CharField(label="转出党组织", max_length=200)
    letter_no = forms.CharField(label="介绍信编号", max_length=60, required=False)
    letter_date = forms.DateField(label="开具日期", required=False, widget=DateInput())
    reported_on = forms.DateField(label="报到日期", widget=DateInput())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else Person.objects.none()


class ReportForm(Form):
    reported_on = forms.DateField(label="报到（回执）日期", widget=DateInput())


class CancelForm(Form):
    reason = forms.CharField(label="撤销原因", max_length=200)


class ContactForm(Form):
    date = forms.DateField(label="联系日期", widget=DateInput())
    way = forms.ChoiceField(label="联系方式", choices=ContactWay.choices)
    note = forms.CharField(label="情况", max_length=300, required=False)
