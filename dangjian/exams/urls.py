from django.urls import path

from . import views

app_name = "exams"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.exam_take, name="exam_take"),
    path("<int:pk>/results/", views.exam_results, name="exam_results"),
    path("manage/", views.exam_list, name="exam_list"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<int:pk>/answer/", views.attempt_answer, name="attempt_answer"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("banks/", views.bank_list, name="questionbank_list"),
    path("banks/template.xlsx", views.bank_template, name="questionbank_template"),
    path("banks/<int:pk>/", views.bank_detail, name="questionbank_detail"),
    path("papers/", views.paper_list, name="paper_list"),
    path("papers/<int:pk>/", views.paper_detail, name="paper_detail"),
]
