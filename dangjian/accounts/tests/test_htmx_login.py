"""A session that ran out while a page was open: the page's htmx requests (the 15-second poll of the 后台检查 banner,
a filter, a picker) must not follow the 302 to the login page and swap the whole login page — with a second
app.js — into a fragment. They get HX-Redirect: htmx loads the login page whole, and after the login the user is
back on the page they were on (HX-Current-URL), not on the fragment's URL. Ordinary requests and the API are as
before."""
from urllib.parse import quote

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGE = "/findings/?state=open&filtered=1"


def htmx(client, url, current=f"http://testserver{PAGE}", **params):
    headers = {"HX-Request": "true"}
    if current is not None:
        headers["HX-Current-URL"] = current
    return client.get(url, params, headers=headers)


def login_url(next_path):
    return f"{reverse('login')}?next={quote(next_path, safe='/')}"


def test_the_banners_poll_after_the_session_ran_out_loads_the_login_page_whole(client, tree):
    r = htmx(client, reverse("core:pending_checks"), org=tree.a.pk)
    assert r.status_code in (200, 204)
    assert r["HX-Redirect"] == login_url(PAGE)      # back to the page, not to the fragment
    assert "Location" not in r and b"<html" not in r.content.lower()


def test_an_htmx_request_from_elsewhere_keeps_no_foreign_next(client):
    r = htmx(client, reverse("core:pending_checks"), current="https://evil.example/findings/")
    assert r["HX-Redirect"] == login_url("/")
    assert htmx(client, reverse("core:pending_checks"), current=None)["HX-Redirect"] == login_url("/")


def test_an_ordinary_request_still_gets_the_302_with_its_own_next(client):
    r = client.get(reverse("core:pending_checks"))
    assert r.status_code == 302 and r["Location"] == login_url(reverse("core:pending_checks"))
    assert "HX-Redirect" not in r


def test_the_api_answers_as_before(client):
    r = client.get(reverse("finding-pending"), headers={"HX-Request": "true"})
    assert r.status_code in (401, 403) and "HX-Redirect" not in r


def test_a_logged_in_users_htmx_redirects_are_left_alone(client_as, users, tree):
    """Only the way to the login page of an anonymous request is changed: a logged-in secretary's htmx requests
    answer as the view says."""
    r = htmx(client_as(users.secretary_a), reverse("core:pending_checks"), org=tree.a.pk)
    assert r.status_code == 200 and "HX-Redirect" not in r
