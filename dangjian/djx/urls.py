from django.urls import path

app_name = "djx"
urlpatterns: list = []
