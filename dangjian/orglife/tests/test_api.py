"""组织生活 over the API: a branch secretary records a meeting once — who came, who was excused and
why, what was voted — and reads back whether each vote passed (BR-05: 半数以上有表决权的党员到会;
赞成人数超过应到会有表决权党员的半数). Everything goes through the actions, within the user's
scope: another branch's meetings answer 404, and naming another branch's org or people is refused
like naming one that does not exist."""
import datetime as dt

import pytest
from django.urls import reverse

from conftest import _person
from dangjian.core.models import AuditEvent
from dangjian.orglife.actions import do_record_appraisal, do_record_meeting, do_record_talk
from dangjian.orglife.models import Meeting

JSON = "application/json"


@pytest.fixture
def api(client_as, users):
    return client_as(users.secretary_a)


def assembly(tree, people, **kw):
    return do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 10),
                             topic="二季度支部党员大会", present=[people.secretary_a, people.member_a], **kw)


# --- recording a meeting --------------------------------------------------------------------------
def test_secretary_records_a_member_assembly_with_attendance_and_a_vote(api, tree, people):
    extra = _person(tree.a, "张伟")
    r = api.post(reverse("meeting-list"), {
        "org": tree.a.pk, "type": "member_assembly", "date": "2025-06-10", "topic": "二季度支部党员大会",
        "place": "三楼会议室", "chair": people.secretary_a.pk,
        "present": [people.secretary_a.pk, people.member_a.pk],
        "excused": {str(extra.pk): "出差"},
        "resolutions": [{"motion": "接收张三为预备党员", "eligible": 3, "present": 2, "yes": 2},
                        {"motion": "推荐李四为入党积极分子", "eligible": 3, "present": 2, "yes": 1, "no": 1}],
    }, content_type=JSON)
    assert r.status_code == 201, r.json()
    m = r.json()
    assert (m["expected_count"], m["present_count"], m["excused_count"], m["absent_count"]) == (3, 2, 1, 0)
    assert (m["voting_expected"], m["voting_present"]) == (3, 2)
    attendance = {a["person_name"]: (a["status"], a["reason"]) for a in m["attendance"]}
    assert attendance == {"王建国": ("present", ""), "李红梅": ("present", ""), "张伟": ("excused", "出差")}
    votes = {v["motion"]: (v["quorum"], v["passed"]) for v in m["resolutions"]}
    # 2 of 3 yes: more than half of those eligible. 1 of 3: quorum, but not passed — shown as not passed.
    assert votes == {"接收张三为预备党员": (True, True), "推荐李四为入党积极分子": (True, False)}
    assert m["chair_name"] == "王建国" and m["type_display"] == "支部党员大会" and m["state"] == "held"
    # Entered today for a June meeting: the back-filling is shown, not hidden.
    assert m["entered_at"] and m["backfilled_days"] == (dt.date.today() - dt.date(2025, 6, 10)).days
    assert m["entered_by"] == "王建国"  # the account of the secretary who entered it
    assert AuditEvent.objects.filter(verb="meeting.record", object_id=str(m["id"])).exists()

    again = api.get(reverse("meeting-detail", args=[m["id"]])).json()
    assert [v["passed"] for v in again["resolutions"]] == [True, False]


def test_a_vote_without_quorum_is_not_passed_even_if_all_present_said_yes(api, tree, people):
    r = api.post(reverse("meeting-list"), {
        "org": tree.a.pk, "type": "member_assembly", "date": "2025-06-10", "topic": "党员大会",
        "present": [people.secretary_a.pk],
        "resolutions": [{"motion": "表决", "eligible": 5, "present": 2, "yes": 2}],
    }, content_type=JSON)
    assert r.status_code == 201, r.json()
    assert r.json()["resolutions"][0] | {"motion": None} == {
        "motion": None, "eligible": 5, "present": 2, "yes": 2, "no": 0, "abstain": 0, "written_yes": 0,
        "quorum": False, "passed": False}


def test_critiques_are_recorded_per_person_with_names(api, tree, people):
    r = api.post(reverse("meeting-list"), {
        "org": tree.a.pk, "type": "org_life", "date": "2025-12-20", "topic": "2025年度组织生活会",
        "present": [people.secretary_a.pk, people.member_a.pk],
        "critiques": [{"from": people.member_a.pk, "to": people.secretary_a.pk,
                       "text": "调研多在机关内部，到基层一线次数偏少，建议每季度至少下基层一次。"},
                      {"from": people.secretary_a.pk, "text": "理论学习系统性不够，存在以干代学。"}],
    }, content_type=JSON)
    assert r.status_code == 201, r.json()
    assert [(c["from_name"], c["to_name"]) for c in r.json()["critiques"]] == [("李红梅", "王建国"), ("王建国", None)]


