"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import (AccountabilityViewSet, IndicatorViewSet, ReportViewSet, ResultViewSet, ReviewViewSet,
                    SchemeViewSet)

ROUTES = [("assessment/schemes", SchemeViewSet, "scheme"), ("assessment/indicators", IndicatorViewSet, "indicator"),
          ("assessment/results", ResultViewSet, "result"), ("assessment/reports", ReportViewSet, "report"),
          ("assessment/reviews", ReviewViewSet, "reviewmeeting"),
          ("assessment/accountability", AccountabilityViewSet, "accountability")]
