from django.apps import AppConfig


class DjxConfig(AppConfig):
    name = "dangjian.djx"
    verbose_name = "数据交换"
