from django.urls import path

from . import views

app_name = "elections"
urlpatterns = [
    path("", views.election_list, name="election_list"),
    path("<int:pk>/", views.election_detail, name="election_detail"),
    path("<int:pk>/count/", views.election_count, name="election_count"),
    path("<int:pk>/report.docx", views.election_document, {"kind": "report", "ext": "docx"}, name="election_report"),
    path("<int:pk>/record.docx", views.election_document, {"kind": "record", "ext": "docx"}, name="election_record"),
    path("<int:pk>/report.pdf", views.election_document, {"kind": "report", "ext": "pdf"}, name="election_report_pdf"),
    path("<int:pk>/record.pdf", views.election_document, {"kind": "record", "ext": "pdf"}, name="election_record_pdf"),
]
