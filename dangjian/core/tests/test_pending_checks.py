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
    assert BANNER in html and "文字质量（TXT-01）" in html and "涉及 1 个组织" in html
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


def test_an_unreachable_queue_shows_nothing_and_never_breaks_the_page(monkeypatch, client_as, users, caplog):
    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks, "pending", down)
    assert BANNER not in page(client_as, users.secretary_a)
    assert "无法读取后台检查" in caplog.text
    assert client_as(users.secretary_a).get(reverse("finding-pending")).json()["pending"] is False


def test_the_api_says_the_same(minutes_saved, client_as, users, tree):
    body = client_as(users.secretary_a).get(reverse("finding-pending"), {"org": tree.a.pk}).json()
    assert body["pending"] is True and body["rule_ids"] == ["TXT-01"] and body["org_count"] == 1
    assert body["message"].startswith(BANNER)
    assert client_as(users.secretary_a).get(reverse("finding-pending"), {"org": "１２"}).status_code == 400


def test_rules_read_as_families_or_titles():
    from dangjian.core.pending import rules_text

    assert rules_text(["TXT-01"]) == "文字质量（TXT-01）"
    assert rules_text(["TXT-04", "TXT-01", "TXT-02"]) == "文字质量（TXT-01—04）"


# --- in the browser: the banner polls, and when the worker has judged, the finding appears without a reload --------

@pytest.mark.browser
def test_the_banner_gives_way_to_the_finding_once_the_worker_has_judged(transactional_db, chromium, live_server,
                                                                        tree, people, users, monkeypatch):
    import os

    from playwright.sync_api import expect

    from dangjian.core import pending
    from dangjian.core.tests.test_browser import CHROMIUM, watch_csp, watch_requests
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
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill("secretary_b")
        page.get_by_label("密码").fill("Dangjian2026!")
        page.get_by_role("button", name="登录").click()
        page.goto(f"{live_server.url}{reverse('core:finding_list')}?rule_id=TXT-01&state=open&filtered=1")
        expect(page.locator("#pending-checks")).to_contain_text("后台正在检查：文字质量（TXT-01）")
        expect(page.locator("#finding-results")).to_contain_text("共 0 条")
        tasks.drain()                                       # the worker judges
        expect(page.locator("#pending-checks")).to_be_hidden(timeout=10_000)
        expect(page.locator("#finding-results")).to_contain_text("共 1 条", timeout=10_000)
        expect(page.locator("#finding-results")).to_contain_text("照搬照抄")
        assert not errors and not violations, errors + violations
    finally:
        tasks.clear_pending()
