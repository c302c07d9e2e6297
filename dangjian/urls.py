from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dangjian.accounts import views as account_views
from dangjian.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("people/", include("dangjian.people.urls")),
    path("orglife/", include("dangjian.orglife.urls")),
    path("dispositions/", include("dangjian.dispositions.urls")),
    path("recruitment/", include("dangjian.recruitment.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("membership/", include("dangjian.membership.urls")),
    path("study/", include("dangjian.study.urls")),
    path("supervision/", include("dangjian.supervision.urls")),
    path("duty/", include("dangjian.duty.urls")),
    path("assessment/", include("dangjian.assessment.urls")),
    path("elections/", include("dangjian.elections.urls")),
    path("fourstrong/", include("dangjian.fourstrong.urls")),
    path("exams/", include("dangjian.exams.urls")),
    path("textquality/", include("dangjian.textquality.urls")),
    path("dashboards/", include("dangjian.dashboards.urls")),
    path("partystats/", include("dangjian.partystats.urls")),
    path("privacy/", include("dangjian.privacy.urls")),
    path("findings/", include("dangjian.core.urls")),
    path("settings/", include("dangjian.core.settings_urls")),
    path("notifications/", include("dangjian.notify.urls")),
    path("djx/", include("dangjian.djx.urls")),
    path("api/", include("dangjian.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # (the split view loads its start-up script from ?script=: the CSP allows no inline script)
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
