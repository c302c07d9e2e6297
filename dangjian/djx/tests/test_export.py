"""Export (djx.md): the whole database, one subtree, or what one user may see; ID numbers only for
roles allowed to see them; export → import into an empty database → export gives the same file."""
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.djx.actions import do_import_djx
from dangjian.djx.exporter import export_document
from dangjian.djx.validation import validate
from dangjian.orgs.models import Org, Post, Unit
from dangjian.people.models import Person

from .helpers import example


def wipe():
    """Empty every table the DJX sections fill, as a fresh installation would have them."""
    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.core.models import Finding
    from dangjian.orglife.models import Appraisal, Meeting, Talk

    Appraisal.objects.all().delete()
    Talk.objects.all().delete()
    Meeting.objects.all().delete()
    RoleAssignment.objects.all().delete()
    User.objects.update(person=None)
    Finding.objects.all().delete()
    Post.objects.all().delete()
    Unit.objects.update(head=None)
    Person.objects.all().delete()
    Org.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()


@pytest.fixture
def richer(tree, people):
    """The personas' tree with the things a round trip must keep: a party group, a joint unit,
    a unit head, a sub-department, ID numbers, flags and ended posts."""
    from dangjian.orgs.actions import do_appoint, do_create_unit, do_update_org
    from dangjian.people.actions import do_update_person

    sub = do_create_unit(name="综合处", parent=tree.unit)
    other = do_create_unit(name="市统计局")
    do_update_org(tree.b, joint_units=[tree.unit, other], village_or_community=True, term_years=5)
    Unit.objects.filter(pk=tree.unit.pk).update(head=people.secretary_a)
    do_update_person(people.member_a, group=tree.a1, unit=sub, leading_cadre=True,
                     away_since=dt.date(2025, 3, 1), education="大学本科", ethnicity="汉族")
    do_appoint(person=people.member_a, org=tree.a1, role="group_leader", start=dt.date(2020, 1, 1),
               end=dt.date(2024, 12, 31))
    _orglife_records(tree, people)
    return tree


def _orglife_records(tree, people):
    """组织生活 a round trip must keep: attendance with reasons, votes with zeros that decide the
    outcome, critiques (one a self-criticism), a talk, grades (null for a probationary member)."""
    from conftest import _person
    from dangjian.orglife.actions import do_record_appraisal, do_record_meeting, do_record_talk

    newcomer = _person(tree.a, "新同志", status="probationary", probationary_date=dt.date(2025, 1, 10),
                       full_member_date=None)
    do_record_meeting(org=tree.a, type="member_assembly", date=dt.date(2025, 6, 10), topic="二季度党员大会",
                      chair=people.secretary_a, minutes="会议记录", present=[people.secretary_a, newcomer],
                      excused={people.member_a: "出差"},
                      resolutions=[{"motion": "接收预备党员", "eligible": 2, "present": 1, "yes": 1, "abstain": 0}])
    do_record_meeting(org=tree.a, type="org_life", date=dt.date(2025, 11, 20), topic="组织生活会",
                      present=[people.secretary_a, people.member_a],
                      critiques=[{"from": people.member_a, "to": people.secretary_a, "text": "调研不够"},
                                 {"from": people.secretary_a, "to": None, "text": "学习不够系统"}])
    do_record_meeting(org=tree.b, type="theme_day", date=dt.date(2025, 6, 15), topic="主题党日",
                      present=[people.secretary_b])
    do_record_talk(a=people.secretary_a, b=people.member_a, date=dt.date(2025, 3, 1), topic="谈工作")
    do_record_appraisal(org=tree.a, year=2025, grades={people.secretary_a: "excellent",
                                                       people.member_a: "qualified", newcomer: None})


