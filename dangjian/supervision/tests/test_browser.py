"""In Chromium: the 工委 admin creates a 集中督查 with a random sample and records a finding; the branch
secretary adds evidence and requests 销号; the 工委 approves it; the problem's history shows every step
with who and when."""
import os

import pytest

from dangjian.core.tests.test_browser import CHROMIUM, log_in, SCREENSHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


def _login(browser, url, username, errors):
    """A fresh browser context per person (as on their own computer), logged in."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, url, username)
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()     # (logged in before going on)
    return page


def test_a_concentrated_inspection_from_sample_to_closure(transactional_db, chromium, live_server, tree, people, users):
    from playwright.sync_api import expect

    from dangjian.supervision.models import Rectification, SupervisionPlan

    errors = []
    page = _login(chromium, live_server.url, "wc_admin", errors)
    page.get_by_role("button", name="责任体系").click()
    page.get_by_role("link", name="督查整改").first.click()
    page.get_by_role("link", name="督查", exact=True).click()
    page.get_by_label("组织督查的党组织").select_option(str(tree.wc.pk))
    page.get_by_label("督查范围").select_option(str(tree.committee.pk))
    page.get_by_label("督查方式").select_option("concentrated")
    page.get_by_label("名称").fill("2025年党建工作集中督查")
    page.get_by_label("开始日期").fill("2025-05-01")
    page.get_by_label("随机抽查党支部数量").fill("2")
    page.get_by_label("督查清单").fill("三会一课是否按时召开、记录是否完整\n党费是否按月足额交纳")
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#sample")).to_contain_text("随机种子")
    plan = SupervisionPlan.objects.get()
    expect(page.locator("#sample")).to_contain_text(plan.seed)
    expect(page.locator("#sample")).to_contain_text("第一党支部")
    page.get_by_label("整改的党组织").select_option(str(tree.a.pk))
    page.get_by_label("问题类别").select_option("org_life")
    page.get_by_label("发现的问题").fill("2025年第一季度党员大会记录缺少表决情况")
    page.get_by_label("发现日期").fill("2025-05-10")
    page.get_by_label("整改时限").fill("2025-06-30")
    page.get_by_role("button", name="登记问题").click()
    expect(page.locator("#problems")).to_contain_text("第一党支部")
    r = Rectification.objects.get()

    page = _login(chromium, live_server.url, "secretary_a", errors)
    page.goto(f"{live_server.url}/supervision/rectifications/{r.pk}/")
    page.get_by_label("整改措施和成效").fill("补记表决情况；建立会议记录由组织委员审核的制度")
    page.get_by_role("button", name="保存并申请销号").click()
    expect(page.locator("#state")).to_have_text("申请销号")
    expect(page.locator("#approve")).to_have_count(0)

    page = _login(chromium, live_server.url, "wc_admin", errors)
    page.goto(f"{live_server.url}/supervision/rectifications/{r.pk}/")
    page.get_by_role("button", name="同意销号").click()
    expect(page.locator("#state")).to_have_text("已销号")
    history = page.locator("#history")
    for step, who in (("发现问题", "wc_admin"), ("提交整改成效", "王建国"), ("申请销号", "王建国"),
                      ("审核销号", "wc_admin")):
        expect(history.locator("li", has_text=step)).to_contain_text(who)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "supervision.png"), full_page=True)
    assert errors == []
