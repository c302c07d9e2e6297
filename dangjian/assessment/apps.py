from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "dangjian.assessment"
    verbose_name = "考核评议"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Indicator, ManualScore, Report, ReviewMeeting, Scheme

        # The 问责 register is not field-logged: its history would show in places org admins read. Its
        # actions write a discreet domain event instead.
        for model in (Scheme, Indicator, ManualScore, Report, ReviewMeeting):
            auditlog.register(model)
