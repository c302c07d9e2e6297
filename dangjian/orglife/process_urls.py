from django.urls import path

from . import process_views as v

urlpatterns = [
    path("meetings/<int:pk>/self-check/", v.meeting_self_check, name="meeting_self_check"),
    path("meetings/<int:pk>/rectifications/new/", v.meeting_rectification_add, name="meeting_rectification_add"),
    path("rectifications/<int:pk>/close/", v.rectification_item_close, name="rectification_item_close"),
]
