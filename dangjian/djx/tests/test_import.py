"""`do_import_djx` / `dangjian import`: an invalid file imports nothing; a valid one is written in one
transaction; importing the same file again updates instead of duplicating."""
import datetime as dt
import io

import pytest
from django.core.management import call_command

from dangjian.core.models import AuditEvent
from dangjian.djx.actions import do_import_djx
from dangjian.orgs.models import Org, Post, Unit
from dangjian.people.models import Person

from .helpers import example, example_path, minimal


def parent(org):
    return Org.objects.get_parent(org)


def counts():
    return (Unit.objects.count(), Org.objects.count(), Person.objects.count(), Post.objects.count())


def test_the_example_builds_the_tree_people_and_posts(db):
    report = do_import_djx(example())
    assert report.ok and report.committed
    assert counts() == (2, 4, 12, 4)
    b1 = Org.objects.get(external_id="b1")
    assert parent(b1).external_id == "c1" and parent(parent(b1)).external_id == "wc"
    assert b1.unit.external_id == "u1" and b1.committee_elected == dt.date(2024, 3, 15)
    assert b1.term_end == dt.date(2027, 3, 15)
    assert all(not problems for problems in Org.objects.find_problems())
    assert Org.objects.get(external_id="c1").numchild == 2
    p1 = Person.objects.get(external_id="p1")
    assert (p1.org, p1.status, p1.full_member_date) == (b1, "full", dt.date(2010, 7, 1))
    sec = Post.objects.get(person=p1)
    assert (sec.role, sec.org, sec.start, sec.approved) == ("secretary", b1, dt.date(2024, 3, 15), dt.date(2024, 3, 30))
    assert report.skipped == {}
    assert "暂未导入" not in str(report)
    assert "meetings（会议）53 条：新增 53" in str(report) and "talks（谈心谈话）11 条：新增 11" in str(report)
    event = AuditEvent.objects.get(verb="djx.import")
    assert event.data["counts"]["people"]["created"] == 12


def test_an_invalid_file_imports_nothing(db):
    doc = example()
    doc["people"][11]["birth_date"] = "2025-02-30"
    report = do_import_djx(doc)
    assert not report.ok and not report.committed
    assert [str(e) for e in report.errors] == ["people[11].birth_date：日期无效“2025-02-30”（不存在这一天）"]
    assert counts() == (0, 0, 0, 0)
    assert not AuditEvent.objects.filter(verb="djx.import").exists()
    assert str(report).startswith("导入失败，未写入任何数据。")


def test_a_failure_while_writing_rolls_everything_back(db):
    from dangjian.people.actions import do_create_person
    from dangjian.orgs.actions import do_create_org

    org = do_create_org(name="别的支部", type="work_committee")
    do_create_person(name="已登记", org=org, status="full", id_number="110105198001010016",
                     external_id="elsewhere")
    before = counts()
    doc = example()
    # The file's p1 matches nobody by id, but p2 already claims the number's holder by id.
    doc["people"][1]["id"] = "elsewhere"
    for section in ("posts", "meetings", "talks"):
        doc[section] = [r for r in doc[section] if "p2" not in str(r)]
    doc["people"][0].update(id_number="110105198001010016", birth_date="1980-01-01")
    report = do_import_djx(doc)
    assert not report.ok
    assert report.errors[0].path == "people[1]" and "同一人员" in report.errors[0].message
    assert counts() == before


def test_importing_the_same_file_twice_changes_nothing(db):
    do_import_djx(example())
    first = counts()
    report = do_import_djx(example())
    assert report.ok
    assert counts() == first
    assert {s: (c.created, c.updated, c.unchanged) for s, c in report.counts.items()} == {
        "units": (0, 0, 2), "orgs": (0, 0, 4), "people": (0, 0, 12), "posts": (0, 0, 4),
        "meetings": (0, 0, 53), "talks": (0, 0, 11), "appraisals": (0, 0, 0),
        "recruitment": (0, 0, 0), "dues": (0, 0, 0), "transfers": (0, 0, 0), "study": (0, 0, 0),
        "rectifications": (0, 0, 0), "elections": (0, 0, 0), "reports": (0, 0, 0)}


