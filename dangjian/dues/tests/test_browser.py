"""In Chromium: the collector (secretary of branch A) records the branch's dues month by month on the one
screen, and the member's arrears warning (FEE-12, three months unpaid) clears by itself."""
import datetime as dt
import os

import pytest
from django.utils import timezone

from dangjian.core.tests.test_browser import CHROMIUM, log_in, SCREENSHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


@pytest.fixture(autouse=True)
def mid_month(mid_november):
    """The clock stands mid-month (15 November 2026, Beijing time; the live server runs in this process, so its
    pages see the same day): on a month's last day the running month has ended, which changes what is asserted.
    Chromium's own clock plays no part: every date on these pages comes from the server."""


def test_the_collector_records_three_months_and_the_arrears_warning_clears(transactional_db, chromium, live_server,
                                                                           tree, people, users):
    from playwright.sync_api import expect

    from dangjian.core import engine
    from dangjian.core.models import Finding, FindingState
    from dangjian.dues.actions import do_set_base
    from dangjian.dues.ledger import first_of
    from dangjian.dues.models import DuesPayment

    this = first_of(timezone.localdate())
    start = first_of(first_of(first_of(this - dt.timedelta(days=1)) - dt.timedelta(days=1)) - dt.timedelta(days=1))
    do_set_base(people.member_a, start=start, base="2800.00")
    engine.run()
    open_fee12 = Finding.objects.filter(rule_id="FEE-12", person=people.member_a, state=FindingState.OPEN)
    assert open_fee12.exists()

    page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server.url, "secretary_a")

    page.goto(f"{live_server.url}/dues/people/{people.member_a.pk}/")
    expect(page.locator("#owing")).to_contain_text("已连续 3 个月未交纳党费")
    expect(page.locator("#findings")).to_contain_text("FEE-12")

    page.get_by_role("link", name="党费", exact=True).first.click()
    expect(page.get_by_role("heading", name="党费收缴 · 第一党支部")).to_be_visible()
    for _ in range(3):
        page.get_by_role("link", name="‹ 上月").click()
    for i in range(3):
        row = page.locator("#collect-table tr", has_text="李红梅")
        expect(row.get_by_label("李红梅本次交纳金额")).to_have_value("14.00")
        expect(row).to_contain_text(f"{3 - i} 个月")
        page.get_by_role("button", name="保存本月收缴").click()
        expect(page.get_by_text("已登记第一党支部")).to_be_visible()
        expect(page.locator("#collect-table tr", has_text="李红梅")).to_contain_text("14.00")
        if i < 2:
            page.get_by_role("link", name="下月 ›").click()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "dues-collect.png"), full_page=True)

    page.goto(f"{live_server.url}/dues/people/{people.member_a.pk}/")
    expect(page.locator("#owing")).to_have_count(0)
    expect(page.locator("#findings")).to_have_count(0)
    assert DuesPayment.objects.filter(person=people.member_a).count() == 3
    assert not open_fee12.exists()
    assert errors == []
