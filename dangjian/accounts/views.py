from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from dangjian.core.errors import ActionError
from dangjian.core.forms import apply_action_error
from dangjian.core.models import AuditEvent
from dangjian.core.params import id_param
from dangjian.core.permissions import CHANGE, VIEW, VIEW_AUDIT
from dangjian.core.views import get_restricted

from . import actions, two_factor
from .actions import must_change_password, register_login_failure, register_login_success
from .models import Role, RoleAssignment, User

FIRST_LOGIN_MESSAGE = "您正在使用管理员设置的初始密码（或重置后的密码），请先修改为只有您自己知道的新密码。"


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
        # The attempt is counted before the password is checked (parallel guesses: at most the limit is checked).
        if user is not None and not actions.claim_login_attempt(user):
            raise forms.ValidationError(self.error_messages["locked"], code="locked",
                                        params={"until": timezone.localtime(user.locked_until).strftime("%H:%M")})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if user is not None and not user.is_active and user.check_password(self.cleaned_data.get("password") or ""):
                # The right password for a deactivated account: say so (only its holder learns it),
                # rather than let them retry into a lockout.
                actions.release_login_attempt(user)
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive") from None
            if user is not None:
                register_login_failure(user, claimed=True)
            raise
        # The failure count is cleared by the view once the login is complete (after the second factor,
        # where one applies): a right password must not wipe the wrong codes counted before it.
        if user is not None:
            actions.release_login_attempt(user)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.applies(user):
            # Password right, second factor to come: not logged in yet.
            two_factor.start_pending(self.request, user, self.get_redirect_url())
            if two_factor.confirmed_device(user) is None:
                return redirect("accounts:two_factor_enrol")
            return redirect("accounts:two_factor_verify")
        two_factor.clear_pending(self.request)  # another account's half-finished login in this browser
        register_login_success(user)
        return super().form_valid(form)

    def get_success_url(self):
        # An initial or reset password was seen by the admin who set it: replace it before anything else.
        if must_change_password(self.request.user):
            messages.warning(self.request, FIRST_LOGIN_MESSAGE)
            return reverse("password_change")
        return super().get_success_url()


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


# --- account and role management (账户管理) ------------------------------------------------------
# Every query goes through the scope: accounts via `users_in_scope` (built on `user_scope` and the
# org-path subtree filter, like `restrict()`), role assignments and audit events via `restrict()`.
# Out-of-scope accounts answer 404. The actions re-check everything; the views only hide buttons.
NOT_FOUND = "未找到，或不在您的管理范围内。"


def _require_manager(request):
    if not actions.may_manage_accounts(request.user):
        raise Http404(NOT_FOUND)


def _user_for(request, pk) -> User:
    try:
        return actions.users_in_scope(request.user).select_related("person__org").get(pk=pk)
    except (User.DoesNotExist, ValueError):
        raise Http404(NOT_FOUND)


def user_url(user) -> str:
    return reverse("accounts:user_detail", kwargs={"pk": user.pk})


