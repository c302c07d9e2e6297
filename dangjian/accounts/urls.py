"""账户管理: accounts and roles within the admin's own subtree (see docs/permissions.md)."""
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("new/", views.user_create, name="user_create"),
    path("<int:pk>/", views.user_detail, name="user_detail"),
    path("<int:pk>/grant/", views.user_grant, name="user_grant"),
    path("<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("roles/<int:pk>/revoke/", views.roleassignment_revoke, name="roleassignment_revoke"),
]
urlpatterns += [
    path("two-factor/", views.two_factor_manage, name="two_factor"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/cancel/", views.two_factor_cancel, name="two_factor_cancel"),
    path("<int:pk>/reset-two-factor/", views.user_reset_two_factor, name="user_reset_two_factor"),
]
