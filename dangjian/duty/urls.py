from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("contact-points/", views.contact_points, name="contactpoint_list"),
]
