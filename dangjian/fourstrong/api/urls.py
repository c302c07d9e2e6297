"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import FourStrongApplicationViewSet, FourStrongStandardViewSet, FourStrongTitleViewSet

ROUTES = [("fourstrong/standards", FourStrongStandardViewSet, "fsstandard"),
          ("fourstrong/applications", FourStrongApplicationViewSet, "fsapplication"),
          ("fourstrong/titles", FourStrongTitleViewSet, "fstitle")]
