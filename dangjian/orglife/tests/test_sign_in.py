"""扫码签到 — optional QR sign-in, never required (不强制打卡, 减负). The secretary may show a code on
the meeting's day; a member expected at the meeting who scans it is marked present with the time
(a second scan keeps the first time); the branch still records everyone's attendance by hand, and
a correction by hand keeps the scan time of whoever stays present. The code is signed and expires
at the end of the meeting's day; a bad code gets a clear message; someone not expected gets 404."""
import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import _person
from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.orglife import signin_views
from dangjian.orglife.actions import do_record_meeting, do_sign_in, do_update_meeting
from dangjian.orglife.models import Attendance

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VOLUNTARY = "扫码签到为自愿方式，未扫码的由支部在会议记录中登记出席"


def at(day, hh, mm=0):
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


def today():
    return timezone.localdate()


def row(meeting, person):
    return Attendance.objects.get(meeting=meeting, person=person)


@pytest.fixture
def announced(tree, people, users):
    """A 主题党日 of branch A announced for a day ahead (the scan times below are on that day)."""
    return do_record_meeting(org=tree.a, type="theme_day", state="announced", date=today() + dt.timedelta(days=10),
                             topic="十二月主题党日", agenda="1. 学习\n2. 讨论", acting_user=users.secretary_a)


@pytest.fixture
def todays(tree, people, users):
    """A meeting announced for today: the one whose code the member scans with a phone."""
    return do_record_meeting(org=tree.a, type="theme_day", state="announced", date=today(),
                             topic="今天的主题党日", acting_user=users.secretary_a)


# --- the action -----------------------------------------------------------------------------------
def test_a_member_of_a_signs_in_on_the_day_and_is_marked_present_with_the_time(announced, people, users):
    when = at(announced.date, 9, 12)
    a = do_sign_in(announced, people.member_a, at=when, acting_user=users.member_a)
    assert (a.status, a.signed_in_at, a.voting) == ("present", when, True)
    announced.refresh_from_db()
    # The derived counts follow the rows, as for any attendance change; nobody else is marked present.
    assert (announced.expected_count, announced.present_count) == (2, 1)
    assert row(announced, people.secretary_a).status == "absent"
    assert row(announced, people.secretary_a).signed_in_at is None
    ev = AuditEvent.objects.get(verb="meeting.sign_in")
    assert "李红梅扫码签到" in ev.summary and "09:12" in ev.summary and ev.actor == users.member_a


def test_a_second_scan_keeps_the_first_time(announced, people):
    first = at(announced.date, 9, 12)
    do_sign_in(announced, people.member_a, at=first)
    again = do_sign_in(announced, people.member_a, at=at(announced.date, 9, 40))
    assert again.signed_in_at == first and row(announced, people.member_a).signed_in_at == first
    assert AuditEvent.objects.filter(verb="meeting.sign_in").count() == 1


@pytest.mark.parametrize("when, word", [(lambda d: at(d - dt.timedelta(days=1), 23, 59), "尚未开始"),
                                         (lambda d: at(d + dt.timedelta(days=1), 0, 0), "已结束")])
def test_the_day_before_or_after_is_refused(announced, people, when, word):
    with pytest.raises(ActionError, match=f"只在会议当天.*{word}"):
        do_sign_in(announced, people.member_a, at=when(announced.date))
    assert not Attendance.objects.filter(meeting=announced).exists()


def test_the_whole_meeting_day_in_beijing_time_counts(announced, people):
    # 00:30 in Shanghai is the previous day in UTC: the local date decides.
    a = do_sign_in(announced, people.member_a, at=at(announced.date, 0, 30))
    assert a.status == "present"


def test_a_cancelled_meeting_takes_no_sign_in(announced, people, users):
    do_update_meeting(announced, state="cancelled", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="已取消"):
        do_sign_in(announced, people.member_a, at=at(announced.date, 9))


def test_a_member_of_sibling_b_is_not_expected(announced, people):
    with pytest.raises(ActionError, match="不在本次会议的应到人员名单中"):
        do_sign_in(announced, people.member_b, at=at(announced.date, 9))


def test_only_oneself_can_sign_in(announced, people, users):
    with pytest.raises(ActionError, match="只能本人"):
        do_sign_in(announced, people.member_a, at=at(announced.date, 9), acting_user=users.secretary_a)


