from django.apps import AppConfig


class FourstrongConfig(AppConfig):
    name = "dangjian.fourstrong"
    verbose_name = "“四强”党支部"
