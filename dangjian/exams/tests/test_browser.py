"""Playwright (Debian Chromium) on a phone-sized viewport: member_a opens 我的考试, starts a timed exam, answers one
question per card (each saved as it is chosen), submits, and sees the score — and, once the exam has closed, a weak
topic with its material."""
import datetime as dt
import os

import pytest

from dangjian.core.tests.test_browser import CHROMIUM, log_in, watch_requests

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium 未安装（make test 会安装）")]


def test_taking_an_exam_on_a_phone(transactional_db, chromium, live_server, tree, people, users, fixed_paper):
    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.exams import actions
    from dangjian.exams.models import Attempt, Exam

    now = timezone.now()
    exam = actions.do_create_exam(org=tree.committee, paper=fixed_paper, target=tree.committee, title="应知应会测试",
                                  opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=2),
                                  acting_user=users.committee_admin)
    actions.do_publish_exam(exam, acting_user=users.committee_admin)

    errors = []
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    watch_requests(page, errors)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server.url, "member_a")
    page.goto(f"{live_server.url}/exams/")
    page.get_by_role("link", name="参加考试").click()
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator("#countdown")).to_have_text(__import__("re").compile(r"^(29|30):\d\d$"))

    attempt = Attempt.objects.get(person=people.member_a)
    qid = {a.question.stem: a.question_id for a in attempt.answers.select_related("question")}

    def choose(stem, *labels):
        card = page.locator(f".question-card[data-question='{qid[stem]}']")
        expect(card).to_be_visible()
        for label in labels:
            card.get_by_label(label).tap()
            expect(page.locator("#save-status")).to_have_text("已保存")

    choose("单选一", "B. 乙")                        # 单选一: right
    page.get_by_role("button", name="下一题").tap()
    choose("多选一", "A. 甲", "C. 丙")                # 多选一 (ACD): one option short, wrong
    page.get_by_role("button", name="下一题").tap()
    choose("判断一", "A. 正确")                       # 判断一: right
    # Saved on the server as chosen (a dropped connection would lose nothing).
    assert dict(attempt.answers.values_list("question__stem", "given")) == {"单选一": "B", "多选一": "AC", "判断一": "A"}
    page.locator("#submit-any").tap()
    expect(page.locator("#score")).to_contain_text("2/3")
    expect(page.locator("#score")).to_contain_text("及格")
    expect(page.locator("#after-close")).to_contain_text("截止")      # no right/wrong while the exam is open
    expect(page.locator("#weak-topics")).to_have_count(0)
    Exam.objects.filter(pk=exam.pk).update(closes_at=timezone.now())     # the exam closes
    page.reload()
    expect(page.locator("#weak-topics")).to_contain_text("支部工作条例")
    expect(page.locator("#weak-topics")).to_contain_text("《支部工作条例》第九条")
    assert not errors, errors
    context.close()


def test_quick_choices_on_a_multiple_choice_question_are_saved_in_order(transactional_db, chromium, live_server, tree,
                                                                        people, users, fixed_paper):
    """One save per question in flight: A is tapped and its save is held up on the network; C is tapped meanwhile.
    The server ends with A and C — the later choice is never overwritten by the earlier save arriving last."""
    import time

    from django.utils import timezone
    from playwright.sync_api import expect

    from dangjian.exams import actions
    from dangjian.exams.models import Attempt

    now = timezone.now()
    exam = actions.do_create_exam(org=tree.committee, paper=fixed_paper, target=tree.committee, title="应知应会测试",
                                  opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=2),
                                  acting_user=users.committee_admin)
    actions.do_publish_exam(exam, acting_user=users.committee_admin)
    attempt = actions.do_start_attempt(exam, people.member_a)
    multi = attempt.answers.get(question__stem="多选一")

    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                   locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "member_a")
    page.goto(f"{live_server.url}/exams/attempts/{attempt.pk}/")
    held, sent = [], []

    def route(r):
        sent.append(r.request.post_data)
        if not held:
            held.append(r)            # the first save waits on the "network"
        else:
            r.continue_()

    page.route("**/answer/", route)
    page.locator("[data-qid]").nth(multi.order - 1).tap()
    card = page.locator(f".question-card[data-question='{multi.question_id}']")
    card.get_by_label("A. 甲").tap()
    page.wait_for_timeout(300)
    card.get_by_label("C. 丙").tap()
    page.wait_for_timeout(500)        # (without the queue the second save lands here, before the first)
    held[0].continue_()
    expect(page.locator("#save-status")).to_have_text("已保存")
    deadline = time.time() + 5
    while time.time() < deadline and (len(sent) < 2 or page.locator("#save-status").inner_text() != "已保存"):
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    multi.refresh_from_db()
    assert multi.given == "AC", sent
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None
    context.close()
