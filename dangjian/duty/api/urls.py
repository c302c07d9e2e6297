"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import ContactPointViewSet, TaskViewSet

ROUTES = [("duty/tasks", TaskViewSet, "task"), ("duty/contact-points", ContactPointViewSet, "contactpoint")]