def test_reimport_updates_what_changed(db):
    do_import_djx(example())
    doc = example()
    doc["orgs"][3]["name"] = "第二党支部（更名）"
    doc["orgs"][3]["parent"] = "wc"
    doc["people"][0]["status"] = "suspended"
    doc["posts"][0]["end"] = "2025-06-30"
    doc["units"][1]["head"] = "q1"
    report = do_import_djx(doc)
    assert report.ok
    b2 = Org.objects.get(external_id="b2")
    assert b2.name == "第二党支部（更名）" and parent(b2).external_id == "wc"
    assert Person.objects.get(external_id="p1").status == "suspended"
    assert Post.objects.get(person__external_id="p1").end == dt.date(2025, 6, 30)
    assert Unit.objects.get(external_id="u2").head.external_id == "q1"
    assert {s: c.updated for s, c in report.counts.items()} == {"units": 1, "orgs": 1, "people": 1, "posts": 1,
                                                                "meetings": 0, "talks": 0, "appraisals": 0, "recruitment": 0,
                                                                "dues": 0, "transfers": 0, "study": 0,
                                                                "rectifications": 0, "elections": 0,
                                                                "reports": 0}
    assert all(not problems for problems in Org.objects.find_problems())
    assert counts() == (2, 4, 12, 4)


def test_a_person_already_registered_by_id_number_is_updated_not_duplicated(tree, people):
    doc = minimal(orgs=[{"id": "A", "name": "第一党支部", "type": "branch"}],
                  people=[{"id": "x1", "name": "李红梅", "status": "full", "org": "A",
                           "id_number": "110105198001010016", "birth_date": "1980-01-01",
                           "leading_cadre": True}])
    n = Person.objects.count()
    report = do_import_djx(doc, attach_to=tree.committee)
    assert report.ok, report.errors
    assert Person.objects.count() == n
    people.member_a.refresh_from_db()
    assert people.member_a.external_id == "x1" and people.member_a.leading_cadre


def test_id_numbers_are_stored_encrypted(db):
    doc = example()
    doc["people"][0].update(id_number="11010519491231002X", birth_date="1949-12-31")
    do_import_djx(doc)
    p = Person.objects.get(external_id="p1")
    assert "11010519491231002X" not in p.id_number_encrypted
    assert p.id_number == "11010519491231002X"
    assert Person.objects.by_id_number("11010519491231002x").get() == p
    # A file without the number (an export for someone who may not see it) keeps the stored one.
    do_import_djx(example())
    assert Person.objects.get(external_id="p1").id_number == "11010519491231002X"


def test_dry_run_writes_nothing_but_counts(db):
    report = do_import_djx(example(), dry_run=True)
    assert report.ok and not report.committed and report.dry_run
    assert report.counts["people"].created == 12
    assert counts() == (0, 0, 0, 0)


def test_thousands_of_people_go_in_bulk(db, django_assert_max_num_queries):
    doc = minimal(orgs=[{"id": "wc", "name": "工委", "type": "work_committee"}]
                  + [{"id": f"b{i}", "name": f"第{i}支部", "type": "branch", "parent": "wc"} for i in range(20)],
                  people=[{"id": f"p{i}", "name": f"党员{i}", "status": "full", "org": f"b{i % 20}",
                           "probationary_date": "2010-07-01", "full_member_date": "2011-07-01"}
                          for i in range(2000)],
                  posts=[{"person": f"p{i}", "org": f"b{i}", "role": "secretary", "start": "2024-01-01"}
                         for i in range(20)])
    # Bulk inserts: a few dozen statements for 2,000 people (SQLite caps the parameters per
    # statement at 999, so it needs ~55 batches; PostgreSQL two) — never one per person.
    with django_assert_max_num_queries(100):
        report = do_import_djx(doc)
    assert report.ok and Person.objects.count() == 2000 and Post.objects.count() == 20
    with django_assert_max_num_queries(40):
        report = do_import_djx(doc)
    assert report.counts["people"].unchanged == 2000


