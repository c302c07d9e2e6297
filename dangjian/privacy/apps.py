from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "dangjian.privacy"
    verbose_name = "个人信息保护"
    # No auditlog registration: the access log is itself the record, and an anonymisation must not leave the old
    # values in a LogEntry diff (see actions.do_anonymise_person).
