"""后台检查进行中: between a save and the background job, the secretary of branch A sees that TXT-01 is still being
judged for A (on 预警中心, on A's page and in the API), and not the old state silently; the banner polls only while
something is pending and goes once the worker has judged. The secretary of branch B learns nothing of A's pending
checks. An import not yet judged (an `OwedRun` marker) says so, with the time it was committed."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core import engine, tasks
from dangjian.core.models import OwedRun
from dangjian.core.pending import pending_checks

BANNER = "后台正在检查"
POLL = 'hx-trigger="every 15s"'
IMPORT = "刚导入的数据正在后台检查"


@pytest.fixture(autouse=True)
def closed_breaker(monkeypatch):
    """Each test starts with the queue's circuit breaker closed (core.pending.peek), and leaves the module's as it was."""
    from dangjian.core import pending

    monkeypatch.setattr(pending, "_breaker", pending._Breaker())


@pytest.fixture
def queue(monkeypatch):
    """Huey as in production: a request enqueues the job, which runs only when the test plays the worker
    (`tasks.drain()`). (Tests otherwise run Huey in immediate mode: the job runs right after the commit.)"""
    monkeypatch.setattr(tasks, "enqueue", lambda: None)
    tasks.clear_pending()
    yield
    tasks.clear_pending()


@pytest.fixture
def minutes_saved(tree, people, users, queue, django_capture_on_commit_callbacks):
    """secretary_a saves the minutes of A's meeting: the request's run leaves TXT-01 to the background job."""
    from dangjian.orglife.actions import do_record_meeting, do_update_meeting

    m = do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 20), topic="支部党员大会",
                          present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    # (The fixtures' own changes are pooled for a commit that never comes in a test: not part of this save.)
    engine._pending.ids, engine._pending.changed = set(), set()
    with django_capture_on_commit_callbacks(execute=True):
        do_update_meeting(m, minutes="会议学习了有关文件，讨论了本支部下半年工作安排。", acting_user=users.secretary_a)
    assert [(e["rules"], e["orgs"]) for e in tasks.pending().values()] == [(["TXT-01"], [tree.a.pk])]
    return m


def page(client_as, user, name="core:finding_list", **kw):
    response = client_as(user).get(reverse(name, kwargs=kw or None))
    assert response.status_code == 200
    return response.content.decode()


def test_secretary_a_sees_that_txt01_is_being_judged_for_a(minutes_saved, client_as, users):
    html = page(client_as, users.secretary_a)
    assert BANNER in html and "规则 TXT-01，涉及 1 个组织" in html
    assert POLL in html


def test_the_banner_is_gone_once_the_worker_has_judged(minutes_saved, client_as, users):
    tasks.drain()
    html = page(client_as, users.secretary_a)
    assert BANNER not in html and POLL not in html


def test_secretary_b_learns_nothing_of_as_pending_checks(minutes_saved, client_as, users, tree):
    assert BANNER not in page(client_as, users.secretary_b)
    assert BANNER not in page(client_as, users.secretary_b, "orgs:org_detail", pk=tree.b.pk)
    c = client_as(users.secretary_b)
    assert BANNER not in c.get(reverse("core:pending_checks")).content.decode()
    assert c.get(reverse("core:pending_checks"), {"org": tree.a.pk}).status_code == 404
    assert c.get(reverse("finding-pending")).json()["pending"] is False
    assert c.get(reverse("finding-pending"), {"org": tree.a.pk}).status_code == 404


def test_as_page_shows_it_on_the_findings_card_and_bs_page_does_not(minutes_saved, client_as, users, tree):
    assert BANNER in page(client_as, users.secretary_a, "orgs:org_detail", pk=tree.a.pk)
    assert POLL in page(client_as, users.secretary_a, "orgs:org_detail", pk=tree.a.pk)
    # The 机关党委 admin sees both branches: on B's page, A's pending checks are not B's.
    assert BANNER not in page(client_as, users.committee_admin, "orgs:org_detail", pk=tree.b.pk)
    assert BANNER in page(client_as, users.committee_admin, "orgs:org_detail", pk=tree.committee.pk)


def test_a_member_without_a_management_scope_sees_nothing(minutes_saved, users):
    assert not pending_checks(users.member_a)


def test_an_import_not_yet_judged_says_so_with_its_time(tree, users, client_as, queue):
    marker = OwedRun.objects.create(org_ids=[tree.a.pk], as_of=timezone.localdate(), reason="导入党员名册")
    html = page(client_as, users.secretary_a)
    assert f"{IMPORT}（自 {timezone.localtime(marker.created):%H:%M} 起）" in html and POLL in html
    assert IMPORT not in page(client_as, users.secretary_b)
    marker.delete()         # the run after the import is done
    assert IMPORT not in page(client_as, users.secretary_a)


def test_the_poll_without_pending_work_has_no_trigger_and_tells_the_results_to_refresh(
        minutes_saved, client_as, users, tree):
    c = client_as(users.secretary_a)
    busy = c.get(reverse("core:pending_checks"), {"org": tree.a.pk})
    assert POLL in busy.content.decode() and "HX-Trigger" not in busy
    tasks.drain()
    done = c.get(reverse("core:pending_checks"), {"org": tree.a.pk})
    assert done.status_code == 200
    assert "hx-trigger" not in done.content.decode() and BANNER not in done.content.decode()
    assert done["HX-Trigger"] == "pending-checks-done"


def test_the_findings_page_costs_the_same_with_many_pending_orgs(tree, users, client_as, queue,
                                                               django_assert_max_num_queries):
    c = client_as(users.committee_admin)
    url = reverse("core:finding_list")
    c.get(url)
    with CaptureQueriesContext(connection) as idle:
        c.get(url)
    tasks.defer(["TXT-01"], [tree.a.pk], timezone.localdate())
    with django_assert_max_num_queries(len(idle) + 1):     # (+1: the pending orgs kept to the user's scope)
        assert BANNER in c.get(url).content.decode()
    tasks.defer(["TXT-01"], [tree.b.pk, tree.a1.pk, *range(10_000, 10_300)], timezone.localdate())
    OwedRun.objects.create(org_ids=[tree.b.pk, *range(20_000, 20_300)], as_of=timezone.localdate(), reason="导入")
    with django_assert_max_num_queries(len(idle) + 1):
        html = c.get(url).content.decode()
    assert "涉及 3 个组织" in html and IMPORT in html


def test_an_unreachable_queue_never_breaks_the_page_and_the_import_still_shows(monkeypatch, client_as, users,
                                                                               tree, caplog):
    OwedRun.objects.create(org_ids=[tree.a.pk], as_of=timezone.localdate(), reason="导入党员名册")

    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks, "pending", down)
    html = page(client_as, users.secretary_a)
    assert IMPORT in html and POLL in html          # the marker is in the database, not in Redis
    assert "无法读取后台检查队列" in caplog.text
    body = client_as(users.secretary_a).get(reverse("finding-pending")).json()
    assert body["pending"] is True and body["imported"] is True and body["rule_ids"] == []


def test_the_api_says_the_same(minutes_saved, client_as, users, tree):
    body = client_as(users.secretary_a).get(reverse("finding-pending"), {"org": tree.a.pk}).json()
    assert body["pending"] is True and body["rule_ids"] == ["TXT-01"] and body["org_count"] == 1
    assert body["message"].startswith(BANNER)
    assert client_as(users.secretary_a).get(reverse("finding-pending"), {"org": "１２"}).status_code == 400


def test_rules_read_as_short_ids_with_ranges_only_for_consecutive_ones():
    from dangjian.core.pending import PendingChecks, rules_text

    assert rules_text(["TXT-01"]) == "TXT-01"
    assert rules_text(["TXT-03", "TXT-01"]) == "TXT-01、TXT-03"        # not “TXT-01—03”: TXT-02 is not pending
    assert rules_text(["TXT-04", "TXT-01", "TXT-02", "TXT-03"]) == "TXT-01—04"
    assert rules_text(["TXT-01", "TXT-02"]) == "TXT-01、TXT-02"
    assert rules_text(["TXT-01", "TXT-02", "TXT-03", "TXT-05"]) == "TXT-01—03、TXT-05"
    assert rules_text(["TXT-09", "TXT-10", "TXT-11"]) == "TXT-09—11"
    # Up to three, then how many in all — said once (no “等等”).
    five = ["BR-01", "DUES-02", "TXT-01", "TXT-03", "ORG-04"]
    assert rules_text(five) == "BR-01、DUES-02、ORG-04等 5 项"
    message = PendingChecks(rule_ids=tuple(five), org_count=2).message
    assert message == "后台正在检查：规则 BR-01、DUES-02、ORG-04等 5 项，涉及 2 个组织；结果出来后此处自动更新。"
    assert "等等" not in message
    assert PendingChecks(rule_ids=("TXT-01", "TXT-03"), org_count=1).message.startswith(
        "后台正在检查：规则 TXT-01、TXT-03，涉及 1 个组织")


FULL = "系统正在全面重新检查"
LATE = "后台检查用时较长，请稍后刷新页面查看结果。"
HTMX = {"HX-Request": "true"}


def banner_poll(html):
    """The banner's poll URL as htmx reads it."""
    import html as h
    import re

    found = re.search(r'id="pending-checks"[^>]*?hx-get="([^"]+)"', html, re.S)
    return h.unescape(found.group(1)) if found else None


