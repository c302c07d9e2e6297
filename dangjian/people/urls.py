from django.urls import include, path

app_name = "people"
urlpatterns: list = [
    # Excel 党员花名册 (template, upload → preview → commit, export) lives in roster_urls.
    path("roster/", include("dangjian.people.roster_urls")),
]
