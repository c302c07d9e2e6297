from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("access/", views.access_list, name="access_list"),
    path("people/<int:pk>/export/", views.person_export, name="person_export"),
]
