from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangjian.core"
    verbose_name = "核心"

    def ready(self):
        from . import checks, engine, lookups  # noqa: F401  (deploy checks; registry; path__subtree)
        engine.autodiscover()
