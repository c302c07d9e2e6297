from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.forms import PickerWidget, org_label

FIRST_YEAR = 1950


def year_choices():
    this = timezone.localdate().year
    return [(y, f"{y}年" + ("（截至今天）" if y == this else "")) for y in range(this, FIRST_YEAR - 1, -1)]


class PickForm(forms.Form):
    """Which subtree and which year (a search box: a 工委's tree is too large for a list)."""
    org = forms.IntegerField(label="统计范围（党组织及其下级）", widget=PickerWidget(
        "orgs:org_pick", org_label, placeholder="输入党组织名称搜索",
        params={"action": "view", "types": "work_committee,leading_group,committee,general_branch,branch"}),
        error_messages={"required": "请从搜索结果中选择一个党组织。", "invalid": "请从搜索结果中选择一个党组织。"})
    year = forms.TypedChoiceField(label="统计年度", coerce=int, choices=year_choices)
