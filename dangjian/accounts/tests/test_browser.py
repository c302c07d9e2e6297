"""Playwright (Debian Chromium): the 机关党委 admin's first login binds an authenticator — the QR code shows (an
SVG data: image, allowed by the Content-Security-Policy), the code typed from the app logs in and the ten recovery
codes are shown once; the next login asks for the code."""
import os
import time

import pyotp
import pytest

from dangjian.core.tests.test_browser import CHROMIUM, log_in, watch_csp, watch_requests

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


def test_first_login_binds_the_authenticator_then_asks_for_the_code(transactional_db, chromium, live_server, users,
                                                                    settings):
    from playwright.sync_api import expect

    settings.TWO_FACTOR_ENFORCED = True
    errors = []
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    watch_requests(page, errors)
    watch_csp(page, errors)

    def password_step(page):
        log_in(page, live_server.url, "committee_admin")

    password_step(page)
    expect(page.get_by_role("heading", name="绑定双因素认证")).to_be_visible()
    qr = page.get_by_role("img", name="双因素认证二维码（账户 committee_admin）")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG data: image really renders
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("动态码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_text("双因素认证已绑定")).to_be_visible()
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    # Another browser: the password alone is not enough any more.
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    watch_requests(page, errors)
    watch_csp(page, errors)
    password_step(page)
    expect(page.get_by_role("heading", name="双因素认证")).to_be_visible()
    page.get_by_label("动态码或恢复码").fill("000000")
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_text("动态码不正确或已使用过")).to_be_visible()
    # The code used at binding may still be the current one (used once, refused): type the next step's code.
    page.get_by_label("动态码或恢复码").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    assert not errors, errors
