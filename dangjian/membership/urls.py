from django.urls import path

from . import views

app_name = "membership"
urlpatterns = [
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("mobile/", views.mobile, name="mobile"),
    path("sanqing/", views.sanqing, name="sanqing"),
]
