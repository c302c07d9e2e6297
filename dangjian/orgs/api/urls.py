"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import OrgViewSet, PostViewSet, UnitViewSet

ROUTES = [
    ("units", UnitViewSet, "unit"),
    ("orgs", OrgViewSet, "org"),
    ("posts", PostViewSet, "post"),
]