def test_a_held_meeting_cannot_be_in_the_future_the_action_says_why(api, tree, people):
    future = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    r = api.post(reverse("meeting-list"), {"org": tree.a.pk, "type": "theme_day", "date": future,
                                           "topic": "主题党日"}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "date"
    assert "会议通知" in r.json()["detail"]
    assert not Meeting.objects.exists()


def test_an_announced_meeting_is_later_recorded_as_held(api, tree, people):
    future = dt.date.today() + dt.timedelta(days=7)
    r = api.post(reverse("meeting-list"), {"org": tree.a.pk, "type": "theme_day", "date": future.isoformat(),
                                           "topic": "主题党日：重温入党誓词", "state": "announced",
                                           "agenda": "1. 重温入党誓词；2. 志愿服务"}, content_type=JSON)
    assert r.status_code == 201, r.json()
    assert r.json()["state"] == "announced" and r.json()["attendance"] == []
    r = api.patch(reverse("meeting-detail", args=[r.json()["id"]]),
                  {"state": "held", "date": dt.date.today().isoformat(), "present": [people.member_a.pk],
                   "excused": {str(people.secretary_a.pk): "参加上级会议"}}, content_type=JSON)
    assert r.status_code == 200, r.json()
    m = r.json()
    assert (m["state"], m["expected_count"], m["present_count"], m["excused_count"]) == ("held", 2, 1, 1)
    assert m["backfilled_days"] == 0


def test_correcting_the_votes_replaces_them_and_keeps_the_attendance(api, tree, people):
    m = assembly(tree, people, resolutions=[{"motion": "表决", "eligible": 2, "present": 2, "yes": 1}])
    r = api.patch(reverse("meeting-detail", args=[m.pk]),
                  {"resolutions": [{"motion": "表决（更正）", "eligible": 2, "present": 2, "yes": 2}]},
                  content_type=JSON)
    assert r.status_code == 200, r.json()
    assert [(v["motion"], v["passed"]) for v in r.json()["resolutions"]] == [("表决（更正）", True)]
    assert r.json()["present_count"] == 2
    assert AuditEvent.objects.filter(verb="meeting.update", object_id=str(m.pk)).exists()


def test_an_impossible_tally_is_refused_and_nothing_is_saved(api, tree, people):
    r = api.post(reverse("meeting-list"), {
        "org": tree.a.pk, "type": "member_assembly", "date": "2025-06-10", "topic": "党员大会",
        "present": [people.secretary_a.pk],
        "resolutions": [{"motion": "表决", "eligible": 2, "present": 3, "yes": 2}],
    }, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "resolutions"
    assert "实到人数" in r.json()["detail"]
    assert not Meeting.objects.exists()


def test_present_and_excused_at_once_is_refused(api, tree, people):
    r = api.post(reverse("meeting-list"), {
        "org": tree.a.pk, "type": "member_assembly", "date": "2025-06-10", "topic": "党员大会",
        "present": [people.member_a.pk], "excused": {str(people.member_a.pk): "出差"},
    }, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "excused"
    assert "李红梅" in r.json()["detail"]


def test_deleting_a_meeting_needs_a_reason(api, tree, people):
    m = assembly(tree, people)
    url = reverse("meeting-delete", args=[m.pk])
    r = api.post(url, {}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "reason"
    assert Meeting.objects.filter(pk=m.pk).exists()
    assert api.post(url, {"reason": "重复录入"}, content_type=JSON).status_code == 204
    assert not Meeting.objects.filter(pk=m.pk).exists()
    assert AuditEvent.objects.get(verb="meeting.delete", object_id=str(m.pk)).data["reason"] == "重复录入"
    # The HTTP DELETE method is not a way around the reason.
    m2 = assembly(tree, people)
    assert api.delete(reverse("meeting-detail", args=[m2.pk])).status_code == 405


# --- scope ----------------------------------------------------------------------------------------
def test_outsider_gets_404_on_branch_a_meetings(client_as, tree, people, users):
    m = assembly(tree, people)
    client = client_as(users.secretary_b)
    assert client.get(reverse("meeting-detail", args=[m.pk])).status_code == 404
    assert client.patch(reverse("meeting-detail", args=[m.pk]), {"topic": "改"},
                        content_type=JSON).status_code == 404
    assert client.post(reverse("meeting-delete", args=[m.pk]), {"reason": "x"},
                       content_type=JSON).status_code == 404
    assert m.pk not in {row["id"] for row in client.get(reverse("meeting-list")).json()["results"]}
    assert Meeting.objects.filter(pk=m.pk, topic="二季度支部党员大会").exists()


def test_outsider_cannot_record_a_meeting_in_branch_a(client_as, tree, people, users):
    client = client_as(users.secretary_b)
    body = {"type": "theme_day", "date": "2025-06-10", "topic": "主题党日"}
    outside = client.post(reverse("meeting-list"), body | {"org": tree.a.pk}, content_type=JSON)
    missing = client.post(reverse("meeting-list"), body | {"org": 999999}, content_type=JSON)
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["field"] == "org"
    assert "不在您的管理范围内" in outside.json()["detail"]
    assert outside.json()["detail"].replace(str(tree.a.pk), "X") == missing.json()["detail"].replace("999999", "X")
    assert not Meeting.objects.exists()


def test_people_of_another_branch_cannot_be_named(api, tree, people):
    body = {"org": tree.a.pk, "type": "member_assembly", "date": "2025-06-10", "topic": "党员大会"}
    for extra, field in (({"present": [people.member_b.pk]}, "present"),
                         ({"excused": {str(people.member_b.pk): "出差"}}, "excused"),
                         ({"chair": people.secretary_b.pk}, "chair"),
                         ({"critiques": [{"from": people.member_b.pk, "text": "意见"}]}, "critiques")):
        r = api.post(reverse("meeting-list"), body | extra, content_type=JSON)
        assert r.status_code == 400 and r.json()["field"] == field, (field, r.json())
        assert "不在您的管理范围内" in r.json()["detail"], r.json()
    assert not Meeting.objects.exists()


def test_member_reads_the_branch_meetings_but_cannot_record_or_change_them(client_as, tree, people, users):
    m = assembly(tree, people)
    do_record_meeting(org=tree.b, type="theme_day", date=dt.date(2025, 6, 12), topic="支部B主题党日")
    client = client_as(users.member_a)
    rows = client.get(reverse("meeting-list")).json()["results"]
    assert [row["id"] for row in rows] == [m.pk]
    assert client.get(reverse("meeting-detail", args=[m.pk])).status_code == 200
    r = client.post(reverse("meeting-list"), {"org": tree.a.pk, "type": "theme_day", "date": "2025-06-10",
                                              "topic": "主题党日"}, content_type=JSON)
    assert r.status_code == 403 and "管理员" in r.json()["detail"]
    assert client.patch(reverse("meeting-detail", args=[m.pk]), {"topic": "改"},
                        content_type=JSON).status_code == 403
    assert client.post(reverse("meeting-delete", args=[m.pk]), {"reason": "x"},
                       content_type=JSON).status_code == 403
    assert Meeting.objects.filter(org=tree.a).count() == 1


# --- lists ----------------------------------------------------------------------------------------
def test_filters_by_org_subtree_type_and_year(client_as, tree, people, users):
    lecture = do_record_meeting(org=tree.a, type="lecture", date=dt.date(2024, 11, 5), topic="党课")
    theme = do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 3, 5), topic="主题党日")
    group = do_record_meeting(org=tree.a1, type="group", date=dt.date(2025, 3, 8), topic="党小组会")
    b = do_record_meeting(org=tree.b, type="theme_day", date=dt.date(2025, 3, 6), topic="支部B主题党日")
    client = client_as(users.committee_admin)

    def ids(**params):
        r = client.get(reverse("meeting-list"), params)
        assert r.status_code == 200, r.json()
        return {row["id"] for row in r.json()["results"]}

    assert ids(org=tree.a.pk) == {lecture.pk, theme.pk}
    assert ids(within=tree.a.pk) == {lecture.pk, theme.pk, group.pk}
    assert ids(type="theme_day") == {theme.pk, b.pk}
    assert ids(year=2024) == {lecture.pk}
    assert ids(within=tree.committee.pk, year=2025, type="theme_day") == {theme.pk, b.pk}


def test_filtering_by_an_org_outside_the_scope_is_refused_like_a_missing_one(client_as, tree, people, users):
    client = client_as(users.secretary_b)
    outside = client.get(reverse("meeting-list"), {"org": tree.a.pk})
    missing = client.get(reverse("meeting-list"), {"org": 999999})
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["field"] == "org"


def test_meeting_list_is_a_constant_number_of_queries(api, tree, people, django_assert_max_num_queries):
    members = [_person(tree.a, f"党员{i}") for i in range(6)]
    for i in range(12):
        do_record_meeting(org=tree.a, type="org_life", date=dt.date(2025, 1, 1) + dt.timedelta(days=7 * i),
                          topic=f"第{i + 1}次组织生活会", chair=people.secretary_a, present=members[:4],
                          excused={members[5]: "病假"},
                          resolutions=[{"motion": "表决", "eligible": 8, "present": 4, "yes": 4}],
                          critiques=[{"from": members[0], "to": members[1], "text": "意见"}])
    # session, user, roles, the member's own org (self-service scope, for meetings and the org filter),
    # count, rows, attendance, resolutions, critiques, session save (3): none per row.
    with django_assert_max_num_queries(13):
        rows = api.get(reverse("meeting-list"), {"limit": 100}).json()["results"]
    assert len(rows) == 12 and all(len(r["attendance"]) == 8 for r in rows)
    assert all(r["critiques"][0]["to_name"] == "党员1" for r in rows)


# --- 谈心谈话 --------------------------------------------------------------------------------------
def test_secretary_records_a_talk_and_the_member_sees_it(client_as, api, tree, people, users):
    r = api.post(reverse("talk-list"), {"a": people.secretary_a.pk, "b": people.member_a.pk,
                                        "date": "2025-12-01", "topic": "组织生活会前谈心谈话"}, content_type=JSON)
    assert r.status_code == 201, r.json()
    assert (r.json()["org"], r.json()["a_name"], r.json()["b_name"]) == (tree.a.pk, "王建国", "李红梅")
    member = client_as(users.member_a)
    assert [t["id"] for t in member.get(reverse("talk-list")).json()["results"]] == [r.json()["id"]]
    refused = member.post(reverse("talk-list"), {"a": people.member_a.pk, "b": people.secretary_a.pk,
                                                 "date": "2025-12-02"}, content_type=JSON)
    assert refused.status_code == 403


def test_a_talk_with_people_of_another_branch_is_refused(client_as, tree, people, users):
    client = client_as(users.secretary_b)
    r = client.post(reverse("talk-list"), {"a": people.secretary_b.pk, "b": people.member_a.pk,
                                           "date": "2025-12-01"}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "b"
    talk = do_record_talk(a=people.secretary_a, b=people.member_a, date=dt.date(2025, 12, 1))
    assert client.get(reverse("talk-detail", args=[talk.pk])).status_code == 404


def test_talk_refusal_from_the_action_names_the_field(api, people):
    r = api.post(reverse("talk-list"), {"a": people.member_a.pk, "b": people.member_a.pk, "date": "2025-12-01"},
                 content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "b"


def test_talk_list_is_a_constant_number_of_queries(api, tree, people, django_assert_max_num_queries):
    others = [_person(tree.a, f"党员{i}") for i in range(10)]
    for p in others:
        do_record_talk(a=people.secretary_a, b=p, date=dt.date(2025, 11, 1))
    # session, user, roles, own org (self-service scope), count, rows, session save (3).
    with django_assert_max_num_queries(11):
        rows = api.get(reverse("talk-list"), {"person": others[3].pk}).json()["results"]
    assert [r["b_name"] for r in rows] == ["党员3"]
    with django_assert_max_num_queries(10):
        assert len(api.get(reverse("talk-list")).json()["results"]) == 10


# --- 民主评议党员 ------------------------------------------------------------------------------------
def test_appraisal_grades_are_recorded_and_read_back(api, tree, people):
    meeting = do_record_meeting(org=tree.a, type="democratic_appraisal", date=dt.date(2025, 12, 20),
                                topic="2025年度民主评议党员")
    extra = _person(tree.a, "张伟")
    r = api.post(reverse("appraisal-list"), {
        "org": tree.a.pk, "year": 2025, "meeting": meeting.pk,
        "grades": [{"person": people.secretary_a.pk, "grade": "qualified"},
                   {"person": people.member_a.pk, "grade": "excellent"},       # 1 of 3: exactly a third
                   {"person": extra.pk, "grade": "basically_qualified"}]}, content_type=JSON)
    assert r.status_code == 201, r.json()
    a = r.json()
    assert (a["excellent_count"], a["total"], a["meeting"]) == (1, 3, meeting.pk)
    assert {g["person_name"]: g["grade_display"] for g in a["grades"]} == {"王建国": "合格", "李红梅": "优秀",
                                                                           "张伟": "基本合格"}
    assert api.get(reverse("appraisal-detail", args=[a["id"]])).json()["grades"] == a["grades"]


def test_more_than_a_third_excellent_is_refused_with_the_rule(api, tree, people):
    extra = _person(tree.a, "张伟")
    grades = [{"person": p.pk, "grade": "excellent"} for p in (people.secretary_a, people.member_a)]
    r = api.post(reverse("appraisal-list"), {"org": tree.a.pk, "year": 2025,
                                             "grades": grades + [{"person": extra.pk, "grade": "qualified"}]},
                 content_type=JSON)
    assert r.status_code == 400
    assert r.json()["rule"] == "EVAL-01" and r.json()["field"] == "grades"
    assert "三分之一" in r.json()["detail"]


def test_probationary_members_take_part_ungraded(api, tree, people):
    p = _person(tree.a, "预备党员", status="probationary", probationary_date=dt.date(2025, 5, 1),
                full_member_date=None)
    body = {"org": tree.a.pk, "year": 2025, "grades": [{"person": people.member_a.pk, "grade": "qualified"},
                                                       {"person": p.pk, "grade": "qualified"}]}
    r = api.post(reverse("appraisal-list"), body, content_type=JSON)
    assert r.status_code == 400 and r.json()["rule"] == "EVAL-02"
    body["grades"][1]["grade"] = None
    r = api.post(reverse("appraisal-list"), body, content_type=JSON)
    assert r.status_code == 201, r.json()
    assert r.json()["total"] == 2


def test_appraisal_of_another_branch_is_hidden_and_cannot_be_recorded(client_as, tree, people, users):
    appraisal = do_record_appraisal(org=tree.a, year=2025, grades={people.member_a: "qualified"})
    client = client_as(users.secretary_b)
    assert client.get(reverse("appraisal-detail", args=[appraisal.pk])).status_code == 404
    r = client.post(reverse("appraisal-list"), {"org": tree.b.pk, "year": 2025,
                                                "grades": [{"person": people.member_a.pk, "grade": "qualified"}]},
                    content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "grades"


def test_appraisal_meeting_must_be_the_orgs_own(api, tree, people):
    other = do_record_meeting(org=tree.b, type="democratic_appraisal", date=dt.date(2025, 12, 20), topic="评议")
    theme = do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 12, 20), topic="主题党日")
    body = {"org": tree.a.pk, "year": 2025, "grades": [{"person": people.member_a.pk, "grade": "qualified"}]}
    assert api.post(reverse("appraisal-list"), body | {"meeting": other.pk},
                    content_type=JSON).json()["field"] == "meeting"
    r = api.post(reverse("appraisal-list"), body | {"meeting": theme.pk}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "meeting"


def test_appraisal_list_is_a_constant_number_of_queries(client_as, tree, people, users,
                                                        django_assert_max_num_queries):
    members = [_person(tree.a, f"党员{i}") for i in range(6)]
    for year in range(2015, 2026):
        do_record_appraisal(org=tree.a, year=year, grades={p: "qualified" for p in members})
    client = client_as(users.committee_admin)
    # session, user, roles, count, rows, grades with their people, session save (3).
    with django_assert_max_num_queries(10):
        rows = client.get(reverse("appraisal-list"), {"org": tree.a.pk}).json()["results"]
    assert [r["year"] for r in rows][:2] == [2025, 2024] and all(r["total"] == 6 for r in rows)


def test_an_excused_key_that_is_not_a_person_id_is_refused_in_chinese_not_a_server_error(api, tree, people):
    """Found by the API fuzzing (schemathesis): `excused` keyed by a name instead of an id gave a 500."""
    r = api.post(reverse("meeting-list"), {"org": tree.a.pk, "type": "theme_day", "date": "2025-06-10",
                                           "topic": "主题党日", "excused": {"张伟": "出差"}}, content_type=JSON)
    assert r.status_code == 400, r.content
    assert "请假人员应以人员编号为键" in str(r.json()) and "张伟" in str(r.json())
