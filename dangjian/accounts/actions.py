from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ActionError

from .models import Role, RoleAssignment, User


@transaction.atomic
def do_create_user(*, username: str, password: str | None, person=None, display_name: str = "",
                   acting_user=None, validate: bool = True, is_superuser: bool = False) -> User:
    if User.objects.filter(username=username).exists():
        raise ActionError(f"用户名“{username}”已存在。", field="username")
    user = User(username=username, person=person, display_name=display_name or (person.name if person else ""),
                is_superuser=is_superuser, is_staff=is_superuser)
    if password:
        if validate:
            try:
                validate_password(password, user)
            except ValidationError as e:
                raise ActionError("；".join(e.messages), field="password") from e
        user.set_password(password)
        user.password_changed = timezone.now()
    else:
        user.set_unusable_password()
    user.save()
    audit.record("user.create", f"创建账户“{username}”", actor=acting_user,
                 org=person.org if person else None, person=person, obj=user)
    return user


@transaction.atomic
def do_assign_role(user: User, role: str, org, *, acting_user=None) -> RoleAssignment:
    if role not in Role.values:
        raise ActionError(f"未知角色：{role}", field="role")
    ra, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if not created and ra.end is not None:
        ra.end = None
        ra.save(update_fields=["end"])
    audit.record("role.assign", f"授予“{user}”{Role(role).label}角色，范围：{org}", actor=acting_user,
                 org=org, person=user.person, obj=ra)
    return ra


@transaction.atomic
def do_revoke_role(assignment: RoleAssignment, *, acting_user=None) -> RoleAssignment:
    """撤销角色. With an acting user, the same rule as granting applies (they must be allowed to grant
    this role on this org); without one (CLI, data loading) the call is trusted."""
    from dangjian.core.permissions import clear_scope_cache

    if acting_user is not None:
        if not may_grant(acting_user, assignment.role, assignment.org):
            raise ActionError("该角色的范围不在您的管理范围内（或高于您的权限），只能由上级管理员撤销。")
        if acting_user.pk == assignment.user_id and not acting_user.is_superuser:
            raise ActionError("不能撤销自己的角色，请由上级管理员办理。")
    today = timezone.localdate()
    if assignment.end is not None and assignment.end < today:
        raise ActionError("该角色已经撤销。")
    assignment.end = today - timezone.timedelta(days=1)
    assignment.save(update_fields=["end"])
    clear_scope_cache(assignment.user)
    audit.record("role.revoke", f"撤销“{assignment.user}”的{assignment.get_role_display()}角色，范围：{assignment.org}",
                 actor=acting_user, org=assignment.org, person=assignment.user.person, obj=assignment)
    return assignment


@transaction.atomic
def do_change_password(user: User, new_password: str, *, acting_user=None) -> User:
    """修改密码: the policy applies (AUTH_PASSWORD_VALIDATORS); the change is logged, never the password."""
    try:
        validate_password(new_password, user)
    except ValidationError as e:
        raise ActionError("；".join(e.messages), field="new_password1") from e
    user.set_password(new_password)
    user.password_changed = timezone.now()
    user.save(update_fields=["password", "password_changed"])
    audit.record("user.password", f"账户“{user.username}”修改了密码", actor=acting_user or user, obj=user,
                 person=user.person, org=user.person.org if user.person else None)
    return user


# --- the login lockout ------------------------------------------------------------------------------------
# The count is kept in the database and only ever changed there (F() expressions, conditional updates): two
# requests that read the account at the same time must not lose one another's failure. A code is claimed
# (counted as a failure in advance) BEFORE it is checked, so that parallel guesses are checked at most
# LOGIN_MAX_FAILURES times in all; a right one then clears the count.


def _lock_if_at_limit(user: User) -> bool:
    """Lock the account if its count has reached the limit (one request wins the lock and logs it)."""
    from django.conf import settings

    until = timezone.now() + timezone.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    won = User.objects.filter(pk=user.pk, failed_logins__gte=settings.LOGIN_MAX_FAILURES).update(
        failed_logins=0, locked_until=until)
    if won:
        audit.record("user.locked", f"账户“{user.username}”连续登录失败，已锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟",
                     obj=user, person=user.person, org=user.person.org if user.person else None)
    return bool(won)


def _refresh_lockout(user: User) -> None:
    row = User.objects.filter(pk=user.pk).values("failed_logins", "locked_until").first() or {}
    user.failed_logins = row.get("failed_logins", 0)
    user.locked_until = row.get("locked_until")


