from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "dangjian.duty"
    verbose_name = "责任落实"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import (ContactPoint, ContactVisit, Evidence, ResponsibilityItem, ResponsibilityList,
                             ResponsibilityTemplate, Task, TemplateItem)
        for model in (ContactPoint, ContactVisit, Task, ResponsibilityTemplate, TemplateItem, ResponsibilityList,
                      ResponsibilityItem, Evidence):
            auditlog.register(model)
