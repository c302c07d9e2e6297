"""Accounts and roles scoped to the tree: a role assignment is (role, org) and covers the subtree."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dangjian.core.permissions import AUDITOR, DISCIPLINE, MEMBER, ORG_ADMIN, VIEW, WORK_COMMITTEE_ADMIN
from dangjian.core.querysets import RestrictedQuerySet


class Role(models.TextChoices):
    WORK_COMMITTEE_ADMIN = WORK_COMMITTEE_ADMIN, "工委管理员"
    ORG_ADMIN = ORG_ADMIN, "党组织管理员（书记、组织委员）"
    MEMBER = MEMBER, "党员（本人）"
    AUDITOR = AUDITOR, "只读审计"
    DISCIPLINE = DISCIPLINE, "纪检（纪委书记、纪检委员）"


class User(AbstractUser):
    """A login. Linked to the Person it belongs to, so that self-service and "my tasks" work."""

    person = models.OneToOneField("people.Person", verbose_name="对应人员", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="user")
    display_name = models.CharField("显示名", max_length=50, blank=True)
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    password_changed = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class RoleAssignmentQuerySet(RestrictedQuerySet):
    def active(self):
        today = timezone.localdate()
        return self.filter(Q(end__isnull=True) | Q(end__gte=today))


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="role_assignments")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    org = models.ForeignKey("orgs.Org", verbose_name="范围（含下级）", on_delete=models.CASCADE,
                            related_name="role_assignments")
    start = models.DateField("起始日期", default=timezone.localdate)
    end = models.DateField("终止日期", null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()
    restrict_lookup = "org__path"

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="role_once_per_org")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org}"

    @classmethod
    def restrict_self(cls, user, action):
        return Q(user_id=user.pk) if action == VIEW else None


class TOTPDevice(models.Model):
    """双因素认证（TOTP）: an authenticator app bound to a login.

    The shared secret is stored encrypted (`dangjian.core.crypto`, field `secret_encrypted`). A user has at
    most one confirmed device; an enrolment in progress is an unconfirmed row that replaces the confirmed
    one only when its first code has been confirmed. `last_step` is the last accepted 30-second time step:
    a code is accepted once, and never one older than the last accepted."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="totp_devices")
    secret_encrypted = models.TextField("密钥（加密）")
    confirmed_at = models.DateTimeField("绑定时间", null=True, blank=True)
    last_step = models.BigIntegerField("最近使用的时间步", null=True, blank=True)
    created = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "双因素认证设备"

    def __str__(self):
        return f"{self.user} · {'已绑定' if self.confirmed_at else '待确认'}"


class RecoveryCode(models.Model):
    """A one-time recovery code (恢复码), stored as a SHA-256 digest (the codes carry 80 random bits)."""

    device = models.ForeignKey(TOTPDevice, verbose_name="设备", on_delete=models.CASCADE,
                               related_name="recovery_codes")
    code_hash = models.CharField("恢复码摘要", max_length=64)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "恢复码"
