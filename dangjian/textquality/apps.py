from django.apps import AppConfig


class TextqualityConfig(AppConfig):
    name = "dangjian.textquality"
    verbose_name = "文本质量"
