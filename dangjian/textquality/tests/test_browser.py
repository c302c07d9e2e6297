"""Playwright (Debian Chromium): the committee's administrator opens a TXT-01 finding and sees both minutes side by
side with the copied spans highlighted."""
import datetime as dt
import os

import pytest

from dangjian.core.tests.test_browser import CHROMIUM, log_in, watch_requests

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


def test_opening_a_copied_minutes_finding(transactional_db, chromium, live_server, tree, people, users):
    from playwright.sync_api import expect

    from dangjian.core import engine
    from dangjian.core.models import Finding
    from dangjian.orglife.models import Meeting

    from .samples import COPIED_B, SUBSTANCE, minutes

    for org, day, sub in ((tree.a, dt.date(2025, 1, 8), SUBSTANCE["a_q1"]), (tree.b, dt.date(2025, 3, 20), COPIED_B)):
        Meeting.objects.create(org=org, type="member_assembly", date=day, topic="支部党员大会",
                               minutes=minutes(f"{day:%Y年%-m月%-d日}", "机关三楼会议室", "王建国", 12, 11, "李红梅", sub))
    engine.run(as_of=dt.date(2025, 12, 31), rule_ids=["TXT-01"])
    f = Finding.objects.get(rule_id="TXT-01")

    errors = []
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    watch_requests(page, errors)
    log_in(page, live_server.url, "committee_admin")
    # From the 预警中心: the TXT-01 finding links to its evidence.
    page.goto(f"{live_server.url}/findings/?rule_id=TXT-01")
    page.locator(f"a[href='/textquality/copies/{f.pk}/']:visible").first.click()
    expect(page.get_by_role("heading", name="雷同对照（TXT-01）")).to_be_visible()
    later, earlier = page.locator("#text-later"), page.locator("#text-earlier")
    expect(later).to_contain_text("东站、西站")
    expect(earlier).to_contain_text("南站、北站")
    expect(later.locator("mark").first).to_be_visible()
    expect(earlier.locator("mark").first).to_be_visible()
    assert "党员先锋岗" in "".join(later.locator("mark").all_inner_texts())
    assert "党员先锋岗" in "".join(earlier.locator("mark").all_inner_texts())
    assert not errors, errors
