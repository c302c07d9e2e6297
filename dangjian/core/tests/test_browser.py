"""In Chromium: a branch secretary logs in, opens her branch from the org tree and sees its
members and its committee — on a desk screen and on a 375 px phone."""
import datetime as dt
import os

import pytest

# pytest-playwright runs an event loop in this thread; the ORM calls made by the test itself
# (creating the data) are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = os.environ.get("DANGJIAN_SCREENSHOTS", "")  # a directory outside the repo, if wanted


def watch_requests(page, errors: list) -> None:
    """Record the requests that fail. One the browser cancels because the page is being left (an htmx
    poll such as the notification badge, net::ERR_ABORTED) is no failure of the application."""
    def failed(request):
        if "ERR_ABORTED" not in (request.failure or ""):
            errors.append(f"{request.url} {request.failure}")
    page.on("requestfailed", failed)


def log_in(page, base_url: str, username: str, password: str = "Dangjian2026!") -> None:
    """Sign in through the real login form (the personas share the conftest password); returns after the click."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def watch_csp(page, violations: list) -> None:
    """Record what the Content-Security-Policy refused (an inline script or handler, eval, an inline style attribute
    or <style> block): Chromium reports it on the console as "Refused to …" or "… violates the following Content
    Security Policy directive …" ("Applying inline style violates …" for styles)."""
    def console(msg):
        if "Refused to" in msg.text or "Content Security Policy" in msg.text:
            violations.append(f"{page.url} {msg.text}")
    page.on("console", console)


class CspWatchedBrowser:
    """The browser the `chromium` fixture (conftest.py) hands to every browser test: each page opened through it —
    browser.new_page(), any page of a browser.new_context(), a popup — has watch_csp on it, and the fixture fails
    the test if the policy refused anything on any page. A test that provokes a refusal on purpose says so:
    `chromium.expect_csp_violations()`. Everything else is Playwright's Browser."""

    def __init__(self, browser):
        self._browser = browser
        self._watched = set()
        self.csp_violations: list[str] = []
        self.csp_violations_expected = False

    def _watch(self, page) -> None:
        if id(page) not in self._watched:
            self._watched.add(id(page))
            watch_csp(page, self.csp_violations)

    def new_context(self, *args, **kwargs):
        context = self._browser.new_context(*args, **kwargs)
        context.on("page", self._watch)
        return context

    def new_page(self, *args, **kwargs):
        page = self._browser.new_page(*args, **kwargs)
        self._watch(page)
        page.context.on("page", self._watch)  # its popups
        return page

    def expect_csp_violations(self) -> None:
        self.csp_violations_expected = True

    def __getattr__(self, name):
        return getattr(self._browser, name)


pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


def _branch_a():
    from conftest import _person, _user
    from dangjian.orgs.actions import do_appoint, do_create_org

    wc = do_create_org(name="中共某市直属机关工作委员会", type="work_committee")
    committee = do_create_org(name="中共市交通运输局机关委员会", type="committee", parent=wc)
    a = do_create_org(name="第一党支部", type="branch", parent=committee, committee_elected=dt.date(2024, 3, 15))
    do_create_org(name="第一党小组", type="group", parent=a)
    do_create_org(name="第二党支部", type="branch", parent=committee)
    secretary = _person(a, "王建国")
    _person(a, "李红梅")
    do_appoint(person=secretary, org=a, role="secretary", start=dt.date(2024, 3, 15), approved=dt.date(2024, 3, 30))
    from dangjian.accounts.actions import do_assign_role

    user = _user("secretary_a", secretary)
    do_assign_role(user, "org_admin", a)
    return a


def test_secretary_opens_branch_from_tree_and_sees_members_and_committee(chromium, live_server, transactional_db):
    from playwright.sync_api import expect

    branch = _branch_a()
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    watch_requests(page, errors)
    watch_csp(page, errors)  # the policy is on (dangjian/core/csp.py): nothing on these pages may be refused
    log_in(page, live_server.url, "secretary_a")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    page.get_by_role("button", name="组织").click()
    page.locator("#mainNav").get_by_role("link", name="组织树").click()
    tree = page.locator("#org-tree")
    expect(tree.get_by_role("link", name="第一党支部")).to_be_visible()
    expect(tree).not_to_contain_text("第二党支部")
    # A single root opens by itself: the party group under the branch is loaded (htmx) at once;
    # the toggle folds it away and opens it again.
    expect(tree.get_by_role("link", name="第一党小组")).to_be_visible()
    toggle = tree.get_by_role("button", name="展开或收起 第一党支部 的下级组织")
    toggle.click()
    expect(tree.get_by_role("link", name="第一党小组")).to_be_hidden()
    toggle.click()
    expect(tree.get_by_role("link", name="第一党小组")).to_be_visible()

    tree.get_by_role("link", name="第一党支部").click()
    expect(page).to_have_url(f"{live_server.url}/orgs/{branch.pk}/")
    committee = page.locator("#committee")
    expect(committee).to_contain_text("书记")
    expect(committee).to_contain_text("王建国")
    expect(committee).to_contain_text("2027-03-15")  # 任期届满
    members = page.locator("#members")
    expect(members).to_contain_text("李红梅")
    expect(members).to_contain_text("王建国")
    expect(members).to_contain_text("正式党员")
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "org-1280.png"), full_page=True)

    # The same page on a phone: nothing wider than the screen, the menu behind the toggler.
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    expect(page.locator("#committee")).to_contain_text("王建国")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("button", name="展开导航")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "org-375.png"), full_page=True)
    page.close()
    assert errors == []  # the vendored htmx, Alpine and Bootstrap load and run without errors
