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
    assignment.end = timezone.localdate() - timezone.timedelta(days=1)
    assignment.save(update_fields=["end"])
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


def register_login_failure(user: User) -> None:
    from django.conf import settings

    user.failed_logins += 1
    fields = ["failed_logins"]
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = timezone.now() + timezone.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        user.failed_logins = 0
        fields.append("locked_until")
        audit.record("user.locked", f"账户“{user.username}”连续登录失败，已锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟",
                     obj=user, person=user.person, org=user.person.org if user.person else None)
    User.objects.filter(pk=user.pk).update(**{f: getattr(user, f) for f in fields})


def register_login_success(user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
