from django.urls import path

from . import imports, views

app_name = "dues"
urlpatterns = [
    path("", views.collect, name="collect"),
    path("mine/", views.my_dues, name="mine"),
    path("people/<int:pk>/", views.person_dues, name="person"),
    path("report/", views.report, name="report"),
    path("import/", imports.import_view, name="import"),
    path("payroll-items/", views.payroll_items, name="payroll_items"),
    path("payments/<int:pk>/remit/", views.remit, name="duespayment_remit"),
]
