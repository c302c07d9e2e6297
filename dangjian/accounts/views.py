from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.urls import reverse_lazy
from django.utils import timezone

from .actions import register_login_failure, register_login_success
from .models import User


class LockoutAuthenticationForm(AuthenticationForm):
    """Login with lockout: LOGIN_MAX_FAILURES consecutive failures lock the account for a while.
    The message does not reveal whether the user name exists."""

    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错多次后账户将被临时锁定。",
        "inactive": "该账户已停用，请联系管理员。",
        "locked": "该账户因连续登录失败已被临时锁定，请于 %(until)s 后再试，或联系管理员解锁。",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and user.is_locked:
            raise forms.ValidationError(self.error_messages["locked"], code="locked",
                                        params={"until": timezone.localtime(user.locked_until).strftime("%H:%M")})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if user is not None:
                register_login_failure(user)
            raise
        register_login_success(self.get_user())
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class _PasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs["class"]:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码: the password policy applies; the session stays valid; the change is logged."""

    form_class = _PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        from django.contrib import messages

        from django.contrib.auth import update_session_auth_hash
        from django.http import HttpResponseRedirect

        from .actions import do_change_password

        # The form has validated the old password and the policy; the action saves and logs.
        user = do_change_password(form.user, form.cleaned_data["new_password1"], acting_user=form.user)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。")
        return HttpResponseRedirect(self.get_success_url())
