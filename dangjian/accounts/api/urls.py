"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import MeViewSet, RoleAssignmentViewSet

ROUTES = [
    ("role-assignments", RoleAssignmentViewSet, "roleassignment"),
    ("me", MeViewSet, "me"),
]
