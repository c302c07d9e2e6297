from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dangjian.people"
    verbose_name = "人员"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Person
        auditlog.register(Person, exclude_fields=["id_number_digest", "updated"], mask_fields=["id_number_encrypted"])
