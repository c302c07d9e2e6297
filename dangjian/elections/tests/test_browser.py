"""Playwright (Debian Chromium): A's secretary counts the election's ballots one by one — one of them chooses
more than the seats and is invalid — watches the result update, saves it, and puts the new committee in
office in one step; the org's committee shows the new secretary."""
import datetime as dt
import os

import pytest

from dangjian.core.tests.test_browser import CHROMIUM, log_in, watch_requests

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


def test_counting_the_ballots_and_installing_the_committee(transactional_db, chromium, live_server, tree, people,
                                                            users):
    from playwright.sync_api import expect

    from conftest import _person
    from dangjian.elections import actions
    from dangjian.orgs.models import Post

    others = [_person(tree.a, name) for name in ("周敏", "吴刚")]
    cands = [people.secretary_a, people.member_a] + others
    e = actions.do_open_election(org=tree.a, seats=3, request_date=dt.date(2025, 3, 1), acting_user=users.secretary_a)
    actions.do_approve_request(e, on=dt.date(2025, 3, 10), acting_user=users.committee_admin)
    actions.do_set_candidates(e, cands, acting_user=users.secretary_a)
    actions.do_approve_candidates(e, on=dt.date(2025, 3, 20), acting_user=users.committee_admin)

    errors = []
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    watch_requests(page, errors)
    log_in(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/elections/{e.pk}/")
    page.get_by_role("link", name="计票").click()
    page.fill("#id_date", "2025-04-01")
    page.fill("#id_expected_voters", "6")
    page.fill("#id_present_voters", "5")
    page.fill("#id_ballots_issued", "5")
    # Five ballots: four valid, one choosing four of three seats (invalid).
    for chosen in (("王建国", "李红梅", "周敏"), ("王建国", "李红梅", "吴刚"), ("王建国", "周敏"),
                   ("王建国", "李红梅", "周敏", "吴刚"), ("李红梅", "周敏")):
        for name in chosen:
            page.get_by_label(name, exact=True).check()
        page.get_by_role("button", name="记一张票").click()
    expect(page.locator("#ballot-summary")).to_contain_text("已登记 5 张，其中有效 4 张、废票 1 张")
    # 5 present: 3 votes are more than half. 王建国 4, 李红梅 3, 周敏 3, 吴刚 1.
    expect(page.locator('[data-person="王建国"]')).to_have_text("当选")
    expect(page.locator('[data-person="周敏"]')).to_have_text("当选")
    expect(page.locator('[data-person="吴刚"]')).to_have_text("未当选")
    page.get_by_role("button", name="保存计票结果").click()
    expect(page.locator("#result")).to_contain_text("当选")
    page.get_by_label("王建国的职务").select_option("secretary")
    page.get_by_label("李红梅的职务").select_option("organization")
    page.get_by_label("周敏的职务").select_option("propaganda")
    page.get_by_role("button", name="更新委员会职务").click()
    expect(page.get_by_text("已按选举结果任职")).to_be_visible()
    assert not errors, errors
    assert set(Post.objects.filter(org=tree.a, start=dt.date(2025, 4, 1)).values_list("person__name", "role")) == {
        ("王建国", "secretary"), ("李红梅", "organization"), ("周敏", "propaganda")}
