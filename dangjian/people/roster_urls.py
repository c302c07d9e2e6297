"""Excel 党员花名册 (included under people/roster/, so names are people:roster_*)."""
from django.urls import path

from . import roster_views

urlpatterns: list = [
    path("template.xlsx", roster_views.template, name="roster_template"),
    path("import/", roster_views.upload, name="roster_import"),
    path("import/<str:token>/", roster_views.preview, name="roster_preview"),
    path("import/<str:token>/commit/", roster_views.commit, name="roster_commit"),
    path("export.xlsx", roster_views.export, name="roster_export"),
]