def since_of(url):
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)


def test_a_poll_for_an_org_out_of_scope_or_gone_stops_polling(minutes_saved, client_as, users, tree):
    c = client_as(users.secretary_b)
    for org in (tree.a.pk, 987_654, "x"):
        r = c.get(reverse("core:pending_checks"), {"org": org}, headers=HTMX)
        assert r.status_code == 286, org            # htmx: “stop polling”
        body = r.content.decode()
        assert "hx-trigger" not in body and BANNER not in body and "HX-Trigger" not in r


def test_the_poll_carries_when_the_page_was_shown_and_gives_up_after_thirty_minutes(minutes_saved, client_as,
                                                                                     users, tree):
    import time

    c = client_as(users.secretary_a)
    url = banner_poll(page(client_as, users.secretary_a, "orgs:org_detail", pk=tree.a.pk))
    params = since_of(url)
    assert params["org"] == [str(tree.a.pk)] and abs(int(params["since"][0]) - time.time()) < 60
    shown = int(time.time()) - 29 * 60
    r = c.get(reverse("core:pending_checks"), {"org": tree.a.pk, "since": shown}, headers=HTMX)
    assert POLL in r.content.decode() and since_of(banner_poll(r.content.decode()))["since"] == [str(shown)]
    r = c.get(reverse("core:pending_checks"), {"org": tree.a.pk, "since": shown - 61}, headers=HTMX)
    body = r.content.decode()
    assert r.status_code == 200 and LATE in body and BANNER in body
    assert "hx-trigger" not in body and "HX-Trigger" not in r      # stops, and nothing to fetch again
    # A time to come or one not a number counts from now: still polling.
    for since in (int(time.time()) + 86_400, "１２", ""):
        assert POLL in c.get(reverse("core:pending_checks"), {"since": since}, headers=HTMX).content.decode()


