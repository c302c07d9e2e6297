from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "dangjian.recruitment"
    verbose_name = "发展党员"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import RecruitmentEvent, RecruitmentFile
        auditlog.register(RecruitmentFile)
        auditlog.register(RecruitmentEvent)
