"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import RectificationViewSet, SuggestionViewSet, SupervisionPlanViewSet

ROUTES = [("supervision/plans", SupervisionPlanViewSet, "supervisionplan"),
          ("rectifications", RectificationViewSet, "rectification"),
          ("supervision/suggestions", SuggestionViewSet, "suggestion")]
