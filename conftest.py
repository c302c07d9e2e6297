"""Shared fixtures: the personas of ARCHITECTURE.md.

    工委 (work committee) ── 机关党委 of 市交通运输局 ── 党支部 A (branch_a) ── 党小组 A1
                                                   └─ 党支部 B (branch_b)

* `secretary_a` — secretary of branch A, org_admin on A (manages A and its group);
* `member_a`    — an ordinary full member of A, self-service only;
* `secretary_b` — secretary of the sibling branch B: the outsider, who must get 404 on A's objects;
* `committee_admin` — 机关党委 admin (org_admin on the committee: A and B);
* `wc_admin`    — 工委管理员 (the whole tree); `auditor` — read-only on the committee.
"""
import datetime as dt
import os

os.environ.setdefault("DANGJIAN_TESTING", "1")

import pytest


@pytest.fixture
def tree(db):
    from dangjian.orgs.actions import do_create_org, do_create_unit

    unit = do_create_unit(name="市交通运输局")
    wc = do_create_org(name="中共某市直属机关工作委员会", type="work_committee")
    committee = do_create_org(name="中共市交通运输局机关委员会", type="committee", parent=wc, unit=unit,
                              committee_elected=dt.date(2023, 6, 1))
    a = do_create_org(name="第一党支部", type="branch", parent=committee, unit=unit,
                      committee_elected=dt.date(2024, 3, 15))
    b = do_create_org(name="第二党支部", type="branch", parent=committee, unit=unit,
                      committee_elected=dt.date(2024, 3, 15))
    a1 = do_create_org(name="第一党小组", type="group", parent=a)

    class Tree:
        pass

    t = Tree()
    t.unit, t.wc, t.committee, t.a, t.b, t.a1 = unit, wc, committee, a, b, a1
    for name in ("wc", "committee", "a", "b", "a1"):
        getattr(t, name).refresh_from_db()
    return t


def _person(org, name, id_number="", **kw):
    from dangjian.people.actions import do_create_person

    kw.setdefault("status", "full")
    kw.setdefault("probationary_date", dt.date(2010, 7, 1))
    kw.setdefault("full_member_date", dt.date(2011, 7, 1))
    return do_create_person(name=name, org=org, id_number=id_number, **kw)


def _user(username, person=None, roles=()):
    from dangjian.accounts.actions import do_assign_role, do_create_user

    u = do_create_user(username=username, password="Dangjian2026!", person=person, validate=False)
    for role, org in roles:
        do_assign_role(u, role, org)
    return u


@pytest.fixture
def people(tree):
    from dangjian.orgs.actions import do_appoint

    class People:
        pass

    p = People()
    p.secretary_a = _person(tree.a, "王建国", "11010519491231002X", birth_date=dt.date(1949, 12, 31))
    p.member_a = _person(tree.a, "李红梅", "110105198001010016", birth_date=dt.date(1980, 1, 1))
    p.secretary_b = _person(tree.b, "赵志强")
    p.member_b = _person(tree.b, "孙丽")
    do_appoint(person=p.secretary_a, org=tree.a, role="secretary", start=dt.date(2024, 3, 15),
               approved=dt.date(2024, 3, 30))
    do_appoint(person=p.secretary_b, org=tree.b, role="secretary", start=dt.date(2024, 3, 15),
               approved=dt.date(2024, 3, 30))
    return p


@pytest.fixture
def users(tree, people):
    class Users:
        pass

    u = Users()
    u.secretary_a = _user("secretary_a", people.secretary_a, [("org_admin", tree.a)])
    u.member_a = _user("member_a", people.member_a, [("member", tree.a)])
    u.secretary_b = _user("secretary_b", people.secretary_b, [("org_admin", tree.b)])
    u.committee_admin = _user("committee_admin", None, [("org_admin", tree.committee)])
    u.wc_admin = _user("wc_admin", None, [("work_committee_admin", tree.wc)])
    u.auditor = _user("auditor", None, [("auditor", tree.committee)])
    return u


@pytest.fixture
def client_as(client):
    """client_as(user) → a test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def mid_november():
    """The clock stands at 10:00 on 15 November 2026, Beijing time (time_machine, not ticking; a live server runs in
    this process and sees it too). For tests whose regulation depends on where "today" falls — on a month's last
    day the running month counts as ended, on 31 December the year, from 1 to 8 January a meeting on 9 January has
    not happened — so that they pass whatever day CI runs. Each module says why it needs it."""
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def chromium(browser_type):
    """Debian's Chromium driven by Playwright (never `playwright install`): the browser tests of every app. Every page
    opened through it is watched for Content-Security-Policy refusals, which fail the test (CspWatchedBrowser in
    dangjian/core/tests/test_browser.py; a test provoking one on purpose calls chromium.expect_csp_violations())."""
    from dangjian.core.tests.test_browser import CHROMIUM, CHROMIUM_ARGS, CspWatchedBrowser

    browser = CspWatchedBrowser(browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))
    yield browser
    browser.close()
    if browser.csp_violations and not browser.csp_violations_expected:
        pytest.fail("the Content-Security-Policy refused something (docs/security.md):\n"
                    + "\n".join(browser.csp_violations), pytrace=False)
