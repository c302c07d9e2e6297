from django.urls import path

from . import views

# URL names are global (`djx_export`, `djx_import`) so that templates elsewhere link to them plainly.
urlpatterns = [
    path("", views.index, name="djx_index"),
    path("export/", views.export_view, name="djx_export"),
    path("import/", views.import_view, name="djx_import"),
]