def register_login_failure(user: User, *, claimed: bool = False) -> None:
    """A wrong password or code: +1 (atomically; unless `claim_login_attempt` counted it already), and the
    account is locked when the count reaches LOGIN_MAX_FAILURES."""
    from django.db.models import F

    with transaction.atomic():
        if not claimed:
            User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        _lock_if_at_limit(user)
    _refresh_lockout(user)


def claim_login_attempt(user: User) -> bool:
    """Before a code (or password) is checked: count it as a failure in advance. False when it must not be
    checked at all: the account is locked, or this attempt is beyond the limit (parallel guesses; the
    account is then locked)."""
    from django.conf import settings
    from django.db.models import F, Q

    now = timezone.now()
    with transaction.atomic():
        counted = (User.objects.filter(pk=user.pk).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
                   .update(failed_logins=F("failed_logins") + 1))
        count = User.objects.filter(pk=user.pk).values_list("failed_logins", flat=True).first() or 0
        if counted and count > settings.LOGIN_MAX_FAILURES:
            _lock_if_at_limit(user)
            counted = 0
    _refresh_lockout(user)
    return bool(counted)


def release_login_attempt(user: User) -> None:
    """A claimed password was right but the login is not complete yet (the code comes next): take the claim
    back without clearing the failures counted before it."""
    from django.db.models import F

    User.objects.filter(pk=user.pk, failed_logins__gt=0).update(failed_logins=F("failed_logins") - 1)
    _refresh_lockout(user)


def register_login_success(user: User) -> None:
    User.objects.filter(pk=user.pk).exclude(failed_logins=0, locked_until=None).update(
        failed_logins=0, locked_until=None)
    user.failed_logins, user.locked_until = 0, None


# --- account and role management by admins (the web UI) -----------------------------------------
# The rule throughout: nobody hands out more than they hold. An admin acts on accounts and roles only
# inside their own `change` scope; 工委管理员 is granted only by a superuser or a 工委管理员 whose own
# assignment covers the org. `acting_user=None` (CLI, demo loader, fixtures) goes through the
# unchecked functions above; the functions below always need the acting user.

INITIAL_PASSWORD_LENGTH = 14
# No look-alikes (0/O, 1/l/I): the password is read off a screen and typed in by someone else.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_PASSWORD_SYMBOLS = "!@#$%*-+?"


def generate_password(user: User | None = None) -> str:
    """A strong random password that satisfies AUTH_PASSWORD_VALIDATORS (letters, digits, a symbol)."""
    import secrets

    while True:
        chars = [secrets.choice(_PASSWORD_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH - 2)]
        chars.insert(secrets.randbelow(len(chars) + 1), secrets.choice("23456789"))
        chars.insert(secrets.randbelow(len(chars) + 1), secrets.choice(_PASSWORD_SYMBOLS))
        password = "".join(chars)
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


def must_change_password(user) -> bool:
    """An initial or reset password (set by an admin, `password_changed` empty) must be replaced by the
    user before anything else: the admin who saw it must not be able to keep using it."""
    return (getattr(user, "is_authenticated", False) and user.password_changed is None
            and user.has_usable_password())


def wc_admin_prefixes(user) -> tuple[str, ...]:
    paths = (RoleAssignment.objects.active().filter(user=user, role=Role.WORK_COMMITTEE_ADMIN)
             .values_list("org__path", flat=True))
    return tuple(paths)


def may_grant(acting_user, role: str, org) -> bool:
    """May `acting_user` grant (or revoke) `role` on `org`? Never more than they hold themselves."""
    from dangjian.core.permissions import CHANGE, can_in_org

    if acting_user is None or org is None or not getattr(acting_user, "is_authenticated", False):
        return False
    if acting_user.is_superuser:
        return True
    if not can_in_org(acting_user, CHANGE, org):
        return False
    if role in (Role.WORK_COMMITTEE_ADMIN, Role.DISCIPLINE):
        # The 纪检 role opens the 问责 register, which org admins do not see: only the 工委 hands it out.
        return any(org.path.startswith(p) for p in wc_admin_prefixes(acting_user))
    return True


def grantable_roles(acting_user) -> list[tuple[str, str]]:
    """The roles `acting_user` may hand out somewhere in their scope (for the grant form's choices)."""
    if acting_user.is_superuser or wc_admin_prefixes(acting_user):
        return list(Role.choices)
    return [(v, label) for v, label in Role.choices if v not in (Role.WORK_COMMITTEE_ADMIN, Role.DISCIPLINE)]


