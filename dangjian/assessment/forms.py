from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.orgs.forms import OrgPickerField, PersonPickerField
from dangjian.orgs.models import Org
from dangjian.people.models import Person

from . import metrics
from .choices import TARGET_TYPES, Form as Forms, Grade, IndicatorKind, Measure, Method, ReportKind


class SchemeForm(Form):
    issuer = forms.ModelChoiceField(label="考核单位", queryset=Org.objects.none())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="名称", max_length=200)
    target_type = forms.ChoiceField(label="考核对象", choices=TARGET_TYPES, initial="branch")
    good_min = forms.DecimalField(label="“好”不低于", initial=90, max_digits=6, decimal_places=2)
    fairly_good_min = forms.DecimalField(label="“较好”不低于", initial=80, max_digits=6, decimal_places=2)
    average_min = forms.DecimalField(label="“一般”不低于", initial=60, max_digits=6, decimal_places=2)

    def __init__(self, *args, issuers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = issuers if issuers is not None else Org.objects.none()


class IndicatorForm(Form):
    parent = forms.ModelChoiceField(label="所属维度", queryset=None, required=False)
    name = forms.CharField(label="指标", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=IndicatorKind.choices, initial=IndicatorKind.SCORE)
    method = forms.ChoiceField(label="评分方式", choices=[("", "（考核维度不填）")] + Method.choices, required=False)
    metric = forms.ChoiceField(label="计算口径", required=False, choices=[("", "（考核人评分不填）")] + [
        (k, f"{label}（{'比率' if metrics.REGISTRY[k].kind == 'share' else '计数'}）") for k, label in metrics.choices()])
    points = forms.DecimalField(label="分值（扣分、加分项为上限）", required=False, max_digits=6, decimal_places=2)
    unit_points = forms.DecimalField(label="每项分值（计数扣分、加分）", required=False, max_digits=6, decimal_places=2)
    standard = forms.CharField(label="评分标准", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = scheme.indicators.filter(kind=IndicatorKind.GROUP) if scheme else None
        self.fields["parent"].empty_label = "（不属于维度）"


class ManualScoreForm(Form):
    points = forms.DecimalField(label="分值", max_digits=6, decimal_places=2)
    evidence = forms.CharField(label="评分依据", widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(Form):
    kind = forms.ChoiceField(label="类型", choices=ReportKind.choices)
    org = OrgPickerField(label="报告的党组织", queryset=Org.objects.none(), action="change")
    person = PersonPickerField(label="述职的书记", queryset=Person.objects.none(), required=False)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="标题", max_length=200)
    submitted = forms.DateField(label="报送日期", widget=DateInput())
    text = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 8}))
    file = forms.FileField(label="或上传文件（Word、PDF）", required=False)

    def __init__(self, *args, orgs=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["person"].queryset = people if people is not None else Person.objects.none()

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and f.size > 20 * 1024 * 1024:
            raise forms.ValidationError("文件不能超过 20 MB。")
        if f and not f.name.lower().endswith((".doc", ".docx", ".pdf", ".wps", ".txt")):
            raise forms.ValidationError("请上传 Word、PDF、WPS 或文本文件。")
        return f


class ReviewForm(Form):
    organiser = forms.ModelChoiceField(label="组织述职评议的党组织", queryset=Org.objects.none())
    year = forms.IntegerField(label="述职年度", min_value=2000, max_value=2100)
    date = forms.DateField(label="会议日期", widget=DateInput())
    title = forms.CharField(label="名称", max_length=200)
    participants = forms.IntegerField(label="参加测评人数", min_value=1)

    def __init__(self, *args, organisers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers if organisers is not None else Org.objects.none()


class AppraiseForm(Form):
    votes_good = forms.IntegerField(label="好", min_value=0)
    votes_fairly_good = forms.IntegerField(label="较好", min_value=0)
    votes_average = forms.IntegerField(label="一般", min_value=0)
    votes_poor = forms.IntegerField(label="差", min_value=0)
    comment = forms.CharField(label="上级点评", widget=forms.Textarea(attrs={"rows": 2}))
    grade = forms.ChoiceField(label="综合评价等次", choices=[("", "请选择")] + Grade.choices)


class AccountabilityForm(Form):
    person = PersonPickerField(label="对象", queryset=Person.objects.none())
    org = OrgPickerField(label="所在党组织", queryset=Org.objects.none(), action="view")
    date = forms.DateField(label="决定日期", widget=DateInput())
    form = forms.ChoiceField(label="形态", choices=Forms.choices)
    measure = forms.ChoiceField(label="措施", choices=Measure.choices)
    reason = forms.CharField(label="事由", widget=forms.Textarea(attrs={"rows": 2}))
    decided_by = forms.CharField(label="决定机关", max_length=200)

    def __init__(self, *args, orgs=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["person"].queryset = people if people is not None else Person.objects.none()
