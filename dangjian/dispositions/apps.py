from django.apps import AppConfig


class DispositionsConfig(AppConfig):
    name = "dangjian.dispositions"
    verbose_name = "不合格党员组织处置"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Disposition
        auditlog.register(Disposition)
