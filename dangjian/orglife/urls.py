from django.urls import include, path

from . import signin_views, views

app_name = "orglife"
urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", views.meeting_delete, name="meeting_delete"),
    # Optional QR sign-in (扫码签到): the code shown by the secretary, its live list, the member's page.
    path("meetings/<int:pk>/sign-in/", signin_views.meeting_sign_in_qr, name="meeting_sign_in_qr"),
    path("meetings/<int:pk>/sign-in/list/", signin_views.meeting_sign_in_list, name="meeting_sign_in_list"),
    path("sign-in/<str:token>/", signin_views.sign_in, name="sign_in"),
    path("talks/", views.talk_list, name="talk_list"),
    path("talks/new/", views.talk_create, name="talk_create"),
    path("appraisals/new/", views.appraisal_create, name="appraisal_create"),
    # 台账 (Word/PDF/Excel), the year's plan (and ICS), meeting attachments: one module each.
    path("ledger/", include("dangjian.orglife.ledger_urls")),
    path("plan/", include("dangjian.orglife.plan_urls")),
    path("attachments/", include("dangjian.orglife.attachment_urls")),
    path("process/", include("dangjian.orglife.process_urls")),
]
