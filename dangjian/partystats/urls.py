from django.urls import path

from . import views

app_name = "partystats"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:org_pk>/<int:year>/", views.org_stats, name="org_stats"),
    path("<int:org_pk>/<int:year>/tables.xlsx", views.org_stats_xlsx, name="org_stats_xlsx"),
]
