"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import AuditEventViewSet, FindingViewSet

ROUTES = [
    ("findings", FindingViewSet, "finding"),
    ("audit-events", AuditEventViewSet, "auditevent"),
]
