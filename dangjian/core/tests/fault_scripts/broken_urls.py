"""URLs for the fault tests: the application's, plus a view with a bug that is an OperationalError on SQLite (a query
on a column that does not exist) — a bug, which must stay a 500 with its traceback, never the 503 page."""
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path


def no_such_column(request):
    with connection.cursor() as c:
        c.execute("SELECT no_such_column FROM orgs_org")
    return HttpResponse("ok")


urlpatterns = [path("fault-tests/no-such-column/", no_such_column), path("", include("dangjian.urls"))]
