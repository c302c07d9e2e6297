from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.orgs.models import Org

from . import evidence


class StandardForm(Form):
    jurisdiction = forms.ModelChoiceField(label="制定的党组织", queryset=Org.objects.none())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="名称", max_length=200, required=False, initial="“四强”党支部创建标准")

    def __init__(self, *args, jurisdictions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions if jurisdictions is not None else Org.objects.none()


class StandardSettingsForm(Form):
    name = forms.CharField(label="名称", max_length=200)
    validity_years = forms.IntegerField(label="命名有效期（年）", min_value=1, max_value=10)
    recheck_months = forms.IntegerField(label="复核间隔（月）", min_value=1, max_value=60)
    pass_score = forms.DecimalField(label="命名分数线（百分制）", min_value=0, max_value=100, decimal_places=2)


class CriterionForm(Form):
    dimension = forms.ModelChoiceField(label="维度", queryset=None)
    text = forms.CharField(label="具体标准", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    points = forms.DecimalField(label="分值", max_digits=5, decimal_places=2)
    evidence_key = forms.ChoiceField(label="佐证口径", required=False,
                                     choices=[("", "（不按数据佐证）")] + evidence.choices(with_text=True))
    minimum = forms.DecimalField(label="达标线（比率填百分数）", required=False, max_digits=7, decimal_places=2)

    def __init__(self, *args, standard=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = standard.dimensions.all() if standard else None


class OpenForm(Form):
    standard = forms.ModelChoiceField(label="创建标准", queryset=None, empty_label="请选择已发布的创建标准")

    def __init__(self, *args, standards=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standards


class CommentForm(Form):
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DecideForm(Form):
    on = forms.DateField(label="命名日期", widget=DateInput())
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RecheckForm(Form):
    on = forms.DateField(label="复核日期", widget=DateInput())
    comment = forms.CharField(label="复核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RevokeForm(Form):
    on = forms.DateField(label="撤销日期", widget=DateInput())
    reason = forms.CharField(label="撤销理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
