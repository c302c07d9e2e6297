"""规则参数: how each registered [P] setting is typed, validated and shown.

The engine declares a setting with its default only (`engine.setting`); its type here follows the
default (an int, a list of ints, a date that may be empty), except where a key is listed below: a
choice among fixed values (`CHOICES`), or a bound (`BOUNDS`). The one checker `check_value` serves
the form and the action, so an API or CLI caller cannot store what the form would refuse."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from .engine import Setting, registry
from .errors import ActionError

# key → ((value, Chinese label), …): the only values the rules understand.
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "lecture_per": (("quarter", "党课按季度"), ("year", "党课按年度")),
    "dues_rounding": (("half_up", "四舍五入到分"), ("half_even", "四舍六入五成双"), ("down", "舍去分以下"),
                      ("up", "分以下进一")),
    "dues_farmer_amount": (("0.20", "0.20元"), ("0.50", "0.50元"), ("1.00", "1.00元")),
    "dues_probationary_start": (("vote", "支部大会通过之日所在月起"), ("approval", "上级党委批准之月起")),
    "dues_rebase": (("yearly", "每年1月核定，年内一般不变"), ("on_change", "工资变动当月起调整")),
    "duty_contact_visits_per": (("quarter", "每季度"), ("half", "每半年"), ("year", "每年")),
    "first_item_study": (("on", "判断"), ("off", "不判断")),
    "elec_quorum": (("strict", "超过应到会人数的4/5（默认）"), ("inclusive", "达到应到会人数的4/5")),
    "fourstrong_lapse": (("flag", "复核不合格列为待复核、限期整改（默认）"), ("revoke", "复核不合格自动撤销命名")),
}
# key → kind, where the default alone does not say it (None is "no date", not "anything").
KINDS: dict[str, str] = {"orglife_records_from": "date"}
# key → (min, max) for integers; otherwise 0 … 3650.
BOUNDS: dict[str, tuple[int, int]] = {
    "orglife_window_months": (1, 120),
    "absence_alert_months": (0, 5),          # 6 months is the 党章 limit itself (REL-01)
    "orglife_due_soon_days_month": (0, 31),
    "orglife_due_soon_days_quarter": (0, 92),
    "term_reminder_months": (1, 60),
    "dues_arrears_warn_months": (1, 5),      # 6 months is FEE-13 itself
    "assess_grace_months": (0, 3),           # 述职评议 of year Y graded by the end of Y + N months
    "fourstrong_validity_years": (1, 10),    # “四强”党支部命名有效期
    "fourstrong_rectify_months": (1, 24),
    "exam_weak_rate": (1, 100),              # percent
    "exam_aggregate_min": (1, 100),
    "txt_critique_generic_percent": (1, 100),   # TXT-02/03/04 thresholds are percentages
    "txt_critique_concrete_min": (1, 10),
    "txt_duty_party_percent": (1, 100),
    "txt_theme_day_party_percent": (1, 100),
    "txt01_boilerplate_orgs": (2, 100000),   # 0 or 1 would make every sentence boilerplate (TXT-01 off)
    "txt01_min_chars": (1, 10000),
    "privacy_access_log_months": (6, 120),            # 网络安全法第二十一条: logs kept ≥ 6 months
    "privacy_non_member_retention_years": (1, 30),
}
# Decimal settings (a share or a similarity between 0 and 1): key → (lowest, highest).
DECIMAL_BOUNDS: dict[str, tuple[float, float]] = {"txt01_jaccard": (0.05, 1.0), "txt01_copied_share": (0.05, 1.0)}
DECIMAL_BOUNDS["txt01_semantic_cosine"] = (0.8, 1.0)   # e5 cosines of unrelated minutes are already ≈ 0.9
DECIMAL_BOUNDS["txt01_boilerplate_share"] = (0.0, 0.5)   # share of the corpus's orgs that makes a sentence common
DEFAULT_BOUNDS = (0, 3650)
# key → checker for a text setting (value → the text to store, ActionError otherwise), registered by the app that
# reads it (e.g. fourstrong's list of rule IDs, checked against the engine's registry).
TEXT_CHECKS: dict[str, Any] = {}


def kind_of(s: Setting) -> str:
    if s.key in CHOICES:
        return "choice"
    if s.key in KINDS:
        return KINDS[s.key]
    d = s.default
    if isinstance(d, bool):
        return "bool"
    if isinstance(d, int):
        return "int"
    if isinstance(d, float):
        return "decimal"
    if isinstance(d, (list, tuple)):
        return "int_list"
    if d is None or isinstance(d, dt.date):
        return "date"
    return "text"


def choice_label(key: str, value) -> str:
    if key not in CHOICES or not isinstance(value, str):
        return ""
    return dict(CHOICES[key]).get(value, "")


def display(key: str, value) -> str:
    """A value as people read it: 6、4、2 for a list, 空（不限） for no date."""
    if value in (None, ""):
        return "空（不限）"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    label = choice_label(key, value)
    return f"{value}（{label}）" if label else str(value)


def _int(key: str, value) -> int:
    if isinstance(value, bool):
        raise ActionError("请填写整数。", field="value")
    try:
        n = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ActionError(f"“{value}”不是整数：请填写阿拉伯数字，例如 90。", field="value")
    lo, hi = BOUNDS.get(key, DEFAULT_BOUNDS)
    if not lo <= n <= hi:
        raise ActionError(f"取值应在 {lo} 到 {hi} 之间，“{n}”超出范围。", field="value")
    return n


def check_value(key: str, value: Any) -> Any:
    """The value to store for `key`, in the type the rules read; ActionError (Chinese) otherwise."""
    s = registry.settings.get(key)
    if s is None:
        raise ActionError(f"没有名为“{key}”的规则参数。")
    kind = kind_of(s)
    if kind == "choice":
        allowed = [v for v, _ in CHOICES[key]]
        if value not in allowed:
            raise ActionError(f"“{value}”不是可选值：请在 {'、'.join(allowed)} 中选择。", field="value")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ActionError("请选择是或否。", field="value")
        return value
    if kind == "int":
        return _int(key, value)
    if kind == "decimal":
        try:
            x = float(str(value).strip())
        except ValueError:
            raise ActionError(f"“{value}”不是小数：请填写 0 到 1 之间的数，例如 0.5。", field="value")
        lo, hi = DECIMAL_BOUNDS.get(key, (0.0, 1.0))
        if not lo <= x <= hi:
            raise ActionError(f"取值应在 {lo} 到 {hi} 之间，“{value}”超出范围。", field="value")
        return x
    if kind == "int_list":
        items = value if isinstance(value, (list, tuple)) else [v for v in re.split(r"[\s,，、;；]+", str(value)) if v]
        if not items:
            raise ActionError("请至少填写一个数，多个数之间用逗号或顿号分隔，例如 6、4、2。", field="value")
        out = sorted({_int(key, v) for v in items}, reverse=True)
        return out
    if kind == "date":
        if value in (None, ""):
            return None
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ActionError(f"“{value}”不是有效日期：请按 YYYY-MM-DD 填写，例如 2026-01-01；不限则留空。",
                              field="value")
    text = str(value or "").strip()
    if not text:
        raise ActionError("请填写取值。", field="value")
    return TEXT_CHECKS[key](text) if key in TEXT_CHECKS else text


class SettingForm(forms.Form):
    """One field, `value`, typed by the setting's kind; `clean_value` delegates to `check_value`."""

    def __init__(self, setting: Setting, current, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setting = setting
        kind = kind_of(setting)
        attrs = {"class": "form-control"}
        if kind == "choice":
            field = forms.ChoiceField(label="取值", choices=CHOICES[setting.key],
                                      widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
            field.error_messages["invalid_choice"] = (
                "“%(value)s”不是可选值：请在 " + "、".join(f"{v}（{lbl}）" for v, lbl in CHOICES[setting.key])
                + " 中选择。")
            initial = current
        elif kind == "bool":
            field = forms.BooleanField(label="取值", required=False)
            initial = bool(current)
        elif kind == "int":
            lo, hi = BOUNDS.get(setting.key, DEFAULT_BOUNDS)
            # A CharField: the Chinese message of check_value, not the browser's or Django's own.
            field = forms.CharField(label="取值", help_text=f"整数，{lo}—{hi}",
                                    widget=forms.TextInput(attrs={**attrs, "inputmode": "numeric"}))
            initial = current
        elif kind == "decimal":
            lo, hi = DECIMAL_BOUNDS.get(setting.key, (0.0, 1.0))
            field = forms.CharField(label="取值", help_text=f"小数，{lo}—{hi}",
                                    widget=forms.TextInput(attrs={**attrs, "inputmode": "decimal"}))
            initial = current
        elif kind == "int_list":
            field = forms.CharField(label="取值", help_text="多个整数，用逗号或顿号分隔，例如 6、4、2",
                                    widget=forms.TextInput(attrs=attrs))
            initial = "、".join(str(v) for v in (current or []))
        elif kind == "date":
            field = forms.CharField(label="取值", required=False, help_text="日期（YYYY-MM-DD），留空表示不限",
                                    widget=forms.DateInput(attrs={**attrs, "type": "date"}))
            initial = current or ""
        else:
            field = forms.CharField(label="取值", widget=forms.TextInput(attrs=attrs))
            initial = current
        field.error_messages["required"] = "请填写取值。"
        self.fields["value"] = field
        self.fields["value"].initial = initial
        self.fields["note"] = forms.CharField(label="修改理由（记入操作记录）", required=False, max_length=200,
                                              widget=forms.TextInput(attrs=attrs))

    def clean_value(self):
        try:
            return check_value(self.setting.key, self.cleaned_data.get("value"))
        except ActionError as e:
            raise forms.ValidationError(e.message)