def test_the_poll_does_not_keep_the_session_alive(minutes_saved, client_as, users, tree):
    from django.contrib.sessions.models import Session

    c = client_as(users.secretary_a)
    key = c.session.session_key
    soon = timezone.now() + dt.timedelta(hours=1)
    Session.objects.filter(pk=key).update(expire_date=soon)
    r = c.get(reverse("core:pending_checks"), {"org": tree.a.pk}, headers=HTMX)
    assert r.status_code == 200 and POLL in r.content.decode()
    assert Session.objects.get(pk=key).expire_date == soon
    c.get(reverse("core:finding_list"))         # a page the secretary opens does restart the idle clock
    assert Session.objects.get(pk=key).expire_date > soon


def _queue_read_before_findings(monkeypatch, client, url):
    """Index of the queue read among the request's queries, and of the first query of the findings."""
    from dangjian.core import pending

    at = []
    real = pending._queued

    def spy():
        at.append(len(connection.queries_log))
        return real()

    monkeypatch.setattr(pending, "_queued", spy)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    first_finding = next(i for i, q in enumerate(ctx.captured_queries) if '"core_finding"' in q["sql"])
    assert len(at) == 1, at
    return at[0] - ctx.initial_queries, first_finding


@pytest.mark.parametrize("where", ["finding_list", "org_detail"])
def test_the_queue_is_read_before_the_findings(minutes_saved, client_as, users, tree, monkeypatch, where):
    url = reverse("core:finding_list") if where == "finding_list" else reverse("orgs:org_detail",
                                                                                kwargs={"pk": tree.a.pk})
    queue_read, findings_read = _queue_read_before_findings(monkeypatch, client_as(users.secretary_a), url)
    assert queue_read <= findings_read


