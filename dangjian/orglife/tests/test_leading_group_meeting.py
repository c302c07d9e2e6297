"""党组会议: a meeting only a 党组 holds, attended by the 党组's members (党组成员, 党组书记), with its
第一议题 recorded (STUDY-01). It is not the members' 组织生活 (REL-01 — they take part in their branches), no
三会一课 rule counts it, and DJX v1 has no type for it (export leaves it out, import refuses it)."""
import datetime as dt

import pytest

from conftest import _person
from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.djx.exporter import export_document
from dangjian.djx.tests.helpers import messages
from dangjian.djx.validation import validate
from dangjian.orglife.actions import (do_record_meeting, do_update_meeting, expected_attendees,
                                      expected_attendees_many)
from dangjian.orglife.choices import counts_as_org_life
from dangjian.orglife.forms import types_for
from dangjian.orglife.models import Attendance, Meeting, sync_attendance
from dangjian.orgs.actions import do_appoint, do_create_org

pytestmark = pytest.mark.django_db
D = dt.date
LGM = "leading_group_meeting"


@pytest.fixture
def lg(tree, people):
    """市交通运输局党组 beside the 机关党委: 党组书记 周书记 (first_responsible) and 党组成员 赵志强 (secretary_b);
    李红梅 (member_a) holds no post in it."""
    group = do_create_org(name="中共市交通运输局党组", type="leading_group", parent=tree.wc, unit=tree.unit)
    group.chief = _person(tree.a, "周书记")
    do_appoint(person=group.chief, org=group, role="first_responsible", start=D(2024, 1, 1), approved=D(2024, 1, 5))
    do_appoint(person=people.secretary_b, org=group, role="leading_group_member", start=D(2024, 1, 1))
    return group


def study_01(as_of=D(2025, 6, 30), **settings):
    ctx = engine.Context(as_of=as_of, settings={**engine.effective_settings(), **settings})
    return [h.subject.pk for _, h in engine.evaluate(ctx, ["STUDY-01"])]


# --- who holds it, who attends ---------------------------------------------------------------------
def test_only_a_leading_group_holds_a_leading_group_meeting(tree, people, lg):
    assert (LGM, "党组会议") in types_for(lg)
    for org in (tree.a, tree.b, tree.committee, tree.wc, tree.a1):
        assert LGM not in dict(types_for(org)), org.name
    with pytest.raises(ActionError, match="党组会议只能由党组召开"):
        do_record_meeting(org=tree.a, type=LGM, date=D(2025, 5, 10), topic="党组会议", present=[people.secretary_a])
    with pytest.raises(ActionError, match="党组会议只能由党组召开"):
        do_record_meeting(org=tree.committee, type=LGM, date=D(2025, 5, 10), topic="党组会议")
    # Nor can a branch's 支委会 be turned into one afterwards.
    committee = do_record_meeting(org=tree.a, type="committee", date=D(2025, 5, 10), topic="支委会",
                                  present=[people.secretary_a])
    with pytest.raises(ActionError, match="党组会议只能由党组召开"):
        do_update_meeting(committee, type=LGM)
    assert Meeting.objects.filter(type=LGM).count() == 0


def test_its_expected_attendees_are_the_leading_groups_members_on_the_day(tree, people, lg):
    assert {p.pk for p in expected_attendees(lg, LGM, D(2025, 5, 10))} == {lg.chief.pk, people.secretary_b.pk}
    # Before their appointment nobody was a 党组成员.
    assert expected_attendees(lg, LGM, D(2023, 12, 31)) == []
    many = expected_attendees_many([(lg.pk, LGM, D(2025, 5, 10)), (lg.pk, LGM, D(2023, 12, 31))])
    assert {p.pk for p in many[(lg.pk, LGM, D(2025, 5, 10))]} == {lg.chief.pk, people.secretary_b.pk}
    assert many[(lg.pk, LGM, D(2023, 12, 31))] == []
    m = do_record_meeting(org=lg, type=LGM, date=D(2025, 5, 10), topic="2025年5月党组会议", present=[lg.chief],
                          chair=lg.chief, first_item_study=True)
    assert (m.expected_count, m.present_count) == (2, 1)
    assert dict(m.attendance.values_list("person_id", "status")) == {lg.chief.pk: "present",
                                                                     people.secretary_b.pk: "absent"}


