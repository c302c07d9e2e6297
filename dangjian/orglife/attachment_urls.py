from django.urls import path

from . import attachment_views as v

urlpatterns = [
    path("<int:pk>/", v.attachment_download, name="attachment_download"),
    path("<int:pk>/delete/", v.attachment_delete, name="attachment_delete"),
    path("meeting/<int:pk>/upload/", v.meeting_attachment_upload, name="meeting_attachment_upload"),
]