def test_the_export_is_valid_djx_with_every_section(richer):
    doc = export_document()
    assert validate(doc) == []
    assert list(doc)[:2] == ["format", "meta"] and doc["format"] == "djx/1"
    assert {k for k in doc if k not in ("format", "meta")} == {
        "units", "orgs", "people", "posts", "meetings", "talks", "appraisals", "dues", "recruitment",
        "elections", "transfers", "study", "rectifications", "reports"}
    orgs = {o["name"]: o for o in doc["orgs"]}
    assert orgs["第二党支部"]["joint_units"] and orgs["第二党支部"]["village_or_community"] is True
    assert orgs["第一党小组"]["parent"] == orgs["第一党支部"]["id"]
    assert doc["orgs"][0]["parent"] is None
    member = next(p for p in doc["people"] if p["name"] == "李红梅")
    assert member["group"] == orgs["第一党小组"]["id"] and member["id_number"] == "110105198001010016"
    assert member["id"] == f"p-{Person.objects.get(name='李红梅').pk}"
    ids = {p["name"]: p["id"] for p in doc["people"]}
    ma = next(m for m in doc["meetings"] if m["type"] == "member_assembly")
    assert ma["id"].startswith("m-") and ma["org"] == orgs["第一党支部"]["id"] and ma["chair"] == ids["王建国"]
    assert sorted(ma["expected"]) == sorted([ids["王建国"], ids["李红梅"], ids["新同志"]])
    assert ma["excused"] == {ids["李红梅"]: "出差"} and ma["minutes"] == "会议记录"
    assert ma["votes"] == [{"motion": "接收预备党员", "eligible": 2, "present": 1, "yes": 1}]
    ol = next(m for m in doc["meetings"] if m["type"] == "org_life")
    assert ol["critiques"] == [{"from": ids["李红梅"], "to": ids["王建国"], "text": "调研不够"},
                               {"from": ids["王建国"], "text": "学习不够系统"}]
    assert doc["talks"] == [{"date": "2025-03-01", "a": ids["王建国"], "b": ids["李红梅"], "topic": "谈工作"}]
    assert doc["appraisals"] == [{"org": orgs["第一党支部"]["id"], "year": 2025, "grades": {
        ids["王建国"]: "excellent", ids["李红梅"]: "qualified", ids["新同志"]: None}}]


def test_round_trip_into_an_empty_database_is_lossless(richer):
    first = export_document()
    wipe()
    assert Org.objects.count() == Person.objects.count() == 0
    report = do_import_djx(first)
    assert report.ok, report.errors
    second = export_document()
    assert second == first
    # … and once more, now that every record carries its exchange id.
    report = do_import_djx(second)
    assert report.ok and all(c.created == 0 and c.updated == 0 for c in report.counts.values())
    assert export_document() == first


def test_round_trip_of_the_example(db):
    do_import_djx(example())
    first = export_document()
    wipe()
    do_import_djx(first)
    assert export_document() == first
    ex = example()
    for section in ("units", "orgs", "posts"):
        assert len(first[section]) == len(ex[section])
    assert {p["id"] for p in first["people"]} == {p["id"] for p in ex["people"]}


def test_exporting_into_the_same_database_and_back_matches_by_generated_id(richer):
    doc = export_document()
    report = do_import_djx(doc)
    assert report.ok and all(c.created == 0 for c in report.counts.values()), str(report)


def test_subtree_export(richer):
    doc = export_document(org=richer.a)
    assert [o["name"] for o in doc["orgs"]] == ["第一党支部", "第一党小组"]
    assert doc["orgs"][0]["parent"] is None
    assert {p["name"] for p in doc["people"]} == {"王建国", "李红梅", "新同志"}
    assert {u["name"] for u in doc["units"]} == {"市交通运输局", "综合处"}
    assert [m["type"] for m in doc["meetings"]] == ["member_assembly", "org_life"]
    assert len(doc["talks"]) == 1 and len(doc["appraisals"]) == 1
    assert validate(doc) == []


