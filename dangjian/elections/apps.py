from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "dangjian.elections"
    verbose_name = "换届选举"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Candidate, Election

        auditlog.register(Election)
        auditlog.register(Candidate)