def users_in_scope(acting_user, action: str | None = None):
    """The accounts an admin may see and manage: those with a role assignment (current or ended, so
    that a revoked account can be given a role again) on an org in the admin's `change` scope, or
    whose person belongs to such an org. Out-of-scope accounts answer 404 in the UI."""
    from django.db.models import Q

    from dangjian.core.permissions import CHANGE, subtree_q, user_scope

    scope = user_scope(acting_user, action or CHANGE)
    if scope.everything:
        return User.objects.all()
    if not scope.prefixes:
        return User.objects.none()
    by_role = RoleAssignment.objects.filter(subtree_q("org__path", scope.prefixes)).values("user_id")
    return User.objects.filter(Q(pk__in=by_role) | subtree_q("person__org__path", scope.prefixes))


def may_manage_accounts(acting_user) -> bool:
    """Does `acting_user` manage accounts anywhere (the "账户" menu entry)?"""
    from dangjian.core.permissions import CHANGE, user_scope

    scope = user_scope(acting_user, CHANGE)
    return scope.everything or bool(scope.prefixes)


def account_problem(acting_user, target: User) -> str | None:
    """Why `acting_user` may not reset, lock out or unlock `target` (None when they may).

    Managing an account is as strong as holding its roles (a reset password is a takeover), so it
    needs the right to grant every role the account currently holds."""
    if acting_user is None or not getattr(acting_user, "is_authenticated", False):
        return "请先登录。"
    if acting_user.is_superuser:
        return None
    if target.is_superuser:
        return "系统管理员账户只能由系统管理员管理。"
    if not users_in_scope(acting_user).filter(pk=target.pk).exists():
        return "该账户不在您的管理范围内。"
    for ra in RoleAssignment.objects.active().filter(user=target).select_related("org"):
        if not may_grant(acting_user, ra.role, ra.org):
            return "该账户还拥有您管理范围之外（或高于您权限）的角色，只能由上级管理员办理。"
    return None


def _check_account(acting_user, target: User) -> None:
    problem = account_problem(acting_user, target)
    if problem:
        raise ActionError(problem)


def _account_org(user: User):
    """The org an account's audit events are filed under, so that the admins of that org read them."""
    if user.person_id and user.person.org_id:
        return user.person.org
    ra = RoleAssignment.objects.filter(user=user).select_related("org").order_by("-end", "org__path").first()
    return ra.org if ra else None