def test_outsider_gets_404_for_another_branch(client_as, users, tree):
    client = client_as(users.secretary_b)
    assert client.get(reverse("djx_export"), {"org": tree.a.pk}).status_code == 404
    assert client.get(reverse("djx_export"), {"org": "a"}).status_code == 404
    own = client.get(reverse("djx_export"), {"org": tree.b.pk})
    assert own.status_code == 200
    doc = json.loads(own.content)
    assert {p["name"] for p in doc["people"]} == {"赵志强", "孙丽"}


def test_a_scoped_export_carries_only_the_users_meetings_and_never_dangling_ids(client_as, users, richer):
    doc = json.loads(client_as(users.secretary_b).get(reverse("djx_export")).content)
    assert validate(doc) == []
    assert [m["topic"] for m in doc["meetings"]] == ["主题党日"]
    assert doc["talks"] == [] and doc["appraisals"] == []
    # A member sees their branch's meetings but only their own person: the lists name only them.
    doc = json.loads(client_as(users.member_a).get(reverse("djx_export")).content)
    assert validate(doc) == []
    me = doc["people"][0]["id"]
    assert {m["type"] for m in doc["meetings"]} <= {"member_assembly", "org_life"}
    for m in doc["meetings"]:
        assert set(m.get("expected", [])) <= {me} and all(c["from"] == me for c in m.get("critiques", []))


def test_secretary_downloads_their_branch_with_id_numbers(client_as, users, tree, django_assert_max_num_queries):
    client = client_as(users.secretary_a)
    # A constant: about one statement per section (党费, 组织关系转接, 学习 and 整改 added one each; the
    # 个人信息访问记录 of the exported people two: one SELECT of their ids, one INSERT).
    with django_assert_max_num_queries(31):
        response = client.get(reverse("djx_export"), {"org": tree.a.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"] and ".djx.json" in response["Content-Disposition"]
    doc = json.loads(response.content)
    assert validate(doc) == []
    numbers = {p["name"]: p.get("id_number") for p in doc["people"]}
    assert numbers == {"王建国": "11010519491231002X", "李红梅": "110105198001010016"}
    event = AuditEvent.objects.filter(verb="djx.export").latest("id")
    assert event.actor == users.secretary_a and event.data["id_numbers"] == 2
    assert "110105198001010016" not in json.dumps(event.data) + event.summary


@pytest.mark.parametrize("who", ["auditor", "member_a"])
def test_no_id_numbers_for_roles_that_may_not_see_them(client_as, users, who):
    response = client_as(getattr(users, who)).get(reverse("djx_export"))
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["people"], "the user sees some people"
    assert all("id_number" not in p for p in doc["people"])
    assert b"110105198001010016" not in response.content and b"11010519491231002X" not in response.content


def test_a_member_exports_only_their_own_record(client_as, users):
    doc = json.loads(client_as(users.member_a).get(reverse("djx_export")).content)
    assert [p["name"] for p in doc["people"]] == ["李红梅"]


def test_export_requires_login(client):
    assert client.get(reverse("djx_export")).status_code == 302


def test_the_export_command(users, tree, tmp_path):
    out = io.StringIO()
    call_command("export", stdout=out)
    doc = json.loads(out.getvalue())
    assert len(doc["people"]) == 4 and all("id_number" in p for p in doc["people"] if p["name"] in ("王建国", "李红梅"))
    out = io.StringIO()
    call_command("export", "--org", str(tree.b.pk), "--as-user", "auditor", stdout=out)
    doc = json.loads(out.getvalue())
    assert {p["name"] for p in doc["people"]} == {"赵志强", "孙丽"}
    assert all("id_number" not in p for p in doc["people"])
    err = io.StringIO()
    with pytest.raises(SystemExit) as e:
        call_command("export", "--org", str(tree.a.pk), "--as-user", "secretary_b", stderr=err)
    assert e.value.code == 2 and "不在该用户的查看范围内" in err.getvalue()
    target = tmp_path / "out.djx.json"
    call_command("export", "--org", f"org-{tree.a.pk}", "-o", str(target), stderr=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8"))["orgs"][0]["name"] == "第一党支部"
