from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.finding_list, name="finding_list"),
    path("<int:pk>/waive/", views.finding_waive, name="finding_waive"),
    path("pending/", views.pending_checks_fragment, name="pending_checks"),
]
