"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import MobileContactViewSet, TransferViewSet

ROUTES = [("transfers", TransferViewSet, "transfer"), ("mobile-contacts", MobileContactViewSet, "mobilecontact")]
