from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "dangjian.supervision"
    verbose_name = "督查整改"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Rectification, Suggestion, SupervisionPlan
        auditlog.register(SupervisionPlan)
        auditlog.register(Rectification)
        auditlog.register(Suggestion)