def _validate_username(username: str) -> str:
    from django.contrib.auth.validators import UnicodeUsernameValidator

    username = (username or "").strip()
    if not username:
        raise ActionError("请填写用户名。", field="username")
    if len(username) > 150:
        raise ActionError("用户名不能超过150个字符。", field="username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ActionError("用户名只能包含字母、数字和 @ . + - _ 字符，不能有空格。", field="username") from None
    # Case-insensitive: "WangJG" and "wangjg" would be the same person at the login box.
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError(f"用户名“{username}”已被使用，请换一个（例如加上数字）。", field="username")
    return username


@transaction.atomic
def do_create_account_for_person(person, *, username: str, acting_user) -> tuple[User, str]:
    """开通账户: a login for a person in the admin's scope, with a random initial password that is
    returned once (to show on screen) and must be changed at the first login. No role is granted
    here: roles are granted one by one with `do_grant_role`."""
    from dangjian.core.permissions import CHANGE, can_in_org

    if acting_user is None or not (acting_user.is_superuser or can_in_org(acting_user, CHANGE, person.org)):
        raise ActionError(f"“{person.name}”不在您的管理范围内，不能为其开通账户。", field="person")
    if User.objects.filter(person=person).exists():
        raise ActionError(f"“{person.name}”已有登录账户，请在账户页面重置密码或调整角色。", field="person")
    username = _validate_username(username)
    user = User(username=username, person=person, display_name=person.name)
    password = generate_password(user)
    user.set_password(password)
    user.password_changed = None  # an initial password: to be replaced at the first login
    user.save()
    audit.record("user.create", f"为“{person.name}”开通账户“{username}”（初始密码须在首次登录时修改）",
                 actor=acting_user, org=person.org, person=person, obj=user, after={"username": username})
    return user, password


@transaction.atomic
def do_grant_role(user: User, role: str, org, *, acting_user) -> RoleAssignment:
    """授予角色 (role, org), covering the org's subtree, without privilege escalation."""
    from dangjian.core.permissions import clear_scope_cache

    if role not in Role.values:
        raise ActionError("请选择要授予的角色。", field="role")
    if org is None:
        raise ActionError("请选择角色的范围（组织）。", field="org")
    if not may_grant(acting_user, role, org):
        if role == Role.WORK_COMMITTEE_ADMIN and not (acting_user and acting_user.is_superuser):
            raise ActionError("只有系统管理员或范围覆盖该组织的工委管理员才能授予工委管理员角色。", field="role")
        if role == Role.DISCIPLINE and not (acting_user and acting_user.is_superuser):
            raise ActionError("纪检角色只能由系统管理员或范围覆盖该组织的工委管理员授予。", field="role")
        raise ActionError("该组织不在您的管理范围内，不能在此授予角色。请选择您管理的组织或其下级组织。",
                          field="org")
    if user.is_superuser and not acting_user.is_superuser:
        raise ActionError("系统管理员账户只能由系统管理员管理。")
    if getattr(org, "is_dissolved", False):
        raise ActionError(f"“{org.name}”已撤销，不能在此授予角色。", field="org")
    ra = RoleAssignment.objects.select_for_update().filter(user=user, role=role, org=org).first()
    today = timezone.localdate()
    if ra is not None and (ra.end is None or ra.end >= today):
        raise ActionError(f"“{user}”已拥有“{org.name}”的{Role(role).label}角色。", field="role")
    if ra is None:
        ra = RoleAssignment.objects.create(user=user, role=role, org=org, start=today)
    else:
        # A role given again after being revoked: a new period on the same row (the unique key).
        ra.start, ra.end = today, None
        ra.save(update_fields=["start", "end"])
    clear_scope_cache(user)
    audit.record("role.assign", f"授予“{user}”{Role(role).label}角色，范围：{org}", actor=acting_user,
                 org=org, person=user.person, obj=ra, after={"user": user.username, "role": role, "org": org})
    return ra


@transaction.atomic
def do_set_active(user: User, active: bool, *, acting_user) -> User:
    """停用/启用账户: a deactivated account cannot log in and its sessions end at once."""
    if acting_user is not None and acting_user.pk == user.pk:
        raise ActionError("不能停用或启用自己的账户，请由其他管理员办理。")
    _check_account(acting_user, user)
    if user.is_active == active:
        raise ActionError("该账户已是启用状态。" if active else "该账户已经停用。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    verb, word = ("user.activate", "启用") if active else ("user.deactivate", "停用")
    audit.record(verb, f"{word}账户“{user.username}”", actor=acting_user, org=_account_org(user),
                 person=user.person, obj=user, before={"is_active": not active}, after={"is_active": active})
    return user


@transaction.atomic
def do_reset_password(user: User, *, acting_user) -> str:
    """重置密码: a new random password, returned once to show on screen, to be changed at the next
    login. Also clears a lockout: the usual reason for a reset is a forgotten password."""
    if acting_user is not None and acting_user.pk == user.pk:
        raise ActionError("不能在这里重置自己的密码，请使用“修改密码”。")
    _check_account(acting_user, user)
    password = generate_password(user)
    user.set_password(password)
    user.password_changed = None
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "password_changed", "failed_logins", "locked_until"])
    audit.record("user.reset_password", f"重置账户“{user.username}”的密码（须在下次登录时修改）",
                 actor=acting_user, org=_account_org(user), person=user.person, obj=user)
    return password


@transaction.atomic
def do_unlock(user: User, *, acting_user) -> User:
    """解除锁定: clears the lockout after repeated login failures."""
    _check_account(acting_user, user)
    if not user.is_locked and not user.failed_logins:
        raise ActionError("该账户没有被锁定，无需解锁。")
    before = {"locked_until": user.locked_until, "failed_logins": user.failed_logins}
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["failed_logins", "locked_until"])
    audit.record("user.unlock", f"解除账户“{user.username}”的登录锁定", actor=acting_user,
                 org=_account_org(user), person=user.person, obj=user, before=before)
    return user