def _password_page(request, user, password, *, title, intro):
    """The one time a generated password is shown: in the POST's own response (never stored in a
    message or the session), and not cached by the browser."""
    response = render(request, "accounts/password_shown.html", {
        "account": user, "password": password, "title": title, "intro": intro})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def user_list(request):
    """账户列表: the accounts in the admin's scope, with search and status filter."""
    from .forms import UserSearchForm
    from .tables import UserTable

    _require_manager(request)
    user = request.user
    form = UserSearchForm(request.GET or None)
    qs = actions.users_in_scope(user).select_related("person").prefetch_related(
        Prefetch("role_assignments", to_attr="scoped_roles",
                 queryset=RoleAssignment.objects.restrict(user, VIEW).select_related("org")
                 .order_by("org__path", "role")))
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(person__name__icontains=q))
        status = form.cleaned_data["status"]
        now = timezone.now()
        if status == "active":
            qs = qs.filter(is_active=True)
        elif status == "inactive":
            qs = qs.filter(is_active=False)
        elif status == "locked":
            qs = qs.filter(locked_until__gt=now)
        elif status == "initial":
            qs = qs.filter(password_changed__isnull=True).exclude(password__startswith="!")
    table = UserTable(qs)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render(request, "accounts/user_list.html", {"table": table, "form": form, "nav_active": "accounts"})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    """开通账户 for a person in scope (`?person=<pk>` from the person page)."""
    from dangjian.people.models import Person

    from .forms import AccountCreateForm

    _require_manager(request)
    initial = {}
    person_pk = request.GET.get("person", "")
    if request.method == "GET" and id_param(person_pk) is not None:
        person = Person.objects.restrict(request.user, CHANGE).filter(pk=id_param(person_pk)).first()
        if person is None:
            raise Http404(NOT_FOUND)
        existing = User.objects.filter(person=person).first()
        if existing is not None:
            messages.info(request, f"“{person.name}”已有登录账户“{existing.username}”。")
            if actions.users_in_scope(request.user).filter(pk=existing.pk).exists():
                return redirect(user_url(existing))
            return redirect("people:person_detail", pk=person.pk)
        initial = {"person": person.pk}
    form = AccountCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            with transaction.atomic():
                account, password = actions.do_create_account_for_person(
                    person, username=form.cleaned_data["username"], acting_user=request.user)
                if form.cleaned_data["grant_member"]:
                    actions.do_grant_role(account, Role.MEMBER, person.org, acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            return _password_page(request, account, password, title="账户已开通",
                                  intro=f"已为“{person.name}”开通登录账户。")
    return render(request, "accounts/user_form.html", {
        "form": form, "title": "开通账户", "submit": "开通", "nav_active": "accounts",
        "intro": "系统将生成随机初始密码，只显示一次；本人首次登录后须修改密码。",
        "cancel_url": reverse("accounts:user_list")})


@login_required
@require_GET
def user_detail(request, pk):
    """账户页: status, roles in the admin's scope (with revoke), grant form, account actions, history."""
    from .forms import GrantRoleForm
    from .tables import account_status

    user = request.user
    account = _user_for(request, pk)
    roles = list(RoleAssignment.objects.restrict(user, VIEW).filter(user=account).select_related("org")
                 .order_by("org__path", "role"))
    today = timezone.localdate()
    for ra in roles:
        ra.is_current = ra.end is None or ra.end >= today
        ra.may_revoke = (ra.is_current and account.pk != user.pk
                         and actions.may_grant(user, ra.role, ra.org))
    all_ids = list(RoleAssignment.objects.filter(user=account).values_list("pk", "end"))
    hidden_current = sum(1 for _, end in all_ids if end is None or end >= today) - \
        sum(1 for ra in roles if ra.is_current)
    events = list(AuditEvent.objects.restrict(user, VIEW_AUDIT)
                  .filter(Q(object_type="accounts.user", object_id=str(account.pk))
                          | Q(object_type="accounts.roleassignment", object_id__in=[str(i) for i, _ in all_ids]))
                  .select_related("actor")[:30])
    problem = actions.account_problem(user, account)
    two_factor_device = two_factor.confirmed_device(account)
    may_grant_here = not account.is_superuser or user.is_superuser
    return render(request, "accounts/user_detail.html", {
        "account": account, "roles": roles, "hidden_current": hidden_current, "events": events,
        "status": account_status(account), "problem": problem, "is_self": account.pk == user.pk,
        "grant_form": GrantRoleForm(user=user) if may_grant_here else None,
        "two_factor_device": two_factor_device, "two_factor_required": two_factor.required(account),
        "nav_active": "accounts",
    })


@login_required
@require_http_methods(["GET", "POST"])
def user_grant(request, pk):
    """授予角色 (the detail page posts here; an invalid form comes back on a page of its own)."""
    from .forms import GrantRoleForm

    account = _user_for(request, pk)
    form = GrantRoleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            ra = actions.do_grant_role(account, form.cleaned_data["role"], form.cleaned_data["org"],
                                       acting_user=request.user)
        except ActionError as e:
            apply_action_error(form, e)
        else:
            messages.success(request, f"已授予“{account}”{ra.get_role_display()}角色，范围：{ra.org.name}（含下级）。")
            return redirect(user_url(account))
    return render(request, "accounts/user_form.html", {
        "form": form, "account": account, "title": "授予角色", "submit": "授予", "nav_active": "accounts",
        "intro": f"为账户“{account.username}”授予角色。角色覆盖所选组织及其全部下级组织；"
                 "只能在您的管理范围内授予，且不能授予高于您自己的角色。",
        "cancel_url": user_url(account)})


@login_required
@require_POST
def roleassignment_revoke(request, pk):
    ra = get_restricted(request, RoleAssignment.objects.select_related("user", "org"), CHANGE, pk=pk)
    try:
        actions.do_revoke_role(ra, acting_user=request.user)
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已撤销“{ra.user}”的{ra.get_role_display()}角色（{ra.org.name}）。")
    if actions.users_in_scope(request.user).filter(pk=ra.user_id).exists():
        return redirect(user_url(ra.user))
    return redirect("accounts:user_list")


@login_required
@require_POST
def user_reset_password(request, pk):
    account = _user_for(request, pk)
    try:
        password = actions.do_reset_password(account, acting_user=request.user)
    except ActionError as e:
        messages.error(request, e.message)
        return redirect(user_url(account))
    return _password_page(request, account, password, title="密码已重置",
                          intro=f"已为账户“{account.username}”生成新密码，原密码已失效；如账户曾被锁定，已一并解锁。")


@login_required
@require_POST
def user_unlock(request, pk):
    account = _user_for(request, pk)
    try:
        actions.do_unlock(account, acting_user=request.user)
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已解除账户“{account.username}”的登录锁定。")
    return redirect(user_url(account))


@login_required
@require_POST
def user_set_active(request, pk):
    account = _user_for(request, pk)
    active = request.POST.get("active") == "1"
    try:
        actions.do_set_active(account, active, acting_user=request.user)
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已{'启用' if active else '停用'}账户“{account.username}”。")
    return redirect(user_url(account))


# --- 双因素认证（TOTP） ---------------------------------------------------------------------------------
# After the password, a user to whom 2FA applies is "pending" (session key two_factor.PENDING_KEY, five
# minutes) and not logged in: the code page (or, not yet enrolled, the enrolment page) completes the login.
PENDING_EXPIRED = "登录已超时，请重新输入用户名和密码。"


def _finish_login(request, user, data):
    from django.contrib.auth import login as auth_login
    from django.utils.http import url_has_allowed_host_and_scheme

    two_factor.clear_pending(request)
    auth_login(request, user, backend=data.get("backend") or None)  # a new session key
    request.session[two_factor.VERIFIED_KEY] = True
    register_login_success(user)
    if must_change_password(user):
        messages.warning(request, FIRST_LOGIN_MESSAGE)
        return reverse("password_change")
    next_url = data.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return next_url
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked_message(user) -> str:
    return LockoutAuthenticationForm.error_messages["locked"] % {
        "until": timezone.localtime(user.locked_until).strftime("%H:%M")}


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """输入动态码: the second step of the login (a 6-digit code, or one of the recovery codes)."""
    from .forms import TwoFactorCodeForm

    user, data = two_factor.pending(request)
    if user is None:
        messages.error(request, PENDING_EXPIRED)
        return redirect("login")
    device = two_factor.confirmed_device(user)
    if device is None:
        return redirect("accounts:two_factor_enrol")
    form = TwoFactorCodeForm(request.POST or None, allow_recovery=True)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        # Counted before it is checked: parallel guesses are checked at most LOGIN_MAX_FAILURES times.
        if not actions.claim_login_attempt(user):
            form.add_error(None, _locked_message(user))
        elif two_factor.is_totp_shaped(code) and two_factor.accept_totp(device, code):
            return redirect(_finish_login(request, user, data))
        elif not two_factor.is_totp_shaped(code) and two_factor.use_recovery_code(device, code):
            left = two_factor.recovery_codes_left(device)
            actions.record_recovery_code_use(user, left)
            target = _finish_login(request, user, data)
            messages.warning(request, f"您使用了一个恢复码登录，还剩 {left} 个。手机丢失或更换时，请在“双因素认证”页面重新绑定。")
            return redirect(target)
        else:
            actions.register_two_factor_failure(user, claimed=True)
            form.add_error("code", "动态码不正确或已使用过。" if two_factor.is_totp_shaped(code)
                           else "恢复码不正确或已使用过。")
            if user.is_locked:
                form.add_error(None, _locked_message(user))
    return _no_store(render(request, "registration/two_factor_verify.html", {"form": form, "account": user}))


REAUTH_SECONDS = 600


def _reauthenticated(request) -> bool:
    return request.session.get(two_factor.REAUTH_KEY, 0) > timezone.now().timestamp()


def _reauth_page(request, user, device, form):
    return _no_store(render(request, "accounts/two_factor_reauth.html", {
        "form": form, "device": device, "account": user}))


def _reauthenticate(request, user, device):
    """Re-binding from a logged-in session: the current code (or the password) first, so that a session left
    open (or taken over) cannot swap the authenticator. None when confirmed; else the page to show."""
    from .forms import TwoFactorReauthForm

    form = TwoFactorReauthForm(request.POST if request.POST.get("step") == "reauth" else None,
                               with_code=device is not None)
    if form.is_bound and form.is_valid():
        code, password = form.cleaned_data.get("code"), form.cleaned_data.get("password")
        if not actions.claim_login_attempt(user):
            form.add_error(None, _locked_message(user))
        elif (device is not None and code and two_factor.accept_totp(device, code)) or \
                (password and user.check_password(password)):
            actions.release_login_attempt(user)
            request.session[two_factor.REAUTH_KEY] = timezone.now().timestamp() + REAUTH_SECONDS
            request.session.pop(two_factor.ENROL_KEY, None)
            return None
        else:
            actions.register_two_factor_failure(user, stage="reauth", claimed=True)
            form.add_error(None, "动态码或密码不正确。" if device is not None else "密码不正确。")
            if user.is_locked:
                form.add_error(None, _locked_message(user))
    return _reauth_page(request, user, device, form)


@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """绑定双因素认证: at the first login of an account that must use it (after the password), or from the
    user's own 双因素认证 page to bind a new phone (after the current code or the password is asked again).
    Shows the secret and its QR code — one secret per session, void after ten minutes; the first code confirms."""
    from .forms import TwoFactorCodeForm

    posting_code = request.method == "POST" and request.POST.get("step") != "reauth"
    if request.user.is_authenticated:
        user, data, is_pending = request.user, {}, False
        reauth_posted = request.method == "POST" and not posting_code
        if reauth_posted or not _reauthenticated(request):
            page = _reauthenticate(request, user, two_factor.confirmed_device(user))
            if page is not None:
                return page  # asked (again) for the current code or the password
    else:
        user, data = two_factor.pending(request)
        is_pending = True
        if user is None:
            messages.error(request, PENDING_EXPIRED)
            return redirect("login")
        if two_factor.confirmed_device(user) is not None:
            # Enrolled already: the code is asked for, not a new binding (that needs a full login).
            return redirect("accounts:two_factor_verify")
    session_device = id_param(str(request.session.get(two_factor.ENROL_KEY, "")))
    device = actions.do_start_two_factor_enrolment(user, device_id=session_device)
    request.session[two_factor.ENROL_KEY] = device.pk
    form = TwoFactorCodeForm(request.POST if posting_code else None)
    if posting_code and device.pk != session_device:
        form.is_valid()
        form.add_error(None, "该二维码已失效（超过10分钟，或已在别处重新开始绑定），请按下面新的二维码重新添加。")
    elif posting_code and form.is_valid():
        if is_pending and not actions.claim_login_attempt(user):
            form.add_error(None, _locked_message(user))
        else:
            try:
                codes = actions.do_confirm_two_factor_enrolment(
                    device, form.cleaned_data["code"], acting_user=user,
                    keep_session=None if is_pending else request.session.session_key)
            except ActionError as e:
                if is_pending:
                    actions.register_two_factor_failure(user, stage="enrol", claimed=True)
                apply_action_error(form, e)
            else:
                request.session.pop(two_factor.ENROL_KEY, None)
                request.session.pop(two_factor.REAUTH_KEY, None)
                if is_pending:
                    next_url = _finish_login(request, user, data)
                else:
                    request.session[two_factor.VERIFIED_KEY] = True  # the code was just proven
                    next_url = reverse("accounts:two_factor")
                return _no_store(render(request, "registration/two_factor_codes.html", {
                    "codes": codes, "next_url": next_url, "account": user}))
    return _no_store(render(request, "registration/two_factor_enrol.html", {
        "form": form, "account": user, "is_pending": is_pending,
        "secret": two_factor.grouped(two_factor.secret_of(device)), "qr": two_factor.qr_data_uri(device),
        "required": two_factor.required(user), "expires_minutes": two_factor.ENROL_SECONDS // 60}))


@require_POST
def two_factor_cancel(request):
    """返回登录: drop a half-finished login (password given, code not yet) and go back to the login page."""
    two_factor.clear_pending(request)
    return redirect("login")


@login_required
@require_GET
def two_factor_manage(request):
    """双因素认证 (own account): status, recovery codes left, bind a new phone."""
    user = request.user
    device = two_factor.confirmed_device(user)
    return render(request, "accounts/two_factor.html", {
        "device": device, "required": two_factor.required(user),
        "codes_left": two_factor.recovery_codes_left(device)})


@login_required
@require_POST
def user_reset_two_factor(request, pk):
    """重置双因素认证 of an account in scope (the holder lost the phone): its sessions end, the next login binds a
    new one."""
    account = _user_for(request, pk)
    try:
        actions.do_reset_two_factor(account, acting_user=request.user)
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已重置账户“{account.username}”的双因素认证，其登录会话已全部结束；"
                                  "该账户下次登录时须重新绑定验证器。")
    return redirect(user_url(account))
