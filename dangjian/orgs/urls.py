from django.urls import path

from . import unit_views, views

app_name = "orgs"
urlpatterns = [
    path("", views.org_list, name="org_list"),
    path("pick/", views.org_pick, name="org_pick"),
    path("<int:pk>/", views.org_detail, name="org_detail"),
    path("<int:pk>/children/", views.org_children, name="org_children"),
    path("<int:pk>/history/", views.org_history, name="org_history"),
    path("<int:pk>/new-child/", views.org_child_create, name="org_child_create"),
    path("<int:pk>/edit/", views.org_edit, name="org_edit"),
    path("<int:pk>/move/", views.org_move, name="org_move"),
    path("<int:pk>/merge/", views.org_merge, name="org_merge"),
    path("<int:pk>/dissolve/", views.org_dissolve, name="org_dissolve"),
    path("<int:pk>/election/", views.org_election, name="org_election"),
    path("<int:pk>/extend-term/", views.org_extend_term, name="org_extend_term"),
    path("<int:pk>/appoint/", views.org_appoint, name="org_appoint"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    # 机关单位 (the register kept by the 工委)
    path("units/", unit_views.unit_list, name="unit_list"),
    path("units/new/", unit_views.unit_create, name="unit_create"),
    path("units/pick/", unit_views.unit_pick, name="unit_pick"),
    path("units/<int:pk>/", unit_views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", unit_views.unit_edit, name="unit_edit"),
]
