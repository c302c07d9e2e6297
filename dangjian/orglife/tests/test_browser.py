"""In Chromium, on a phone: the secretary of branch A records this month's 主题党日 from the org
page — everyone present with one tap, one member excused with a reason — and the month's
ORGLIFE-03 warning on the org page clears by itself."""
import os

import pytest
from django.utils import timezone

from dangjian.core.tests.test_browser import CHROMIUM, log_in, SCREENSHOTS, watch_requests

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


@pytest.fixture(autouse=True)
def mid_month(mid_november):
    """The clock stands mid-month (15 November 2026, Beijing time; the live server runs in this process, so its
    pages see the same day): on a month's last day the running month has ended, which changes what is asserted.
    Chromium's own clock plays no part: every date on these pages comes from the server."""


PHONE = {"width": 390, "height": 844}


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def _open_theme_day_findings(org):
    from dangjian.core.models import Finding
    from dangjian.core.periods import month_label

    return Finding.objects.filter(rule_id="ORGLIFE-03", org=org, state="open",
                                  period=month_label(timezone.localdate()))


def test_secretary_records_theme_day_on_a_phone_and_the_warning_clears(transactional_db, chromium, live_server,
                                                                       tree, people, users):
    from playwright.sync_api import expect

    from dangjian.core import engine
    from dangjian.core.models import JurisdictionSetting
    from dangjian.orglife.models import Meeting

    branch = tree.a
    today = timezone.localdate()
    due_soon = f"{today.month}月主题党日尚未召开"
    # The running month is "due soon" from its first day: the warning exists before we record.
    JurisdictionSetting.objects.create(key="orglife_due_soon_days_month", value=31)
    engine.run()
    assert _open_theme_day_findings(branch).exists()

    page = chromium.new_page(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    watch_requests(page, errors)
    log_in(page, live_server.url, "secretary_a")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    page.goto(f"{live_server.url}/orgs/{branch.pk}/")
    warnings = page.locator("#findings li", has_text="ORGLIFE-03")
    expect(page.locator("#findings")).to_contain_text(due_soon)
    before = warnings.count()
    assert before >= 1
    _shot(page, "orglife-org-390.png")

    page.locator("#orglife").get_by_role("link", name="登记会议").click()
    expect(page.get_by_role("heading", name="登记会议")).to_be_visible()
    expect(page.get_by_label("主题")).to_have_value(f"{today.year}年{today.month}月主题党日")
    expect(page.get_by_label("会议类型")).to_have_value("theme_day")
    page.get_by_label("地点").fill("党员活动室")

    attendance = page.locator("#attendance")
    expect(attendance).to_contain_text("王建国")
    expect(attendance).to_contain_text("李红梅")
    # The checklist and the suggested topic follow the type: a 支委会 expects the committee only.
    page.get_by_label("会议类型").select_option("committee")
    expect(page.get_by_label("主题")).to_have_value(f"{today.year}年{today.month}月支委会")
    expect(attendance).not_to_contain_text("李红梅")
    page.get_by_label("会议类型").select_option("theme_day")
    expect(page.get_by_label("主题")).to_have_value(f"{today.year}年{today.month}月主题党日")
    expect(attendance).to_contain_text("李红梅")
    expect(page.locator("#present-count")).to_have_text("0")   # nobody ticked yet = absent
    page.get_by_role("button", name="全部出席").click()
    expect(page.locator("#present-count")).to_have_text("2")
    page.get_by_role("group", name="李红梅的出席情况").get_by_text("请假").click()
    reason = page.get_by_label("李红梅的请假事由")
    expect(reason).to_be_visible()
    reason.fill("出差")
    expect(page.locator("#present-count")).to_have_text("1")
    # 民主议事: a vote row comes prefilled with those entitled to vote and those present.
    page.get_by_role("button", name="添加表决事项").click()
    vote = page.locator("#votes .vote-row")
    expect(vote.locator("[name=vote_eligible]")).to_have_value("2")
    expect(vote.locator("[name=vote_present]")).to_have_value("1")
    vote.get_by_label("表决事项").fill("认领社区志愿服务岗位")
    vote.locator("[name=vote_yes]").fill("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "orglife-form-390.png")

    page.get_by_role("button", name="保存会议记录").click()
    expect(page.locator("#counts")).to_contain_text("应到 2 人，实到 1 人")
    expect(page.locator("#attendance")).to_contain_text("李红梅（出差）")
    expect(page.locator("#resolutions")).to_contain_text("未通过")
    expect(page.locator("#resolutions")).to_contain_text("赞成1票，未超过应到会有表决权党员2人的半数")
    m = Meeting.objects.get(org=branch)
    assert (m.type, m.date, m.place, m.present_count) == ("theme_day", today, "党员活动室", 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "orglife-meeting-390.png")

    page.goto(f"{live_server.url}/orgs/{branch.pk}/")
    expect(page.locator("#orglife")).to_contain_text(f"{today.year}年{today.month}月主题党日")
    expect(page.locator("#orglife")).to_contain_text("主题党日 1")
    # Saving re-judged branch A at once: this month's finding resolved itself, the others stay.
    expect(page.locator("#findings")).not_to_contain_text(due_soon)
    expect(warnings).to_have_count(before - 1)
    assert not _open_theme_day_findings(branch).exists()
    _shot(page, "orglife-org-after-390.png")

    if SCREENSHOTS:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/orgs/{branch.pk}/")
        _shot(page, "orglife-org-1280.png")
        page.goto(f"{live_server.url}/orglife/meetings/new/?org={branch.pk}&type=org_life")
        page.get_by_role("button", name="添加表决事项").click()
        page.get_by_role("button", name="添加一条").click()
        _shot(page, "orglife-form-1280.png")
        page.set_viewport_size(PHONE)
        _shot(page, "orglife-form-orglife-390.png")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/orglife/meetings/{m.pk}/")
        _shot(page, "orglife-meeting-1280.png")
        page.goto(f"{live_server.url}/orglife/meetings/?org={branch.pk}")
        _shot(page, "orglife-list-1280.png")
        page.set_viewport_size(PHONE)
        for path, name in ((f"meetings/?org={branch.pk}", "list"), (f"talks/new/?org={branch.pk}", "talk"),
                           (f"appraisals/new/?org={branch.pk}", "appraisal")):
            page.goto(f"{live_server.url}/orglife/{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
            _shot(page, f"orglife-{name}-390.png")
    page.close()
    assert errors == []
