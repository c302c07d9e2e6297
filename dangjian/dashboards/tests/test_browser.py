"""Playwright (Debian Chromium): the 机关党委's admin opens 数据看板 for the committee and sees the heat map, the
trend and the findings by rule drawn (ECharts canvases with data, no error on the console), switches the heat
map's indicator a few times without piling up window listeners, and opens branch A's calendar; a member of A
cannot open A's dashboard (404)."""
import datetime as dt
import os

import pytest
from django.utils import timezone

from dangjian.core.tests.test_browser import CHROMIUM, log_in, watch_requests

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]

# Counts the window "resize" listeners the page adds (each chart re-render used to add one).
COUNT_RESIZE = """
window.__resizeListeners = 0;
const add = window.addEventListener;
window.addEventListener = function (type, fn, opts) {
  if (type === "resize") { window.__resizeListeners += 1; }
  return add.call(this, type, fn, opts);
};
"""


@pytest.fixture(autouse=True)
def no_session_write_per_request(settings):
    # The page asks for its charts in parallel and every request saves the session (idle expiry); the test's
    # live server shares one in-memory SQLite connection between its threads, which concurrent session writes
    # break ("cannot start a transaction within a transaction"). Saving only modified sessions keeps the test
    # about the dashboards; production has a connection per thread.
    settings.SESSION_SAVE_EVERY_REQUEST = False


def _badge(message) -> bool:
    # (base.html's notification badge poll may answer 400 while the login swaps the session: not this page's)
    return "/notifications/badge/" in message.text + str(message.location.get("url"))


def _page(chromium, live_server, username, errors):
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.add_init_script(COUNT_RESIZE)
    watch_requests(page, errors)
    page.on("console", lambda m: errors.append(f"console: {m.text} ({m.location.get('url')})")
            if m.type == "error" and not _badge(m) else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    log_in(page, live_server.url, username)
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def _series(page, box):
    return page.evaluate(f"echarts.getInstanceByDom(document.getElementById('{box}')).getOption().series"
                         ".map(function (s) {{ return s.data; }})")


def test_committee_admin_sees_the_charts_and_a_branch_calendar(transactional_db, chromium, live_server, tree,
                                                               people, users):
    from playwright.sync_api import expect

    from dangjian.core.models import Finding
    from dangjian.dashboards import rollups
    from dangjian.orglife.models import Meeting

    today = timezone.localdate()
    last_month = rollups.add_months(rollups.first_of(today), -1)
    for org, rule, severity in ((tree.a, "TEST-01", "WARN"), (tree.b, "TEST-01", "WARN"),
                                (tree.b, "TEST-02", "BLOCK")):
        Finding.objects.create(rule_id=rule, severity=severity, subject_kind="org", subject_id=org.pk,
                               period=f"{last_month:%Y-%m}", org=org, message="测试预警", citation="测试")
    held = dt.date(today.year, 1, 15) if today.month > 1 else today
    Meeting.objects.create(org=tree.a, type="theme_day", state="held", date=held, topic="主题党日")
    rollups.rebuild(today)
    from dangjian.dashboards.data import Board

    board = Board(tree.committee)
    expected = {"heatmap": sum(c[2] for c in board.heatmap()["cells"]), "trend": sum(board.trend()["opened"]),
                "rules": sorted(r["count"] for r in board.rules()["rules"])}
    assert expected["heatmap"] >= 3 and expected["trend"] >= 3

    errors = []
    page = _page(chromium, live_server, "committee_admin", errors)
    page.goto(f"{live_server.url}/dashboards/{tree.committee.pk}/")
    for box in ("heatmap", "trend", "rules"):
        expect(page.locator(f"#{box}[data-loaded='1'] canvas").first).to_be_visible(timeout=20000)
    assert sum(cell[2] for cell in _series(page, "heatmap")[0]) == expected["heatmap"]
    assert sum(_series(page, "trend")[0]) == expected["trend"]         # 新发现预警 by month
    assert sorted(_series(page, "rules")[0]) == expected["rules"]      # TEST-01 2, TEST-02 1, …
    expect(page.locator("#balance")).to_contain_text("第二党支部")
    listeners = page.evaluate("window.__resizeListeners")
    for indicator in ("meetings", "dues", "findings"):
        with page.expect_response(lambda r, i=indicator: f"indicator={i}" in r.url):
            page.select_option("[data-indicator-for='heatmap']", indicator)
        page.wait_for_timeout(300)              # (drawn, or its empty state shown, once the JSON is read)
    expect(page.locator("#heatmap[data-loaded='1'] canvas").first).to_be_visible()   # (findings again)
    assert page.evaluate("window.__resizeListeners") == listeners     # (none added per drawing)

    page.locator("#balance").get_by_role("link", name="第一党支部").click()
    expect(page.get_by_role("heading", name="数据看板 · 第一党支部")).to_be_visible()
    expect(page.locator("#calendar[data-loaded='1'] canvas").first).to_be_visible()
    assert _series(page, "calendar")[0] == [[held.isoformat(), 1]]
    assert not errors, errors

    member = _page(chromium, live_server, "member_a", errors)
    r = member.goto(f"{live_server.url}/dashboards/{tree.a.pk}/")
    assert r.status == 404
