from django.apps import AppConfig


class PartystatsConfig(AppConfig):
    name = "dangjian.partystats"
    verbose_name = "党内统计"
