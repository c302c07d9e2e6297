"""In Chromium: the secretary of branch A takes one person from the application to the confirmation
through the pages, entering the past dates of a complete file (细则's 25 steps); when two candidates
are put into one vote the page refuses it, says why (逐个表决, DEV-15) and keeps what was typed."""
import datetime as dt
import os

import pytest

from dangjian.core.tests.test_browser import CHROMIUM, log_in, SCREENSHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]

VOTE = {"eligible": "10", "present": "7", "yes": "7"}
PLAN = [  # (step, date, fields)
    ("first_talk", "2021-03-20", {}), ("activist", "2021-06-01", {}), ("activist_filed", "2021-06-05", {}),
    ("mentors", "2021-06-01", {"persons": "two"}), ("activist_review", "2021-12-01", {}),
    ("candidate", "2022-06-01", {}), ("candidate_filed", "2022-06-05", {}), ("sponsors", "2022-06-01", {"persons": "two"}),
    ("political_review", "2022-06-20", {"conclusion": "pass"}), ("training", "2022-06-25", {"days": "3"}),
    ("committee_review", "2022-07-01", {}), ("pre_review", "2022-07-05", {}), ("volunteer_form", "2022-07-08", {}),
    ("branch_vote", "2022-07-15", VOTE), ("upper_talk", "2022-07-25", {}),
    ("approval", "2022-08-20", {"approver": "committee"}), ("filed_upward", "2022-08-25", {}),
    ("oath", "2022-09-01", {}), ("confirm_application", "2023-07-01", {}), ("confirm_vote", "2023-07-15", VOTE),
    ("confirm_approval", "2023-08-10", {"approver": "committee"}), ("archive", "2023-08-15", {"docs": "all"}),
]


def _fill(page, step, date, fields, tree, people):
    page.select_option("#id_step", step)
    page.fill("#id_date", date)
    for name, value in fields.items():
        if name == "persons":
            page.select_option("#id_persons", [str(people.secretary_a.pk), str(people.member_a.pk)])
        elif name == "approver":
            page.select_option("#id_approver", str(tree.committee.pk))
        elif name == "conclusion":
            page.select_option("#id_conclusion", value)
        elif name == "docs":
            for box in page.locator("input[name=docs]").all():
                box.check()
        else:
            page.fill(f"#id_{name}", value)


def test_a_person_from_application_to_confirmation_and_a_refused_batch_vote(
        transactional_db, chromium, live_server, tree, people, users):
    from playwright.sync_api import expect

    from conftest import _person
    from dangjian.people.models import Person
    from dangjian.recruitment.choices import Step

    applicant = _person(tree.a, "李明", status="applicant", birth_date=dt.date(2000, 2, 29), probationary_date=None,
                        full_member_date=None)
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server.url, "secretary_a")
    page.get_by_role("button", name="党员管理").click()
    page.get_by_role("link", name="发展党员").first.click()
    expect(page.get_by_text("没有正在进行的发展党员纪实")).to_be_visible()
    page.get_by_role("link", name="建立发展党员纪实").click()
    page.select_option("#id_person", str(applicant.pk))
    page.fill("#id_application_date", "2021-03-01")
    page.get_by_role("button", name="建立").click()
    expect(page.get_by_text("已建立李明的发展党员纪实")).to_be_visible()
    expect(page.locator("#due")).to_contain_text("最迟 2021-04-01")

    for step, date, fields in PLAN:
        if step == "branch_vote":
            # Two candidates in one vote: refused, the article named, what was typed kept.
            _fill(page, step, date, dict(fields, candidates_in_vote="2"), tree, people)
            page.get_by_role("button", name="登记").click()
            expect(page.locator("#record-step")).to_contain_text("必须逐个讨论、逐个表决")
            expect(page.locator("#record-step")).to_contain_text("DEV-15")
            expect(page.locator("#id_date")).to_have_value(date)
            expect(page.locator("#id_candidates_in_vote")).to_have_value("2")
            fields = dict(fields, candidates_in_vote="1")
        _fill(page, step, date, fields, tree, people)
        page.get_by_role("button", name="登记").click()
        expect(page.get_by_text(f"已登记：{Step(step).label}")).to_be_visible()

    expect(page.get_by_text("已结束：按期转正")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "recruitment.png"), full_page=True)
    p = Person.objects.get(pk=applicant.pk)
    assert (p.status, p.probationary_date, p.full_member_date) == ("full", dt.date(2022, 7, 15), dt.date(2023, 7, 15))
    assert errors == []
