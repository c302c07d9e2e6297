from .views import PartyStatsViewSet

ROUTES: list = [("partystats", PartyStatsViewSet, "partystats")]