def member_pages(tree, people, users):
    """The pages of member_a (and of an applicant of A) that show the findings card: the person page, the member's
    dues page and the 发展党员 file."""
    from conftest import _person
    from dangjian.recruitment.actions import do_open_file

    applicant = _person(tree.a, "入党申请人", status="applicant", birth_date=dt.date(2000, 1, 1),
                        probationary_date=None, full_member_date=None)
    f = do_open_file(person=applicant, application_date=dt.date(2025, 3, 1), acting_user=users.secretary_a)
    return {"person_detail": reverse("people:person_detail", kwargs={"pk": people.member_a.pk}),
            "dues": reverse("dues:person", kwargs={"pk": people.member_a.pk}),
            "recruitment": reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})}


@pytest.mark.parametrize("where", ["person_detail", "dues", "recruitment"])
def test_secretary_a_sees_it_on_a_members_pages_too_and_secretary_b_gets_404(minutes_saved, client_as, users,
                                                                             tree, people, monkeypatch, where):
    url = member_pages(tree, people, users)[where]
    html = client_as(users.secretary_a).get(url).content.decode()
    assert BANNER in html and "规则 TXT-01，涉及 1 个组织" in html and POLL in html
    assert since_of(banner_poll(html))["org"] == [str(tree.a.pk)]       # the page's org: A
    assert client_as(users.secretary_b).get(url).status_code == 404
    queue_read, findings_read = _queue_read_before_findings(monkeypatch, client_as(users.secretary_a), url)
    assert queue_read <= findings_read
    tasks.drain()
    assert BANNER not in client_as(users.secretary_a).get(url).content.decode()


def test_the_banner_is_marked_as_a_background_poll(minutes_saved, client_as, users, tree):
    """static/js/app.js: a failing poll of a `data-background` element neither alerts nor leaves the red error box,
    and stops after three failures in a row."""
    import re

    mark = re.compile(r'<div id="pending-checks"[^>]*\sdata-background[\s>=]')
    assert mark.search(page(client_as, users.secretary_a, "orgs:org_detail", pk=tree.a.pk))
    poll = client_as(users.secretary_a).get(reverse("core:pending_checks"), {"org": tree.a.pk}, headers=HTMX)
    assert mark.search(poll.content.decode())


def test_a_hanging_queue_is_not_asked_again_for_thirty_seconds(db, monkeypatch, caplog):
    """Redis that hangs costs its socket timeout (5 s) once, not on every findings page and poll: after a failure
    the queue is left alone for 30 s (logged once), then asked again."""
    from dangjian.core import pending

    now = [1_000.0]
    monkeypatch.setattr(pending, "_clock", lambda: now[0])
    asked = []

    def hangs():
        asked.append(now[0])
        raise TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(tasks, "pending", hangs)
    assert pending.peek() == ([], [])
    assert len(asked) == 1 and caplog.text.count("无法读取后台检查队列") == 1
    for step in (1, 10, 18.9):          # within 30 s: not asked, not logged again
        now[0] = 1_000.0 + step
        assert pending.peek() == ([], [])
    assert len(asked) == 1 and caplog.text.count("无法读取后台检查队列") == 1
    now[0] = 1_030.5                    # then asked again — still hanging: another 30 s
    assert pending.peek() == ([], [])
    assert len(asked) == 2 and caplog.text.count("无法读取后台检查队列") == 2
    now[0] = 1_050.0
    pending.peek()
    assert len(asked) == 2
    monkeypatch.setattr(tasks, "pending", lambda: {"k": {"rules": ["TXT-01"], "orgs": [7]}})
    now[0] = 1_061.0                    # Redis is back: read at once, and every time after
    assert pending.peek()[0] == [(["TXT-01"], [7])]
    monkeypatch.setattr(tasks, "pending", hangs)
    now[0] = 1_061.5                    # (a new failure opens the breaker again, from now)
    pending.peek()
    assert len(asked) == 3


