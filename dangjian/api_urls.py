"""One API router; each app registers its viewsets in `<app>/api/urls.py` as ROUTES, a list of
(prefix, viewset, basename). Route names are `<basename>-list`, `<basename>-detail`,
`<basename>-<action>`; the permission-matrix test maps them to fixtures by that basename."""
from importlib import import_module
from importlib.util import find_spec

from rest_framework.routers import DefaultRouter

APPS = ("orgs", "people", "core", "accounts", "djx", "orglife", "dispositions", "recruitment", "dues", "membership",
        "study", "supervision", "duty", "assessment", "elections",
        "fourstrong", "exams", "textquality", "dashboards", "partystats", "privacy")


# No `.json` suffix twins: the custom actions take only `pk` and a suffix route passed them `format=` (a 500);
# the format is chosen by the Accept header or `?format=json`.
router = DefaultRouter()
router.include_format_suffixes = False
for app in APPS:
    module_name = f"dangjian.{app}.api.urls"
    if find_spec(module_name) is None:  # an app without API routes yet
        continue
    for prefix, viewset, basename in getattr(import_module(module_name), "ROUTES", ()):
        router.register(prefix, viewset, basename=basename)

from django.urls import path  # noqa: E402

from dangjian.dues.api.views import DuesCalcView  # noqa: E402

urlpatterns = [path("dues/calc/", DuesCalcView.as_view(), name="dues-calc"), *router.urls]
