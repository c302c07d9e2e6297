from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/export/", views.scheme_export, name="scheme_export"),
    path("schemes/<int:pk>/orgs/<int:org_pk>/", views.scheme_result, name="scheme_result"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("accountability/", views.accountability, name="accountability"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
