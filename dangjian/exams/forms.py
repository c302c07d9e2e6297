from __future__ import annotations

from django import forms

from dangjian.core.forms import Form
from dangjian.core.params import INT_MAX, ascii_int
from dangjian.orgs.models import Org

from .choices import PaperMode


class BankForm(Form):
    org = forms.ModelChoiceField(label="所属党组织", queryset=Org.objects.none())
    name = forms.CharField(label="题库名称", max_length=100)
    description = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()


MAX_UPLOAD = 20 * 1024 * 1024     # as the 花名册 import (people/roster_views.py)


class ImportForm(Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text="用“下载导入模板”填写；题干相同的题会更新原题，不会重复。")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not (f.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError("只能上传 .xlsx 格式的 Excel 文件；旧版 .xls 请先在 Excel 中“另存为” .xlsx。")
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("文件超过 20 MB，请分成几个文件分批导入。")
        return f


class PaperForm(Form):
    org = forms.ModelChoiceField(label="组卷党组织", queryset=Org.objects.none())
    bank = forms.ModelChoiceField(label="题库", queryset=None)
    title = forms.CharField(label="试卷名称", max_length=100)
    mode = forms.ChoiceField(label="组卷方式", choices=PaperMode.choices, initial=PaperMode.FIXED)
    points_each = forms.IntegerField(label="每题分值", min_value=1, max_value=100, initial=5)
    pass_mark = forms.IntegerField(label="及格分", min_value=0, max_value=10000, initial=60)
    duration_minutes = forms.IntegerField(label="答题时长（分钟）", min_value=1, max_value=600, initial=30)
    question_count = forms.IntegerField(label="随机抽题总数", min_value=1, max_value=500, required=False,
                                        help_text="随机抽题时填写；或在下面按知识点填写数量。")
    draw = forms.CharField(label="按知识点抽题", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="每行一个：知识点:数量，例如“党章·党员:3”。")

    def __init__(self, *args, orgs=None, banks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["bank"].queryset = banks

    def clean_draw(self):
        out = {}
        for n, line in enumerate((self.cleaned_data.get("draw") or "").splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            topic, sep, count = line.replace("：", ":").rpartition(":")
            if not sep or not topic.strip() or ascii_int(count, max=INT_MAX) is None:
                raise forms.ValidationError(f"第{n}行应写成“知识点:数量”，写的是“{line}”。")
            out[topic.strip()] = ascii_int(count, max=INT_MAX)
        return out


class ExamForm(Form):
    org = forms.ModelChoiceField(label="组织考试的党组织", queryset=Org.objects.none())
    target = forms.ModelChoiceField(label="参考范围（含下级）", queryset=Org.objects.none())
    title = forms.CharField(label="考试名称", max_length=100)
    opens_at = forms.DateTimeField(label="开始时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                             format="%Y-%m-%dT%H:%M"))
    closes_at = forms.DateTimeField(label="截止时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                              format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, orgs=None, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else Org.objects.none()
        self.fields["target"].queryset = targets if targets is not None else Org.objects.none()
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
