from django.urls import path

from . import views

app_name = "fourstrong"
urlpatterns = [
    path("", views.index, name="index"),
    path("standards/<int:pk>/", views.standard_detail, name="fsstandard_detail"),
    path("branches/<int:org_pk>/", views.branch, name="fsbranch"),
    path("applications/<int:pk>/", views.application_detail, name="fsapplication_detail"),
    path("reviews/", views.reviews, name="reviews"),
    path("register/", views.register, name="register"),
    path("titles/<int:pk>/", views.title_detail, name="fstitle_detail"),
]