def test_a_probationary_member_signs_in_but_does_not_vote(tree, announced, people):
    newcomer = _person(tree.a, "张预备", status="probationary", probationary_date=dt.date(2025, 7, 1),
                       full_member_date=None)
    do_sign_in(announced, people.member_a, at=at(announced.date, 9, 0))
    a = do_sign_in(announced, newcomer, at=at(announced.date, 9, 5))
    assert (a.status, a.voting) == ("present", False)
    announced.refresh_from_db()
    assert (announced.expected_count, announced.present_count) == (3, 2)
    assert (announced.voting_expected, announced.voting_present) == (2, 1)


def test_the_secretary_records_the_meeting_by_hand_afterwards(tree, people, users):
    """Editing by hand keeps the scan time for those who stay present, drops it for those changed."""
    m = do_record_meeting(org=tree.a, type="theme_day", date=today(), topic="主题党日", present=[people.secretary_a],
                          acting_user=users.secretary_a)
    when = at(m.date, 9, 12)
    do_sign_in(m, people.member_a, at=when)
    m.refresh_from_db()
    assert (m.expected_count, m.present_count) == (2, 2)

    do_update_meeting(m, topic="主题党日（修改）", present=[people.secretary_a, people.member_a],
                      acting_user=users.secretary_a)
    assert row(m, people.member_a).signed_in_at == when
    do_update_meeting(m, minutes="会议记录补充。", acting_user=users.secretary_a)        # no attendance given
    assert row(m, people.member_a).signed_in_at == when

    do_update_meeting(m, present=[people.secretary_a], excused={people.member_a: "临时出差"},
                      acting_user=users.secretary_a)
    a = row(m, people.member_a)
    assert (a.status, a.signed_in_at) == ("excused", None)


def test_an_announced_meeting_signed_into_is_recorded_held_with_them_ticked(todays, people, users, client_as):
    do_sign_in(todays, people.member_a, at=at(todays.date, 9, 12))
    client = client_as(users.secretary_a)
    page = client.get(reverse("orglife:meeting_edit", kwargs={"pk": todays.pk}) + "?hold=1").content.decode()
    assert re.search(rf'id="att_{people.member_a.pk}_present"[^>]*checked', page)
    assert not re.search(rf'id="att_{people.secretary_a.pk}_present"[^>]*checked', page)
    assert "扫码 09:12" in page
    # The secretary ticks themself as well and records the meeting as held: the scan time stays.
    do_update_meeting(todays, state="held", present=[people.secretary_a, people.member_a],
                      acting_user=users.secretary_a)
    todays.refresh_from_db()
    assert (todays.state, todays.present_count) == ("held", 2)
    assert row(todays, people.member_a).signed_in_at == at(todays.date, 9, 12)
    assert row(todays, people.secretary_a).signed_in_at is None


# --- the token ------------------------------------------------------------------------------------
def test_the_token_carries_the_meeting_and_expires_after_its_day(announced):
    token = signin_views.make_token(announced)
    assert signin_views.read_token(token, today=announced.date) == (announced.pk, announced.date)
    with pytest.raises(signin_views.BadSignInToken, match="已过期"):
        signin_views.read_token(token, today=announced.date + dt.timedelta(days=1))
    with pytest.raises(signin_views.BadSignInToken, match="无效"):
        signin_views.read_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), today=announced.date)
    # Signed for this purpose only: the same payload under another salt is refused.
    from django.core import signing

    other = signing.dumps({"m": announced.pk, "d": announced.date.isoformat()})
    with pytest.raises(signin_views.BadSignInToken, match="无效"):
        signin_views.read_token(other, today=announced.date)


# --- the screens ----------------------------------------------------------------------------------
def test_the_secretary_shows_the_code_and_says_it_is_optional(todays, users, client_as):
    client = client_as(users.secretary_a)
    detail = client.get(reverse("orglife:meeting_detail", kwargs={"pk": todays.pk})).content.decode()
    qr_url = reverse("orglife:meeting_sign_in_qr", kwargs={"pk": todays.pk})
    assert qr_url in detail and "扫码签到" in detail
    r = client.get(qr_url)
    page = r.content.decode()
    assert r.status_code == 200 and "<svg" in page and VOLUNTARY in page
    url = re.search(r'id="sign-in-url">http://testserver(/[^<\s]+/)<', page).group(1)
    assert url.startswith(reverse("orglife:sign_in", kwargs={"token": "x"})[:-2])
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert signin_views.read_token(token)[0] == todays.pk
    # The live list (htmx polls it) and the empty state.
    assert "every 5s" in page and "还没有人扫码签到" in page


