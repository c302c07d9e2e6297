"""The 组织生活 screens as a branch secretary uses them on a phone: record a meeting once (who
came, who was excused and why, the votes), announce one and later record it as held, talks and
民主评议. The outsider (secretary of sibling branch B) gets 404 on everything of branch A; a member
sees their branch's meetings read-only."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import _person
from dangjian.core.models import Finding
from dangjian.orglife.actions import do_record_meeting, do_record_talk
from dangjian.orglife.models import Appraisal, Attendance, Critique, Meeting, Resolution, Talk

pytestmark = pytest.mark.django_db


def url(name, **kw):
    return reverse(f"orglife:{name}", kwargs=kw or None)


def today():
    return timezone.localdate()


def _meeting(tree, people, **kw):
    kw.setdefault("type", "theme_day")
    kw.setdefault("date", today() - dt.timedelta(days=1))
    kw.setdefault("topic", "学习贯彻主题党日")
    return do_record_meeting(org=tree.a, present=[people.secretary_a], **kw)


# --- recording a meeting ---------------------------------------------------------------------
def test_the_form_lists_the_expected_members_with_a_suggested_topic(client_as, users, tree, people):
    r = client_as(users.secretary_a).get(url("meeting_create"), {"org": tree.a.pk, "type": "theme_day"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "王建国" in page and "李红梅" in page and "赵志强" not in page
    d = today()
    assert f"{d.year}年{d.month}月主题党日" in page
    assert "全部出席" in page


def test_secretary_records_a_theme_day_with_attendance_and_a_vote(client_as, users, tree, people):
    d = today()
    r = client_as(users.secretary_a).post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "held", "type": "member_assembly", "date": d.isoformat(), "topic": "接收预备党员",
        "place": "三楼会议室", f"att_{people.secretary_a.pk}": "present",
        f"att_{people.member_a.pk}": "excused", f"reason_{people.member_a.pk}": "出差",
        "vote_motion": ["接收张三为预备党员"], "vote_eligible": ["2"], "vote_present": ["1"],
        "vote_yes": ["1"], "vote_no": [""], "vote_abstain": [""], "vote_written_yes": [""],
        "minutes": "讨论接收预备党员。"})
    assert r.status_code == 302, r.content.decode()[:3000]
    m = Meeting.objects.get()
    assert (m.org, m.type, m.place, m.expected_count, m.present_count) == (tree.a, "member_assembly", "三楼会议室", 2, 1)
    assert m.entered_by == users.secretary_a
    a = Attendance.objects.get(meeting=m, person=people.member_a)
    assert (a.status, a.reason) == ("excused", "出差")
    vote = Resolution.objects.get(meeting=m)
    assert (vote.eligible, vote.present, vote.yes, vote.passed) == (2, 1, 1, False)
    page = client_as(users.secretary_a).get(r.url).content.decode()
    assert "未通过" in page and "未超过应到会有表决权党员2人的半数" in page
    assert "李红梅（出差）" in page



def test_a_large_branch_meeting_form_is_not_refused_for_its_number_of_fields(client_as, users, tree, people):
    """Two fields per attendee: a 党员大会 of 600 members posts 1,200+ fields, past Django's default limit of
    1,000 (the form answered 400 before). Extra rows stand in for the attendees here."""
    d = today()
    data = {"state": "held", "type": "member_assembly", "date": d.isoformat(), "topic": "党员大会",
            f"att_{people.secretary_a.pk}": "present", f"att_{people.member_a.pk}": "present",
            "minutes": "传达学习上级文件精神。"}
    data.update({f"reason_{900000 + i}": "" for i in range(1300)})
    r = client_as(users.secretary_a).post(url("meeting_create") + f"?org={tree.a.pk}", data)
    assert r.status_code == 302, r.status_code
    assert Meeting.objects.get().present_count == 2

def test_a_rejected_form_keeps_every_row_typed(client_as, users, tree, people):
    c = client_as(users.secretary_a)
    r = c.post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "held", "type": "member_assembly", "date": today().isoformat(), "topic": "党员大会",
        "place": "会议室甲", f"att_{people.secretary_a.pk}": "present",
        f"att_{people.member_a.pk}": "excused", f"reason_{people.member_a.pk}": "病假",
        # more present than eligible: refused by the action, nothing saved
        "vote_motion": ["表决事项甲"], "vote_eligible": ["1"], "vote_present": ["2"], "vote_yes": ["2"],
        "vote_no": ["0"], "vote_abstain": ["0"], "vote_written_yes": ["0"]})
    assert r.status_code == 200
    page = r.content.decode()
    assert "实到人数（2）不能多于应到人数（1）" in page
    assert 'value="会议室甲"' in page and 'value="病假"' in page and 'value="表决事项甲"' in page
    assert f'id="att_{people.secretary_a.pk}_present" value="present" autocomplete="off" checked' in page
    assert not Meeting.objects.exists()


def test_excused_needs_a_reason_and_a_future_meeting_needs_an_announcement(client_as, users, tree, people):
    c = client_as(users.secretary_a)
    r = c.post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "held", "type": "theme_day", "date": today().isoformat(), "topic": "主题党日",
        f"att_{people.member_a.pk}": "excused"})
    assert "请填写李红梅的请假事由" in r.content.decode()
    r = c.post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "held", "type": "theme_day", "date": (today() + dt.timedelta(days=3)).isoformat(),
        "topic": "主题党日"})
    assert "发布会议通知" in r.content.decode()
    assert not Meeting.objects.exists()


def test_announce_then_record_as_held(client_as, users, tree, people):
    c = client_as(users.secretary_a)
    day = today() + dt.timedelta(days=5)
    r = c.post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "announced", "type": "lecture", "date": day.isoformat(), "topic": "专题党课",
        "agenda": "1. 党课；2. 讨论", "lecturer": people.secretary_a.pk})
    assert r.status_code == 302
    m = Meeting.objects.get()
    assert (m.state, m.lecturer, m.expected_count) == ("announced", people.secretary_a, 0)
    assert "登记召开情况" in c.get(r.url).content.decode()
    form = c.get(url("meeting_edit", pk=m.pk), {"hold": "1"}).content.decode()
    assert "李红梅" in form  # the checklist for the day it is held
    r = c.post(url("meeting_edit", pk=m.pk) + "?hold=1", {
        "state": "held", "type": "lecture", "date": today().isoformat(), "topic": "专题党课",
        "lecturer": people.secretary_a.pk, f"att_{people.secretary_a.pk}": "present",
        f"att_{people.member_a.pk}": "present"})
    assert r.status_code == 302, r.content.decode()[:2000]
    m.refresh_from_db()
    assert (m.state, m.date, m.expected_count, m.present_count) == ("held", today(), 2, 2)


def test_critiques_are_recorded_for_an_organisational_life_meeting(client_as, users, tree, people):
    sa, ma = people.secretary_a, people.member_a
    r = client_as(users.secretary_a).post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "held", "type": "org_life", "date": today().isoformat(), "topic": "年度组织生活会",
        f"att_{sa.pk}": "present", f"att_{ma.pk}": "present",
        "crit_from": [str(sa.pk), str(ma.pk)], "crit_to": [str(ma.pk), ""],
        "crit_text": ["调研不够深入，下基层次数少", "学习笔记流于摘抄"]})
    assert r.status_code == 302
    rows = list(Critique.objects.values_list("author_id", "target_id", "text"))
    assert rows == [(sa.pk, ma.pk, "调研不够深入，下基层次数少"), (ma.pk, None, "学习笔记流于摘抄")]
    assert "（自我批评）" in client_as(users.secretary_a).get(r.url).content.decode()


def test_the_checklist_reloads_for_the_committee_and_keeps_ticks(client_as, users, tree, people):
    r = client_as(users.secretary_a).get(url("meeting_attendance"), {
        "org": tree.a.pk, "type": "committee", "date": today().isoformat(),
        f"att_{people.secretary_a.pk}": "excused", f"reason_{people.secretary_a.pk}": "开会"})
    page = r.content.decode()
    assert "王建国" in page and "李红梅" not in page  # the committee: only the secretary is in post
    assert 'value="开会"' in page
    assert f'{today().year}年{today().month}月支委会' in page


# --- the meeting page, corrections, deletion --------------------------------------------------
def test_meeting_page_shows_backfill_and_the_meetings_findings(client_as, users, tree, people):
    m = _meeting(tree, people, date=today() - dt.timedelta(days=40))
    Finding.objects.create(rule_id="BR-05", severity="WARN", subject_kind="meeting", subject_id=m.pk,
                           org=tree.a, message="表决时到会人数不足半数", citation="支部工作条例")
    page = client_as(users.secretary_a).get(url("meeting_detail", pk=m.pk)).content.decode()
    assert "补录" in page and "表决时到会人数不足半数" in page
    listing = client_as(users.secretary_a).get(url("meeting_list"), {"org": tree.a.pk}).content.decode()
    assert "补录" in listing and "2/1" in listing


def test_edit_and_delete_with_a_reason(client_as, users, tree, people):
    m = _meeting(tree, people)
    c = client_as(users.secretary_a)
    r = c.post(url("meeting_edit", pk=m.pk), {
        "state": "held", "type": "theme_day", "date": m.date.isoformat(), "topic": "改过的主题",
        f"att_{people.secretary_a.pk}": "present", f"att_{people.member_a.pk}": "present"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert (m.topic, m.present_count) == ("改过的主题", 2)
    r = c.post(url("meeting_delete", pk=m.pk), {"reason": ""})
    assert r.status_code == 200 and Meeting.objects.filter(pk=m.pk).exists()
    r = c.post(url("meeting_delete", pk=m.pk), {"reason": "重复录入"})
    assert r.status_code == 302 and not Meeting.objects.filter(pk=m.pk).exists()


# --- who may --------------------------------------------------------------------------------
def test_outsider_gets_404_on_branch_a(client_as, users, tree, people):
    m = _meeting(tree, people)
    c = client_as(users.secretary_b)
    for name in ("meeting_detail", "meeting_edit", "meeting_delete"):
        assert c.get(url(name, pk=m.pk)).status_code == 404, name
    assert c.post(url("meeting_delete", pk=m.pk), {"reason": "x"}).status_code == 404
    assert c.get(url("meeting_create"), {"org": tree.a.pk}).status_code == 404
    assert c.post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "held", "type": "theme_day", "date": today().isoformat(), "topic": "越权"}).status_code == 404
    assert c.get(url("meeting_list"), {"org": tree.a.pk}).status_code == 404
    assert c.get(url("talk_create"), {"org": tree.a.pk}).status_code == 404
    assert c.get(url("appraisal_create"), {"org": tree.a.pk}).status_code == 404
    assert c.get(url("meeting_attendance"), {"org": tree.a.pk}).status_code == 404
    assert "学习贯彻主题党日" not in c.get(url("meeting_list")).content.decode()
    assert Meeting.objects.count() == 1


def test_member_sees_branch_meetings_read_only(client_as, users, tree, people):
    m = _meeting(tree, people)
    c = client_as(users.member_a)
    page = c.get(url("meeting_detail", pk=m.pk)).content.decode()
    assert "学习贯彻主题党日" in page
    assert url("meeting_edit", pk=m.pk) not in page and url("meeting_delete", pk=m.pk) not in page
    listing = c.get(url("meeting_list"), {"org": tree.a.pk}).content.decode()
    assert "学习贯彻主题党日" in listing and "登记会议" not in listing
    assert c.get(url("meeting_create"), {"org": tree.a.pk}).status_code == 404
    assert c.get(url("meeting_create")).status_code == 404   # their own branch, still not theirs to record
    assert c.get(url("meeting_edit", pk=m.pk)).status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_meeting_list_query_count_is_constant(client_as, users, tree, people, n, django_assert_max_num_queries):
    for i in range(n):
        _meeting(tree, people, date=today() - dt.timedelta(days=i + 1), topic=f"会议{i}")
    c = client_as(users.secretary_a)
    # session, user, roles (twice: view and add), org, ancestors, count, page of rows with their
    # orgs, session save: the same 13 for 3 rows and for 30.
    with django_assert_max_num_queries(13):
        r = c.get(url("meeting_list"), {"org": tree.a.pk, "type": "theme_day"})
    assert r.status_code == 200 and "会议0" in r.content.decode()


def test_list_filters_by_type_year_and_state(client_as, users, tree, people):
    _meeting(tree, people, topic="主题党日甲")
    _meeting(tree, people, type="committee", topic="支委会乙")
    do_record_meeting(org=tree.a, type="lecture", date=today() + dt.timedelta(days=9), topic="党课通知丙",
                      state="announced")
    c = client_as(users.secretary_a)
    page = c.get(url("meeting_list"), {"org": tree.a.pk, "type": "committee"}).content.decode()
    assert "支委会乙" in page and "主题党日甲" not in page
    page = c.get(url("meeting_list"), {"org": tree.a.pk, "state": "announced"}).content.decode()
    assert "党课通知丙" in page and "支委会乙" not in page
    page = c.get(url("meeting_list"), {"org": tree.a.pk, "year": today().year - 3}).content.decode()
    assert "主题党日甲" not in page


# --- the org and person pages ------------------------------------------------------------------
def test_org_page_has_the_orglife_card_and_person_page_the_attendance(client_as, users, tree, people):
    _meeting(tree, people, topic="本月主题党日", date=today())     # (yesterday is last year on 1 January)
    c = client_as(users.secretary_a)
    page = c.get(reverse("orgs:org_detail", kwargs={"pk": tree.a.pk})).content.decode()
    assert "组织生活" in page and "本月主题党日" in page and "主题党日 1" in page
    assert "登记会议" in page and "发布通知" in page and "登记谈话" in page
    page = c.get(reverse("people:person_detail", kwargs={"pk": people.member_a.pk})).content.decode()
    assert "参加组织生活" in page and "缺席 <strong>1</strong>" in page
    member_page = client_as(users.member_a).get(reverse("orgs:org_detail", kwargs={"pk": tree.a.pk})).content.decode()
    assert "本月主题党日" in member_page and "登记会议" not in member_page


# --- 谈心谈话 and 民主评议 -------------------------------------------------------------------------
def test_talk_is_recorded_and_listed(client_as, users, tree, people):
    c = client_as(users.secretary_a)
    r = c.post(url("talk_create") + f"?org={tree.a.pk}", {
        "a": people.secretary_a.pk, "b": people.member_a.pk, "date": today().isoformat(), "topic": "工作思想"})
    assert r.status_code == 302
    t = Talk.objects.get()
    assert (t.a, t.b, t.org) == (people.secretary_a, people.member_a, tree.a)
    assert "工作思想" in c.get(r.url).content.decode()
    r = c.post(url("talk_create") + f"?org={tree.a.pk}", {
        "a": people.secretary_a.pk, "b": people.secretary_a.pk, "date": today().isoformat(), "topic": "独白"})
    assert "两人之间" in r.content.decode() and Talk.objects.count() == 1
    # A person outside the secretary's scope cannot be picked.
    r = c.post(url("talk_create") + f"?org={tree.a.pk}", {
        "a": people.secretary_a.pk, "b": people.member_b.pk, "date": today().isoformat()})
    assert r.status_code == 200 and Talk.objects.count() == 1
    assert client_as(users.secretary_b).get(url("talk_list"), {"org": tree.a.pk}).status_code == 404


def test_appraisal_refuses_too_many_excellent_and_keeps_the_grades(client_as, users, tree, people):
    p3 = _person(tree.a, "党员丙")
    newbie = _person(tree.a, "预备党员丁", status="probationary", probationary_date=dt.date(2025, 1, 1),
                     full_member_date=None)
    c = client_as(users.secretary_a)
    year = today().year
    page = c.get(url("appraisal_create"), {"org": tree.a.pk, "year": year}).content.decode()
    assert "不评定等次" in page and f'name="grade_{newbie.pk}"' not in page
    data = {f"grade_{people.secretary_a.pk}": "excellent", f"grade_{people.member_a.pk}": "excellent",
            f"grade_{p3.pk}": "qualified"}
    r = c.post(url("appraisal_create") + f"?org={tree.a.pk}&year={year}", data)
    page = r.content.decode()
    assert r.status_code == 200 and "评为优秀的2人，超过参评党员总数" in page and "EVAL-01" in page
    assert f'<option value="excellent" selected>' in page and not Appraisal.objects.exists()
    data[f"grade_{people.member_a.pk}"] = "qualified"
    r = c.post(url("appraisal_create") + f"?org={tree.a.pk}&year={year}", data)
    assert r.status_code == 302
    grades = dict(Appraisal.objects.get(org=tree.a, year=year).grades.values_list("person__name", "grade"))
    assert grades == {"王建国": "excellent", "李红梅": "qualified", "党员丙": "qualified", "预备党员丁": None}


def test_party_group_meeting_expects_the_group_and_its_chair_comes_from_the_branch(client_as, users, tree, people):
    leader = _person(tree.a, "组长甲", group=tree.a1)
    c = client_as(users.secretary_a)
    form = c.get(url("meeting_create"), {"org": tree.a1.pk}).content.decode()
    assert "组长甲" in form and "李红梅" not in form and 'value="group"' in form
    r = c.post(url("meeting_create") + f"?org={tree.a1.pk}", {
        "state": "held", "type": "group", "date": today().isoformat(), "topic": "党小组学习",
        "chair": leader.pk, f"att_{leader.pk}": "present"})
    assert r.status_code == 302, r.content.decode()[:2000]
    m = Meeting.objects.get()
    assert (m.org, m.chair, m.expected_count, m.present_count) == (tree.a1, leader, 1, 1)
    # The chair must be one of the org's people: someone of branch B is refused, input kept.
    r = client_as(users.committee_admin).post(url("meeting_create") + f"?org={tree.a.pk}", {
        "state": "held", "type": "theme_day", "date": today().isoformat(), "topic": "主持人不对",
        "chair": people.secretary_b.pk})
    assert r.status_code == 200 and "请从搜索结果中选择" in r.content.decode()
    assert 'value="主持人不对"' in r.content.decode() and Meeting.objects.count() == 1
