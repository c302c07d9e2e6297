"""我的提醒: each user sees and marks only their own reminders; the navbar shows the unread count."""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.notify import actions
from dangjian.notify.models import Notification


@pytest.fixture
def reminded(users):
    engine.run(as_of=dt.date(2026, 11, 20), rule_ids=["JG-03", "ORGLIFE-05", "TERM-02"])
    actions.create_reminders()
    return users


def test_the_list_shows_only_my_reminders_newest_first(reminded, client_as, django_assert_max_num_queries):
    u = reminded
    c = client_as(u.secretary_a)
    # session, user, paginator count, scope (navbar), rows, session save: none per row
    with django_assert_max_num_queries(8):
        page = c.get("/notifications/")
    assert page.status_code == 200
    listed = [n.pk for n in page.context["page"].object_list]
    assert listed == list(Notification.objects.filter(recipient=u.secretary_a)
                          .order_by("-created", "-id").values_list("pk", flat=True))
    html = page.content.decode()
    assert "第一党支部" in html and "第二党支部" not in html


def test_the_outsider_sees_none_of_branch_a_reminders(reminded, client_as):
    html = client_as(reminded.secretary_b).get("/notifications/").content.decode()
    assert "第一党支部" not in html and "第二党支部" in html


def test_mark_one_read_by_post_only_my_own(reminded, client_as):
    u = reminded
    mine = Notification.objects.filter(recipient=u.secretary_a).first()
    theirs = Notification.objects.filter(recipient=u.secretary_b).first()
    c = client_as(u.secretary_a)
    assert c.get("/notifications/read/").status_code == 405
    assert c.post("/notifications/read/", {"id": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    r = c.post("/notifications/read/", {"id": mine.pk, "next": mine.url})
    assert r.status_code == 302 and r.url == mine.url
    mine.refresh_from_db()
    assert mine.read_at is not None
    # An off-site `next` is ignored.
    r = c.post("/notifications/read/", {"id": mine.pk, "next": "https://evil.example/"})
    assert r.url == "/notifications/"


def test_mark_all_read_and_the_navbar_badge(reminded, client_as):
    u = reminded
    c = client_as(u.secretary_a)
    n = Notification.objects.filter(recipient=u.secretary_a).count()
    assert 'hx-get="/notifications/badge/"' in c.get("/").content.decode()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        badge = c.get("/notifications/badge/").content.decode()
    # Besides the session and the user (the middleware's), one query of its own: the count.
    assert [x["sql"] for x in q.captured_queries if "notify_" in x["sql"]] == [q.captured_queries[2]["sql"]]
    assert f'data-testid="notify-badge">{n}<' in badge
    c.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=u.secretary_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=u.secretary_b, read_at__isnull=True).exists()
    assert 'notify-badge' not in c.get("/notifications/badge/").content.decode()


def test_the_bell_costs_a_page_no_query(reminded):
    from django.db import connection
    from django.template import Context, Template
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        out = Template("{% load notify %}{% notification_bell %}").render(Context({"user": reminded.member_a}))
    assert "/notifications/badge/" in out and len(q) == 0


def test_a_logged_out_badge_request_swaps_nothing(client):
    assert client.get("/notifications/badge/").status_code == 204
