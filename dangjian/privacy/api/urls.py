"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import PersonalDataAccessViewSet

ROUTES = [
    ("privacy/access", PersonalDataAccessViewSet, "personaldataaccess"),
]