def test_a_full_recheck_is_worded_neutrally_without_another_jurisdictions_import_time(tree, users, client_as,
                                                                                       queue):
    """An import of a whole province (`owe(None)`): branch B's secretary is told that everything is being checked
    again, not that “刚导入的数据” is, nor when someone else imported."""
    marker = OwedRun.objects.create(org_ids=None, as_of=timezone.localdate(), reason="导入 DJX 交换文件")
    html = page(client_as, users.secretary_b)
    assert "系统正在全面重新检查，结果出来后此处自动更新。" in html and POLL in html
    assert IMPORT not in html and f"{timezone.localtime(marker.created):%H:%M}" not in banner_text(html)
    body = client_as(users.secretary_b).get(reverse("finding-pending")).json()
    assert body["pending"] is True and body["everywhere"] is True and body["imported_since"] is None
    assert body["message"] == "系统正在全面重新检查，结果出来后此处自动更新。"
    # The 工委 admin at the root reads the whole tree: the time is theirs to see.
    assert f"{FULL}（自 {timezone.localtime(marker.created):%H:%M} 起）" in page(client_as, users.wc_admin)
    assert client_as(users.wc_admin).get(reverse("finding-pending")).json()["imported_since"] is not None


def test_a_full_run_of_a_rule_is_worded_neutrally(tree, users, client_as, queue):
    tasks.defer(["TXT-01"], None, timezone.localdate())         # (a changed TXT-01 setting)
    html = page(client_as, users.secretary_b)
    assert "系统正在全面重新检查，结果出来后此处自动更新。" in html and "涉及" not in banner_text(html)


def banner_text(html):
    import re

    found = re.search(r'<div id="pending-checks".*?</div>\s*</div>', html, re.S)
    return found.group(0) if found else ""


def test_an_all_scope_reader_counts_only_orgs_that_exist(tree, queue, django_user_model):
    root = django_user_model.objects.create_superuser("root-reader", password="Dangjian2026!")
    tasks.defer(["TXT-01"], [tree.a.pk, *range(10_000, 10_300)], timezone.localdate())
    assert pending_checks(root).org_count == 1


def test_the_findings_page_filtered_to_b_does_not_show_as_pending_checks(minutes_saved, client_as, users, tree):
    c = client_as(users.committee_admin)
    url = reverse("core:finding_list")
    assert BANNER not in c.get(url, {"within": tree.b.pk, "filtered": 1}).content.decode()
    html = c.get(url, {"within": tree.a.pk, "filtered": 1}).content.decode()
    assert BANNER in html and since_of(banner_poll(html))["org"] == [str(tree.a.pk)]
    assert "org" not in since_of(banner_poll(c.get(url).content.decode()))      # unfiltered: the whole scope


def test_the_refreshed_regions_do_not_hand_their_select_and_swap_down(minutes_saved, client_as, users, tree):
    import re

    html = page(client_as, users.secretary_a)
    assert re.search(r'<div id="finding-results"[^>]*hx-disinherit="\*"', html)
    html = page(client_as, users.secretary_a, "orgs:org_detail", pk=tree.a.pk)
    assert re.search(r'<div id="findings-live"[^>]*hx-disinherit="\*"', html)


# --- in the browser: the banner polls, and when the worker has judged, the finding appears without a reload --------

