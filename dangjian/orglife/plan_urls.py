from django.urls import path

from . import plan_views

# Without a year: this year's plan (and the route the permission matrix reverses with `pk` alone).
urlpatterns = [
    path("org/<int:pk>/", plan_views.org_plan, name="org_plan"),
    path("org/<int:pk>/<int:year>/", plan_views.org_plan, name="org_plan"),
    path("org/<int:pk>.ics", plan_views.org_plan_ics, name="org_plan_ics"),
    path("org/<int:pk>/<int:year>.ics", plan_views.org_plan_ics, name="org_plan_ics"),
]
