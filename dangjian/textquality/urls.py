from django.urls import path

from . import views

app_name = "textquality"
urlpatterns: list = [
    path("copies/<int:pk>/", views.finding_copy, name="finding_copy"),
]
