from django.urls import path

from . import views

app_name = "study"
urlpatterns = [
    path("", views.study_list, name="study_list"),
    path("people/<int:pk>/", views.person_study, name="person"),
    path("lectures/", views.lectures, name="lectures"),
]
