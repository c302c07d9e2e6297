from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "dangjian.duty"
    verbose_name = "责任落实"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import ContactPoint, ContactVisit, Task
        for model in (ContactPoint, ContactVisit, Task):
            auditlog.register(model)
