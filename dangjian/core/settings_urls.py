from django.urls import path

from . import settings_views

app_name = "jurisdiction"
urlpatterns = [
    path("", settings_views.setting_list, name="setting_list"),
    path("calendar/", settings_views.work_calendar, name="work_calendar"),
    path("<slug:key>/edit/", settings_views.setting_edit, name="setting_edit"),
]
