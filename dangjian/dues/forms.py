from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, Form
from dangjian.people.choices import DuesCategory

from .choices import BaseReason, Channel, ExemptionKind, Treatment


class BaseForm(Form):
    """核定: a base typed, or the payroll items (one per line, "项目 金额")."""
    start = forms.DateField(label="起始月份（该月1日）", widget=DateInput())
    category = forms.ChoiceField(label="党费类别", choices=DuesCategory.choices)
    base = forms.CharField(label="计算基数（税后月收入，元）", required=False, max_length=20)
    items = forms.CharField(label="或按工资项目计算", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="每行一项：项目名称 金额，例如“职务工资 3200.00”；不计入基数的项目（住房公积金、交通补贴等）"
                                      "会被自动排除，个人所得税自动扣除（FEE-15）。")
    reason = forms.ChoiceField(label="核定原因", choices=[c for c in BaseReason.choices if c[0] != BaseReason.IMPORTED])

    def clean_items(self):
        text = self.cleaned_data.get("items") or ""
        out = {}
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            parts = line.rsplit(None, 1)
            if len(parts) != 2:
                raise forms.ValidationError(f"第{n}行应为“项目名称 金额”")
            out[parts[0]] = parts[1]
        return out

    def clean(self):
        d = super().clean()
        if not d.get("items") and not (d.get("base") or "").strip() and d.get("category") in (
                DuesCategory.IN_SERVICE, DuesCategory.ANNUAL_SALARY, DuesCategory.SELF_EMPLOYED, DuesCategory.RETIRED):
            raise forms.ValidationError("请填写计算基数，或按工资项目计算。")
        return d


class ExemptionForm(Form):
    kind = forms.ChoiceField(label="少交或免交", choices=ExemptionKind.choices, widget=forms.RadioSelect)
    start = forms.DateField(label="起始月份", widget=DateInput())
    end = forms.DateField(label="截止月份（不填为长期）", required=False, widget=DateInput())
    amount = forms.CharField(label="少交后每月交纳（元）", required=False, max_length=20)
    reason = forms.CharField(label="困难情况", max_length=200)
    approval = forms.CharField(label="批准机关及文号", max_length=200, help_text="须经上一级党委批准（FEE-08）。")
    approved_on = forms.DateField(label="批准日期", widget=DateInput())


class DeclareForm(Form):
    month = forms.DateField(label="所属月份（该月任一日）", widget=DateInput())
    amount = forms.CharField(label="交纳金额（元）", max_length=20)
    paid_on = forms.DateField(label="交纳日期", widget=DateInput())
    channel = forms.ChoiceField(label="交纳方式", choices=Channel.choices, initial=Channel.ONLINE)
    note = forms.CharField(label="备注", required=False, max_length=200)


class PublishForm(Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    published_on = forms.DateField(label="公布日期", widget=DateInput())
    note = forms.CharField(label="公布方式", required=False, max_length=200, initial="支部党员大会通报、公示栏张贴")


class PayrollItemForm(Form):
    name = forms.CharField(label="工资项目", max_length=40)
    treatment = forms.ChoiceField(label="计算基数时", choices=Treatment.choices)
    note = forms.CharField(label="说明", required=False, max_length=200)


class ImportForm(Form):
    file = forms.FileField(label="收缴明细（Excel 或 CSV）",
                           help_text="列：人员编号或公民身份号码、姓名、月份（2025-03）、金额、交纳日期；可选：交纳方式。")