# --- not organisational life -----------------------------------------------------------------------
def test_a_leading_group_meeting_is_not_organisational_life(tree, people, lg):
    assert counts_as_org_life("held", LGM) is False and counts_as_org_life("held", "democratic_life") is True
    m = do_record_meeting(org=lg, type=LGM, date=D(2025, 1, 10), topic="党组会议", present=[lg.chief])
    assert set(Attendance.objects.filter(meeting=m).values_list("counts_as_org_life", flat=True)) == {False}
    sync_attendance([m.pk])     # (recomputed from the meeting: still not)
    assert set(Attendance.objects.filter(meeting=m).values_list("counts_as_org_life", flat=True)) == {False}


def test_missing_leading_group_meetings_for_six_months_is_not_rel_01(tree, people, lg):
    """赵志强 misses every 党组会议 from January to July: that is no 连续六个月不参加组织生活 — the same absences
    from his branch's 主题党日 are."""
    def rel_01(subject):
        ctx = engine.Context(as_of=D(2025, 7, 31), settings=engine.effective_settings())
        return [h for _, h in engine.evaluate(ctx, ["REL-01"]) if h.subject.pk == subject.pk and h.severity == "WARN"]

    for month in range(1, 8):
        do_record_meeting(org=lg, type=LGM, date=D(2025, month, 10), topic=f"2025年{month}月党组会议",
                          present=[lg.chief])
    assert rel_01(people.secretary_b) == []
    for month in range(1, 8):
        do_record_meeting(org=tree.b, type="theme_day", date=D(2025, month, 12), topic=f"2025年{month}月主题党日",
                          present=[people.member_b])
    assert len(rel_01(people.secretary_b)) == 1


def test_no_three_meetings_rule_counts_a_leading_group_meeting(tree, people, lg):
    """BR-06 wants a monthly 支委会 of each branch: a 党组会议 (even chaired by a branch secretary who is also a
    党组成员) is not one, and BR-08 (who chairs the 三会) does not judge it."""
    from dangjian.orglife.models import meeting_records

    affected = set(engine.affected_rules(meeting_records([LGM])))
    assert affected.isdisjoint({"BR-05", "BR-06", "BR-07", "BR-08", "ORGLIFE-02", "ORGLIFE-03", "ORGLIFE-04",
                                "DLH-01", "TALK-01"})
    assert "STUDY-01" in affected
    m = do_record_meeting(org=lg, type=LGM, date=D(2025, 5, 10), topic="党组会议", chair=people.secretary_b,
                          present=[people.secretary_b])
    ctx = engine.Context(as_of=D(2025, 6, 30), settings=engine.effective_settings())
    assert [r.id for r, h in engine.evaluate(ctx, ["BR-06", "BR-08", "DLH-01"]) if h.subject.pk == m.pk] == []


# --- 第一议题 (STUDY-01) ----------------------------------------------------------------------------
def test_first_item_of_a_leading_group_meeting_at_its_boundaries(tree, people, lg):
    kw = dict(org=lg, type=LGM, present=[lg.chief, people.secretary_b], chair=lg.chief)
    no = do_record_meeting(date=D(2025, 5, 10), topic="研究年度预算", first_item_study=False, **kw)
    yes = do_record_meeting(date=D(2025, 4, 10), topic="传达学习讲话精神", first_item_study=True, **kw)
    unrecorded = do_record_meeting(date=D(2025, 6, 10), topic="研究人事事项", **kw)
    assert unrecorded.first_item_study is None
    assert study_01() == [no.pk]
    assert yes.pk not in study_01() and unrecorded.pk not in study_01()
    assert study_01(first_item_study="off") == []
    do_update_meeting(no, first_item_study=True)
    assert study_01() == []
    do_update_meeting(unrecorded, first_item_study=False)
    assert study_01() == [unrecorded.pk]


