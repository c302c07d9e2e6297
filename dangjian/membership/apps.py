from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "dangjian.membership"
    verbose_name = "组织关系"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import MobileContact, Transfer
        auditlog.register(Transfer)
        auditlog.register(MobileContact)
