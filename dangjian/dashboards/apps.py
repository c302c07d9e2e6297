from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dangjian.dashboards"
    verbose_name = "数据看板"
