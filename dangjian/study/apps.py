from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "dangjian.study"
    verbose_name = "学习培训"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import StudyRecord
        auditlog.register(StudyRecord)
