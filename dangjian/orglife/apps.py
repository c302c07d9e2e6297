from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "dangjian.orglife"
    verbose_name = "组织生活"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Appraisal, Meeting, Talk
        auditlog.register(Meeting, exclude_fields=["expected_count", "present_count", "voting_expected",
                                                   "voting_present"])
        auditlog.register(Talk)
        auditlog.register(Appraisal)
