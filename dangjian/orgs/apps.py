from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    verbose_name = "组织"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Org, Post, Unit
        auditlog.register(Org, exclude_fields=["path", "depth", "numchild"], m2m_fields={"joint_units"})
        auditlog.register(Post)
        auditlog.register(Unit)
