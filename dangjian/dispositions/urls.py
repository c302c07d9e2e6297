from django.urls import path

from . import views

app_name = "dispositions"
urlpatterns = [
    path("", views.disposition_list, name="disposition_list"),
    path("new/", views.disposition_create, name="disposition_create"),
    path("<int:pk>/", views.disposition_detail, name="disposition_detail"),
    path("<int:pk>/cancel/", views.disposition_cancel, name="disposition_cancel"),
]