def test_the_meeting_form_offers_it_with_the_first_item_only_to_a_leading_group(tree, people, users, lg, client_as):
    client = client_as(users.wc_admin)
    page = client.get(f"/orglife/meetings/new/?org={lg.pk}&type={LGM}").content.decode()
    assert f'value="{LGM}"' in page and "第一议题" in page
    # The checklist: the two 党组 members, not 李红梅 (a member of branch A without a post in the 党组).
    assert f'name="att_{lg.chief.pk}"' in page and f'name="att_{people.secretary_b.pk}"' in page
    assert f'name="att_{people.member_a.pk}"' not in page
    resp = client.post(f"/orglife/meetings/new/?org={lg.pk}", {
        "state": "held", "type": LGM, "date": "2025-05-10", "topic": "2025年5月党组会议", "first_item_study": "0",
        f"att_{lg.chief.pk}": "present", f"att_{people.secretary_b.pk}": "present"})
    m = Meeting.objects.get(type=LGM)
    assert resp.status_code == 302 and m.first_item_study is False and (m.expected_count, m.present_count) == (2, 2)
    # A branch is not offered it, and a forged post is refused with the input kept.
    branch = client_as(users.secretary_a)
    assert f'value="{LGM}"' not in branch.get(f"/orglife/meetings/new/?org={tree.a.pk}").content.decode()
    resp = branch.post(f"/orglife/meetings/new/?org={tree.a.pk}", {
        "state": "held", "type": LGM, "date": "2025-05-10", "topic": "冒充的党组会议"})
    assert resp.status_code == 200 and "冒充的党组会议" in resp.content.decode()
    assert Meeting.objects.filter(org=tree.a).count() == 0


# --- DJX v1 ----------------------------------------------------------------------------------------
def test_djx_export_leaves_leading_group_meetings_out_and_import_refuses_them(tree, people, lg):
    do_record_meeting(org=lg, type=LGM, date=D(2025, 5, 10), topic="党组会议", present=[lg.chief])
    do_record_meeting(org=lg, type="democratic_life", date=D(2025, 5, 11), topic="民主生活会", present=[lg.chief])
    doc = export_document(log=False)
    assert validate(doc) == []
    assert [m["type"] for m in doc["meetings"]] == ["democratic_life"]
    # A file naming the type is refused, as any type DJX v1 does not know.
    doc["meetings"].append({**doc["meetings"][0], "id": "m-x", "type": LGM})
    assert [m for m in messages(validate(doc)) if m.startswith("meetings[1].type：")] == [
        f"meetings[1].type：取值“{LGM}”无效，应为：member_assembly、committee（机关党委）、group（党小组）、lecture、"
        "theme_day、org_life、democratic_appraisal、democratic_life、study_center"]


def test_the_api_records_whether_the_first_item_was_the_study(tree, people, users):
    """第一议题 is recorded through the API as on the form: a 支委会 whose first item was not the study is a finding."""
    from rest_framework.test import APIClient

    from dangjian.core import engine
    from dangjian.core.models import Finding
    from dangjian.orglife.models import Meeting

    client = APIClient()
    client.force_authenticate(users.secretary_a)
    r = client.post("/api/meetings/", {"org": tree.a.pk, "type": "committee", "date": "2026-11-02",
                                       "topic": "研究十一月工作", "present": [people.secretary_a.pk],
                                       "first_item_study": False}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["first_item_study"] is False
    assert Meeting.objects.get(pk=r.json()["id"]).first_item_study is False
    engine.run(as_of=dt.date(2026, 11, 20))
    assert Finding.objects.filter(rule_id="STUDY-01", subject_id=r.json()["id"], state="open").exists()
