from django.urls import path

from . import views

app_name = "study"
urlpatterns = [
    path("", views.study_list, name="study_list"),
    path("people/<int:pk>/", views.person_study, name="person"),
    path("lectures/", views.lectures, name="lectures"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.studyplan_detail, name="studyplan_detail"),
    path("center/", views.study_center, name="study_center"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/<int:pk>/", views.trainingclass_detail, name="trainingclass_detail"),
    path("schedules/", views.schedule_list, name="schedule_list"),
    path("schedules/<int:pk>/", views.lectureschedule_detail, name="lectureschedule_detail"),
]
