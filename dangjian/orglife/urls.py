from django.urls import include, path

from . import views

app_name = "orglife"
urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", views.meeting_delete, name="meeting_delete"),
    path("talks/", views.talk_list, name="talk_list"),
    path("talks/new/", views.talk_create, name="talk_create"),
    path("appraisals/new/", views.appraisal_create, name="appraisal_create"),
    # 台账 (Word/PDF/Excel), the year's plan (and ICS), meeting attachments: one module each.
    path("ledger/", include("dangjian.orglife.ledger_urls")),
    path("plan/", include("dangjian.orglife.plan_urls")),
    path("attachments/", include("dangjian.orglife.attachment_urls")),
    path("process/", include("dangjian.orglife.process_urls")),
]
