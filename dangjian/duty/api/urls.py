"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import ContactPointViewSet, ResponsibilityListViewSet, ResponsibilityTemplateViewSet, TaskViewSet

ROUTES = [("duty/tasks", TaskViewSet, "task"), ("duty/contact-points", ContactPointViewSet, "contactpoint"),
          ("duty/responsibility-templates", ResponsibilityTemplateViewSet, "responsibilitytemplate"),
          ("duty/responsibility-lists", ResponsibilityListViewSet, "responsibilitylist")]
