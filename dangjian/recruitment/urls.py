from django.urls import path

from . import views

app_name = "recruitment"
urlpatterns = [
    path("", views.file_list, name="recruitment_list"),
    path("new/", views.file_create, name="recruitment_create"),
    path("<int:pk>/", views.file_detail, name="recruitment_detail"),
    path("<int:pk>/documents/<slug:kind>.docx", views.file_document, name="recruitment_document"),
    path("<int:pk>/cancel/", views.file_cancel, name="recruitment_cancel"),
    path("<int:pk>/stop/", views.file_stop, name="recruitment_stop"),
    path("<int:pk>/planned-leave/", views.file_planned_leave, name="recruitment_planned_leave"),
    path("steps/<int:pk>/correct/", views.event_correct, name="recruitmentstep_correct"),
]
