from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "dangjian.exams"
    verbose_name = "考试"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Exam, Paper, Question, QuestionBank

        # Attempts and answers are not field-logged: they are private to the person and their secretary.
        auditlog.register(QuestionBank)
        auditlog.register(Question)
        auditlog.register(Paper)
        auditlog.register(Exam)