@pytest.mark.browser
def test_the_banner_gives_way_to_the_finding_once_the_worker_has_judged(transactional_db, chromium, live_server,
                                                                        tree, people, users, monkeypatch):
    import os

    from playwright.sync_api import expect

    from dangjian.core import pending
    from dangjian.core.tests.test_browser import CHROMIUM, log_in, watch_csp, watch_requests
    from dangjian.orglife.actions import do_update_meeting
    from dangjian.orgs.actions import do_create_org
    from dangjian.textquality.tests.samples import COPIED_B, SUBSTANCE, minutes
    from dangjian.textquality.tests.test_copies import meeting

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium 未安装（make test 会安装）")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setattr(pending, "POLL_SECONDS", 1)
    monkeypatch.setattr(tasks, "enqueue", lambda: None)
    c = do_create_org(name="第三党支部", type="branch", parent=tree.committee, unit=tree.unit)
    meeting(tree.a, dt.date(2025, 1, 8), SUBSTANCE["a_q1"])
    meeting(c, dt.date(2025, 2, 12), SUBSTANCE["c_q1"], chair="陈静", recorder="马超")
    b = meeting(tree.b, dt.date(2025, 3, 20), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    tasks.clear_pending()
    # secretary_b saves minutes copied from A's: TXT-01 waits for the worker.
    do_update_meeting(b, minutes=minutes("2025年3月20日", "机关三楼会议室", "赵志强", 12, 11, "孙丽", COPIED_B),
                      acting_user=users.secretary_b)
    assert tasks.pending()
    try:
        errors, violations = [], []
        page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        watch_requests(page, errors)
        watch_csp(page, violations)
        log_in(page, live_server.url, "secretary_b")
        page.goto(f"{live_server.url}{reverse('core:finding_list')}?rule_id=TXT-01&state=open&filtered=1")
        expect(page.locator("#pending-checks")).to_contain_text("后台正在检查：规则 TXT-01")
        expect(page.locator("#finding-results")).to_contain_text("共 0 条")
        tasks.drain()                                       # the worker judges
        expect(page.locator("#pending-checks")).to_be_hidden(timeout=10_000)
        expect(page.locator("#finding-results")).to_contain_text("共 1 条", timeout=10_000)
        expect(page.locator("#finding-results")).to_contain_text("照搬照抄")
        assert not errors and not violations, errors + violations
    finally:
        tasks.clear_pending()


@pytest.mark.browser
def test_a_failing_poll_neither_alerts_nor_stays_red_and_stops_after_three_failures(transactional_db, chromium,
                                                                                    live_server, tree, people,
                                                                                    users, monkeypatch):
    """Offline or behind a 502/503, the banner's poll is nobody's click: no alert every 15 s, no red 加载失败 box
    for good; after three failures in a row it stops and says to refresh later."""
    import os

    from playwright.sync_api import expect

    from dangjian.core import pending
    from dangjian.core.tests.test_browser import CHROMIUM, log_in

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium 未安装（make test 会安装）")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setattr(pending, "POLL_SECONDS", 1)
    monkeypatch.setattr(tasks, "enqueue", lambda: None)
    tasks.clear_pending()
    tasks.defer(["TXT-01"], [tree.a.pk], timezone.localdate())
    poll_path = reverse("core:pending_checks")
    polls, dialogs = [], []

    def fail(route):                    # offline, then a 503 from the proxy, then offline again
        polls.append(route.request.url)
        if len(polls) == 2:
            route.fulfill(status=503, body="Service Unavailable")
        else:
            route.abort("internetdisconnected")

    try:
        page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        log_in(page, live_server.url, "secretary_a")
        page.route(lambda url: poll_path in url, fail)
        page.goto(f"{live_server.url}{reverse('orgs:org_detail', kwargs={'pk': tree.a.pk})}")
        expect(page.locator("#pending-checks")).to_contain_text("后台正在检查：规则 TXT-01")
        expect(page.locator("#pending-checks")).to_have_text("暂时无法获取后台检查进度，请稍后刷新页面。",
                                                             timeout=10_000)
        page.wait_for_timeout(2_500)        # (2½ poll intervals: no fourth poll)
        assert len(polls) == 3, polls
        assert dialogs == [], dialogs
        expect(page.locator("#htmx-error")).to_have_count(0)
        assert page.locator("#pending-checks[hx-trigger]").count() == 0
    finally:
        tasks.clear_pending()
