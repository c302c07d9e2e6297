from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    verbose_name = "账户与角色"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import RoleAssignment, User
        auditlog.register(RoleAssignment)
        auditlog.register(User, include_fields=["username", "is_active", "is_superuser", "person", "locked_until"])
