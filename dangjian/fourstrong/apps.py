from django.apps import AppConfig


class FourstrongConfig(AppConfig):
    name = "dangjian.fourstrong"
    verbose_name = "“四强”党支部"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Application, Criterion, CriterionScore, Recheck, Standard, StandardDimension, Title

        for model in (Standard, StandardDimension, Criterion, Application, CriterionScore, Title, Recheck):
            auditlog.register(model)
