"""组织生活会 as a process: before the meeting each participant's 对照检查材料 (recorded by the
branch, or submitted by the member for themself — never for someone else); after it a 整改清单 with
an owner and a deadline per problem, closed with the evidence; open items past their deadline are
flagged on the meeting page."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.orglife.actions import (do_add_rectification_item, do_close_rectification_item, do_record_meeting,
                                      do_record_self_check)
from dangjian.orglife.models import RectificationItem, SelfCheck

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def org_life(tree, people, users):
    return do_record_meeting(org=tree.a, type="org_life", date=today() - dt.timedelta(days=40),
                             topic="年度组织生活会", present=[people.secretary_a, people.member_a],
                             acting_user=users.secretary_a)


def page(client, meeting):
    return client.get(reverse("orglife:meeting_detail", kwargs={"pk": meeting.pk})).content.decode()


# --- 对照检查材料 ---------------------------------------------------------------------------------
def test_a_member_submits_their_own_self_check(org_life, people, users, client_as):
    client = client_as(users.member_a)
    url = reverse("orglife:meeting_self_check", kwargs={"pk": org_life.pk})
    assert client.get(url).status_code == 200
    r = client.post(url, {"person": people.member_a.pk, "text": "理论学习不够系统，联系群众不够经常。"})
    assert r.status_code == 302
    sc = SelfCheck.objects.get(meeting=org_life)
    assert (sc.person, sc.entered_by) == (people.member_a, users.member_a)
    assert "理论学习不够系统" in page(client, org_life)
    # Submitting again replaces the text (one per person per meeting); the old text is in the audit trail.
    client.post(url, {"person": people.member_a.pk, "text": "修改后的对照检查材料。"})
    assert SelfCheck.objects.get(meeting=org_life).text == "修改后的对照检查材料。"
    assert AuditEvent.objects.filter(verb="self_check.record").order_by("pk").last().data["before"]["text"].startswith("理论学习")


def test_a_member_cannot_submit_for_someone_else(org_life, people, users, client_as):
    with pytest.raises(ActionError, match="只能提交本人的对照检查材料"):
        do_record_self_check(org_life, person=people.secretary_a, text="代写", acting_user=users.member_a)
    r = client_as(users.member_a).post(reverse("orglife:meeting_self_check", kwargs={"pk": org_life.pk}),
                                       {"person": people.secretary_a.pk, "text": "代写"})
    assert r.status_code == 200 and "只能提交本人的对照检查材料" in r.content.decode()
    assert not SelfCheck.objects.exists()


def test_the_secretary_records_a_participants_material_but_not_an_outsiders(org_life, people, users):
    do_record_self_check(org_life, person=people.member_a, text="对照党章找差距。", acting_user=users.secretary_a)
    assert SelfCheck.objects.get().entered_by == users.secretary_a
    with pytest.raises(ActionError, match="不是本次会议的参会人员"):
        do_record_self_check(org_life, person=people.member_b, text="x", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="请填写对照检查材料"):
        do_record_self_check(org_life, person=people.secretary_a, text="  ", acting_user=users.secretary_a)


def test_only_org_life_and_democratic_life_have_self_checks(tree, people, users, client_as):
    theme = do_record_meeting(org=tree.a, type="theme_day", date=today() - dt.timedelta(days=3), topic="主题党日",
                              present=[people.member_a], acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="只有组织生活会和民主生活会"):
        do_record_self_check(theme, person=people.member_a, text="x", acting_user=users.member_a)
    r = client_as(users.secretary_a).get(reverse("orglife:meeting_self_check", kwargs={"pk": theme.pk}))
    assert r.status_code == 302
    assert 'id="self-checks"' not in page(client_as(users.secretary_a), theme)


def test_the_outsider_gets_404(org_life, people, users, client_as):
    item = do_add_rectification_item(org_life, problem="问题", owner=people.member_a, deadline=today(),
                                     acting_user=users.secretary_a)
    client = client_as(users.secretary_b)
    assert client.get(reverse("orglife:meeting_self_check", kwargs={"pk": org_life.pk})).status_code == 404
    assert client.post(reverse("orglife:meeting_rectification_add", kwargs={"pk": org_life.pk}),
                       {"problem": "x"}).status_code == 404
    assert client.post(reverse("orglife:rectification_item_close", kwargs={"pk": item.pk}),
                       {"closed": today().isoformat(), "evidence": "x"}).status_code == 404
    assert RectificationItem.objects.get().closed is None


# --- 整改清单 -------------------------------------------------------------------------------------
def test_an_overdue_open_item_is_flagged_on_the_meeting_page(org_life, people, users, client_as):
    late = do_add_rectification_item(org_life, problem="“三会一课”记录不规范", owner=people.secretary_a,
                                     deadline=today() - dt.timedelta(days=10), acting_user=users.secretary_a)
    due = do_add_rectification_item(org_life, problem="学习笔记不全", owner=people.member_a,
                                    deadline=today(), acting_user=users.secretary_a)
    assert late.is_overdue and late.overdue_days == 10
    assert not due.is_overdue      # due today is not yet late
    assert list(RectificationItem.objects.overdue()) == [late]
    html = page(client_as(users.secretary_a), org_life)
    assert "逾期未完成 1" in html and "已逾期 10 天" in html and html.count("已逾期") == 1
    # A member of the branch sees the list too, without the buttons.
    member_html = page(client_as(users.member_a), org_life)
    assert "已逾期 10 天" in member_html and "标记完成" not in member_html

    # Closing it with the evidence clears the flag; the lateness goes into the audit trail.
    do_close_rectification_item(late, closed=today(), evidence="已修订记录本并补齐签名。", acting_user=users.secretary_a)
    late.refresh_from_db()
    assert not late.is_overdue and "逾期10天" in AuditEvent.objects.get(verb="rectification.close").summary
    assert "逾期未完成" not in page(client_as(users.secretary_a), org_life)


def test_an_item_needs_a_problem_an_owner_and_a_deadline_after_the_meeting(org_life, people, users, client_as):
    with pytest.raises(ActionError, match="不能早于会议日期"):
        do_add_rectification_item(org_life, problem="x", owner=people.member_a,
                                  deadline=org_life.date - dt.timedelta(days=1), acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="写明需要整改的问题"):
        do_add_rectification_item(org_life, problem=" ", owner=people.member_a, deadline=today(),
                                  acting_user=users.secretary_a)
    client = client_as(users.secretary_a)
    url = reverse("orglife:meeting_rectification_add", kwargs={"pk": org_life.pk})
    assert client.get(url).status_code == 200
    r = client.post(url, {"problem": "批评和自我批评辣味不足", "owner": people.member_a.pk,
                          "deadline": (today() + dt.timedelta(days=30)).isoformat()})
    assert r.status_code == 302
    item = RectificationItem.objects.get()
    assert (item.owner, item.closed) == (people.member_a, None)


def test_closing_needs_the_evidence_and_a_date_not_in_the_future(org_life, people, users, client_as):
    item = do_add_rectification_item(org_life, problem="问题", owner=people.member_a, deadline=today(),
                                     acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="请写明整改成效"):
        do_close_rectification_item(item, closed=today(), evidence="", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="不能晚于今天"):
        do_close_rectification_item(item, closed=today() + dt.timedelta(days=1), evidence="x",
                                    acting_user=users.secretary_a)
    r = client_as(users.secretary_a).post(reverse("orglife:rectification_item_close", kwargs={"pk": item.pk}),
                                          {"closed": today().isoformat(), "evidence": "已整改"})
    assert r.status_code == 302
    with pytest.raises(ActionError, match="已于"):
        do_close_rectification_item(item, closed=today(), evidence="again", acting_user=users.secretary_a)


def test_the_announced_meeting_gets_no_rectification_list_yet(tree, people, users):
    announced = do_record_meeting(org=tree.a, type="org_life", state="announced", topic="组织生活会",
                                  date=today() + dt.timedelta(days=7), acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="会议召开后制定"):
        do_add_rectification_item(announced, problem="x", owner=people.member_a,
                                  deadline=today() + dt.timedelta(days=30), acting_user=users.secretary_a)
    # Materials are written before the meeting: the expected participants may submit already.
    do_record_self_check(announced, person=people.member_a, text="会前对照检查。", acting_user=users.member_a)


def test_the_meeting_page_lists_the_process_in_few_queries(org_life, people, users, client_as,
                                                           django_assert_max_num_queries):
    client = client_as(users.secretary_a)
    do_record_self_check(org_life, person=people.member_a, text="材料", acting_user=users.secretary_a)
    do_add_rectification_item(org_life, problem="p1", owner=people.member_a, deadline=today(),
                              acting_user=users.secretary_a)
    client.get(reverse("orglife:meeting_detail", kwargs={"pk": org_life.pk}))
    with django_assert_max_num_queries(40) as ctx:
        page(client, org_life)
    base = len(ctx.captured_queries)
    do_record_self_check(org_life, person=people.secretary_a, text="材料", acting_user=users.secretary_a)
    for i in range(4):
        do_add_rectification_item(org_life, problem=f"p{i + 2}", owner=people.secretary_a,
                                  deadline=today() - dt.timedelta(days=i + 1), acting_user=users.secretary_a)
    with django_assert_max_num_queries(base):
        page(client, org_life)
