from django.urls import include, path

from . import views

app_name = "people"
urlpatterns: list = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("pick/", views.person_pick, name="person_pick"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/status/", views.person_status, name="person_status"),
    path("<int:pk>/move/", views.person_move, name="person_move"),
    path("<int:pk>/id-number/", views.person_id_number, name="person_id_number"),
    path("<int:pk>/reveal-id/", views.person_reveal_id, name="person_reveal_id"),
    path("<int:pk>/history/", views.person_history, name="person_history"),
    # Excel 党员花名册 (template, upload → preview → commit, export) lives in roster_urls.
    path("roster/", include("dangjian.people.roster_urls")),
]