# --- 双因素认证（TOTP） -------------------------------------------------------------------------------
@transaction.atomic
def do_start_two_factor_enrolment(user: User, *, device_id: int | None = None):
    """The device an enrolment confirms. `device_id` is the one this session started (kept in its session):
    it is shown again while unconfirmed and younger than ENROL_SECONDS. Otherwise a new secret is made and
    every other unconfirmed device of the user is deleted, so that a secret seen in one session (by someone
    who has only the password, say) is never the one bound in another. A confirmed device stays in force
    until the new one is confirmed."""
    from dangjian.core import crypto

    from . import two_factor
    from .models import TOTPDevice

    fresh_since = timezone.now() - timezone.timedelta(seconds=two_factor.ENROL_SECONDS)
    if device_id is not None:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed_at__isnull=True,
                                           created__gt=fresh_since).first()
        if device is not None:
            return device
    TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).delete()
    device = TOTPDevice.objects.create(user=user, secret_encrypted=crypto.encrypt(two_factor.new_secret()))
    audit.record("user.2fa_enrol_start", f"账户“{user.username}”开始绑定双因素认证（生成新密钥）",
                 actor=user, org=_account_org(user), person=user.person, obj=user)
    return device


@transaction.atomic
def do_confirm_two_factor_enrolment(device, code: str, *, acting_user=None, keep_session: str | None = None,
                                    ) -> list[str]:
    """绑定: the first code from the authenticator app confirms the secret. Any earlier device of the user
    is dropped; ten new one-time recovery codes are returned (in clear, to show once). A re-binding (the
    user had a device) ends the user's other sessions (all but `keep_session`)."""
    from . import two_factor
    from .models import TOTPDevice

    if device.confirmed_at is not None:
        raise ActionError("该设备已经绑定。")
    if not two_factor.is_totp_shaped(code):
        raise ActionError("动态码须为6位数字，请输入验证器上显示的6位数字。", field="code")
    fresh_since = timezone.now() - timezone.timedelta(seconds=two_factor.ENROL_SECONDS)
    if not TOTPDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True, created__gt=fresh_since).exists():
        raise ActionError("该二维码已失效（超过10分钟，或已在别处重新开始绑定），请按页面上新的二维码重新添加。")
    if not two_factor.accept_totp(device, code):
        raise ActionError("动态码不正确或已过期，请核对手机时间后输入验证器上最新的6位数字。", field="code")
    user = device.user
    replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
    had_device = replaced.filter(confirmed_at__isnull=False).exists()
    replaced.delete()
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    codes = two_factor.new_recovery_codes(device)
    ended = two_factor.end_sessions(user, keep=keep_session) if had_device else 0
    audit.record("user.2fa_enrol", f"账户“{user.username}”{'重新' if had_device else ''}绑定了双因素认证（动态码）"
                 + (f"，其他 {ended} 个登录会话已结束" if ended else ""),
                 actor=acting_user or user, org=_account_org(user), person=user.person, obj=user)
    return codes


def register_two_factor_failure(user: User, *, stage: str = "login", claimed: bool = False) -> None:
    """A wrong code counts toward the login lockout like a wrong password, and is logged."""
    register_login_failure(user, claimed=claimed)
    audit.record("user.2fa_failure", f"账户“{user.username}”输入的动态码（或恢复码）不正确"
                 + {"enrol": "（绑定时）", "reauth": "（重新绑定前的身份确认）"}.get(stage, ""),
                 obj=user, person=user.person, org=_account_org(user), stage=stage)


def record_recovery_code_use(user: User, left: int) -> None:
    audit.record("user.2fa_recovery", f"账户“{user.username}”使用恢复码登录（剩余{left}个）",
                 actor=user, obj=user, person=user.person, org=_account_org(user), left=left)


@transaction.atomic
def do_reset_two_factor(user: User, *, acting_user) -> User:
    """重置双因素认证 (lost phone): the account's devices and recovery codes are removed; if 2FA is required
    of it, the next login enrols a new authenticator. The same rule as a password reset applies."""
    from .models import TOTPDevice

    if acting_user is not None and acting_user.pk == user.pk:
        raise ActionError("不能在这里重置自己的双因素认证，请在“双因素认证”页面重新绑定。")
    _check_account(acting_user, user)
    from . import two_factor

    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    if not deleted:
        raise ActionError("该账户尚未绑定双因素认证，无需重置。")
    ended = two_factor.end_sessions(user)  # whoever holds the lost phone is logged out too
    audit.record("user.2fa_reset", f"重置账户“{user.username}”的双因素认证（须在下次登录时重新绑定）"
                 + (f"，其 {ended} 个登录会话已结束" if ended else ""),
                 actor=acting_user, org=_account_org(user), person=user.person, obj=user)
    return user
