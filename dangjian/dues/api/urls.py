"""(prefix, viewset, basename) triples collected by `dangjian/api_urls.py` into the one router."""
from .views import DuesBaseViewSet, DuesExemptionViewSet, DuesLedgerViewSet, DuesPaymentViewSet

ROUTES = [("dues/payments", DuesPaymentViewSet, "duespayment"), ("dues/bases", DuesBaseViewSet, "duesbase"),
          ("dues/exemptions", DuesExemptionViewSet, "duesexemption"), ("dues/ledger", DuesLedgerViewSet, "duesledger")]
