"""Forms of the account screens. They only collect input; `accounts.actions` decides who may do what."""
from __future__ import annotations

from django import forms

from dangjian.core.forms import Form
from dangjian.core.permissions import CHANGE
from dangjian.orgs.forms import OrgPickerField, PersonPickerField

from .actions import grantable_roles


class UserSearchForm(Form):
    q = forms.CharField(label="搜索", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "用户名或姓名", "type": "search"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[
        ("", "全部"), ("active", "启用"), ("inactive", "停用"), ("locked", "锁定"), ("initial", "待修改初始密码")])


class AccountCreateForm(Form):
    person = PersonPickerField(queryset=None, label="人员",
                               help_text="为您管理范围内的人员开通登录账户；每人只能有一个账户。")
    username = forms.CharField(label="用户名", max_length=150,
                               help_text="登录时使用，建议用姓名拼音或工号，只能包含字母、数字和 @ . + - _。")
    grant_member = forms.BooleanField(label="同时授予“党员（本人）”角色（可查看和维护本人信息）", required=False,
                                      initial=True)

    def __init__(self, *args, user, **kwargs):
        from dangjian.people.models import Person

        super().__init__(*args, **kwargs)
        # Picked ids are validated against the admin's `change` scope: anything else is "not found".
        self.fields["person"].queryset = Person.objects.restrict(user, CHANGE).select_related("org")


class GrantRoleForm(Form):
    role = forms.ChoiceField(label="角色")
    org = OrgPickerField(queryset=None, action=CHANGE, label="范围（含下级组织）",
                         help_text="角色覆盖所选组织及其全部下级组织。只能选择您管理范围内的组织。")

    def __init__(self, *args, user, **kwargs):
        from dangjian.orgs.models import Org

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "请选择")] + grantable_roles(user)
        self.fields["org"].queryset = Org.objects.restrict(user, CHANGE).active()


class TwoFactorCodeForm(Form):
    """The code of the second login step: 6 digits from the authenticator app (or, where allowed, a
    recovery code such as ABCD-EFGH-JKLM-NPQR)."""

    code = forms.CharField(label="动态码", max_length=40, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                                         "inputmode": "text", "spellcheck": "false"}))

    def __init__(self, *args, allow_recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_recovery = allow_recovery
        if allow_recovery:
            self.fields["code"].label = "动态码或恢复码"
            self.fields["code"].help_text = "输入验证器（手机应用）上显示的6位数字；手机不在身边时，可输入一个恢复码。"
        else:
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
            self.fields["code"].help_text = "输入验证器上显示的6位数字。"

    def clean_code(self):
        from . import two_factor

        code = "".join(self.cleaned_data["code"].split())
        if not code:
            raise forms.ValidationError("请输入动态码。")
        # A typo of the wrong shape is explained here and never reaches the check (nor the lockout count).
        if not two_factor.is_totp_shaped(code) and not (self.allow_recovery and two_factor.is_recovery_shaped(code)):
            raise forms.ValidationError(
                "动态码须为6位数字" + ("（恢复码为16位字母和数字，形如 ABCD-EFGH-JKLM-NPQR）。" if self.allow_recovery
                                    else "，请输入验证器上显示的6位数字。"))
        return code


class TwoFactorReauthForm(Form):
    """Before a new authenticator is bound from a logged-in session: the current code, or the password."""

    step = forms.CharField(widget=forms.HiddenInput, initial="reauth")
    code = forms.CharField(label="当前动态码", max_length=12, required=False, strip=True,
                           help_text="原验证器上显示的6位数字。",
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))
    password = forms.CharField(label="登录密码", required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, with_code: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_code:
            self.fields["password"].help_text = "手机已丢失、无法获取动态码时，可改为输入登录密码。"
        else:
            del self.fields["code"]
            self.fields["password"].widget.attrs["autofocus"] = True

    def clean_code(self):
        from . import two_factor

        code = "".join((self.cleaned_data.get("code") or "").split())
        if code and not two_factor.is_totp_shaped(code):
            raise forms.ValidationError("动态码须为6位数字。")
        return code

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("code") and not cleaned.get("password"):
            raise forms.ValidationError("请输入当前动态码或登录密码。" if "code" in self.fields else "请输入登录密码。")
        return cleaned
