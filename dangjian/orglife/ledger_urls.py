from django.urls import path

from . import ledger_views as views

# Included under the `orglife` namespace (orglife/urls.py): names only, no app_name.
urlpatterns = [
    path("", views.ledger_index, name="ledger_index"),
    path("org/<int:pk>/<int:year>.docx", views.org_ledger_docx, name="org_ledger_docx"),
    path("org/<int:pk>/<int:year>.pdf", views.org_ledger_pdf, name="org_ledger_pdf"),
    path("org/<int:pk>/<int:year>-summary.xlsx", views.org_ledger_xlsx, name="org_ledger_xlsx"),
]
