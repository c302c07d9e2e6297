from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("plans/", views.plan_list, name="supervisionplan_list"),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("plans/<int:pk>/", views.plan_detail, name="supervisionplan_detail"),
]