def test_a_user_imports_only_within_their_scope(users, tree, people):
    doc = minimal(orgs=[{"id": "g", "name": "第二党小组", "type": "group"}],
                  people=[{"id": "n1", "name": "新同志", "status": "applicant", "org": "g"}])
    # A new top-level org is the work committee's business …
    report = do_import_djx(doc, acting_user=users.secretary_a)
    assert [e.path for e in report.errors] == ["orgs[0].parent"]
    # … and the outsider may not attach anything under branch A.
    report = do_import_djx(doc, acting_user=users.secretary_b, attach_to=tree.a)
    assert not report.ok and "不在您的管理范围内" in report.errors[0].message
    assert not Org.objects.filter(name="第二党小组").exists()
    report = do_import_djx(doc, acting_user=users.secretary_a, attach_to=tree.a)
    assert report.ok
    assert parent(Org.objects.get(external_id="g")) == tree.a


def test_a_user_cannot_take_over_someone_outside_their_scope_by_id_number(users, tree, people):
    doc = minimal(orgs=[{"id": "g", "name": "新党小组", "type": "group"}],
                  people=[{"id": "n1", "name": "李红梅", "status": "full", "org": "g",
                           "id_number": "110105198001010016", "birth_date": "1980-01-01"}])
    report = do_import_djx(doc, acting_user=users.secretary_b, attach_to=tree.b)
    assert [str(e) for e in report.errors] == [
        "people[0].id_number：该公民身份号码已在您管理范围以外的组织登记，请先办理组织关系转接。"]
    people.member_a.refresh_from_db()
    assert people.member_a.org == tree.a


def test_the_import_command(db, tmp_path):
    out = io.StringIO()
    call_command("import", str(example_path()), "--dry-run", stdout=out)
    assert "试导入（未写入数据库）" in out.getvalue() and counts() == (0, 0, 0, 0)
    call_command("import", str(example_path()), stdout=out)
    assert counts() == (2, 4, 12, 4)
    bad = tmp_path / "bad.djx.json"
    bad.write_text('{"format": "djx/1", "orgs": [{"id": "x", "name": "甲", "type": "brunch"}]}', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit) as e:
        call_command("import", str(bad), stderr=err)
    assert e.value.code == 2
    assert "orgs[0].type：取值“brunch”无效" in err.getvalue()
    with pytest.raises(SystemExit):
        call_command("import", str(tmp_path / "missing.json"), stderr=err)
    assert "文件不存在" in err.getvalue()


def test_new_orgs_fit_into_an_existing_tree(tree, people):
    """Paths are allocated after the existing siblings; the tree stays consistent for treebeard."""
    from dangjian.orgs.actions import do_create_org

    doc = minimal(orgs=[{"id": "c", "name": "第三党支部", "type": "branch"},
                        {"id": "c1", "name": "第三党支部第一党小组", "type": "group", "parent": "c"},
                        {"id": "c2", "name": "第三党支部第二党小组", "type": "group", "parent": "c"}])
    assert do_import_djx(doc, attach_to=tree.committee).ok
    assert do_import_djx(minimal(orgs=[{"id": "wc2", "name": "另一工委", "type": "work_committee"}])).ok
    assert all(not problems for problems in Org.objects.find_problems())
    committee = Org.objects.get(pk=tree.committee.pk)
    assert committee.numchild == 3
    assert [o.name for o in Org.objects.get_children(committee)] == ["第一党支部", "第二党支部", "第三党支部"]
    assert Org.objects.get(external_id="c").numchild == 2
    # The ordinary actions keep working on the imported tree.
    later = do_create_org(name="第四党支部", type="branch", parent=committee)
    assert parent(later) == committee and Org.objects.get(pk=tree.committee.pk).numchild == 4
    assert [o.external_id for o in Org.objects.get_root_nodes()][-1] == "wc2"