def test_members_and_outsiders_do_not_get_the_code(todays, users, client_as):
    for user in (users.member_a, users.secretary_b):
        assert client_as(user).get(reverse("orglife:meeting_sign_in_qr", kwargs={"pk": todays.pk})).status_code == 404
        assert client_as(user).get(reverse("orglife:meeting_sign_in_list", kwargs={"pk": todays.pk})).status_code == 404


def test_the_member_scans_logs_in_confirms_and_sees_the_time(todays, people, users, client, client_as):
    url = reverse("orglife:sign_in", kwargs={"token": signin_views.make_token(todays)})
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    phone = client_as(users.member_a)
    page = phone.get(url).content.decode()
    assert f"签到：{todays.topic}" in page and "确认签到" in page and VOLUNTARY in page
    assert not Attendance.objects.filter(meeting=todays, person=people.member_a).exists()   # GET changes nothing
    r = phone.post(url)
    assert r.status_code == 302
    a = row(todays, people.member_a)
    assert a.status == "present" and a.signed_in_at is not None
    page = phone.get(url).content.decode()
    assert f"已签到 {timezone.localtime(a.signed_in_at):%H:%M}" in page and "确认签到" not in page
    # The secretary's list and the meeting page show the time.
    hhmm = f"扫码 {timezone.localtime(a.signed_in_at):%H:%M}"
    secretary = client_as(users.secretary_a)
    assert hhmm in secretary.get(reverse("orglife:meeting_sign_in_list", kwargs={"pk": todays.pk})).content.decode()
    assert hhmm in secretary.get(reverse("orglife:meeting_detail", kwargs={"pk": todays.pk})).content.decode()


def test_a_member_of_sibling_b_gets_404_with_a_valid_code(todays, users, client_as):
    url = reverse("orglife:sign_in", kwargs={"token": signin_views.make_token(todays)})
    assert client_as(users.secretary_b).get(url).status_code == 404
    assert client_as(users.secretary_b).post(url).status_code == 404
    assert not Attendance.objects.filter(meeting=todays).exists()


def test_an_expired_or_tampered_code_gets_a_clear_message(tree, people, users, client_as):
    past = do_record_meeting(org=tree.a, type="theme_day", date=today() - dt.timedelta(days=1), topic="昨天的主题党日",
                             present=[people.secretary_a], acting_user=users.secretary_a)
    phone = client_as(users.member_a)
    r = phone.get(reverse("orglife:sign_in", kwargs={"token": signin_views.make_token(past)}))
    assert r.status_code == 400 and "签到二维码已过期" in r.content.decode()
    r = phone.post(reverse("orglife:sign_in", kwargs={"token": "eyJtIjoxfQ:forged:signature"}))
    assert r.status_code == 400 and "签到二维码无效" in r.content.decode()
    assert row(past, people.member_a).status == "absent"


def test_the_code_before_the_day_says_not_yet(announced, users, client_as):
    phone = client_as(users.member_a)
    url = reverse("orglife:sign_in", kwargs={"token": signin_views.make_token(announced)})
    page = phone.get(url).content.decode()
    assert "尚未开始" in page and "确认签到" not in page
    r = phone.post(url)
    assert r.status_code == 400 and "尚未开始" in r.content.decode()


def test_the_meeting_page_keeps_the_entry_date_beside_the_meeting_date(tree, people, users, client_as):
    m = do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 28), topic="六月主题党日",
                          present=[people.secretary_a], acting_user=users.secretary_a)
    page = client_as(users.member_a).get(reverse("orglife:meeting_detail", kwargs={"pk": m.pk})).content.decode()
    assert f"2025-06-28（录入 {timezone.localtime(m.entered_at):%Y-%m-%d}）" in re.sub(r"<[^>]+>", "", page)
    assert "扫码签到" not in page.split("btn-toolbar")[1].split("</div>")[0]    # the member gets no code button
