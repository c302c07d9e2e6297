from django.urls import path

from . import views

app_name = "notify"
# No <pk> routes: the id travels in the POST body and is looked up among the user's own reminders.
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("badge/", views.badge, name="badge"),
]
