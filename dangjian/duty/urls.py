from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("contact-points/", views.contact_points, name="contactpoint_list"),
    path("responsibilities/", views.responsibilities, name="responsibilities"),
    path("responsibilities/templates/<int:pk>/", views.template_detail, name="responsibilitytemplate_detail"),
    path("responsibilities/<int:pk>/", views.list_detail, name="responsibilitylist_detail"),
    path("mine/", views.mine, name="mine"),
]
