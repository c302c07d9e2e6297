from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    verbose_name = "党费"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import DuesBase, DuesExemption, DuesPayment, DuesPublication, PayrollItem
        for model in (DuesBase, DuesExemption, DuesPayment, DuesPublication, PayrollItem):
            auditlog.register(model)
