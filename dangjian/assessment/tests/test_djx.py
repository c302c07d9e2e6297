"""DJX `reports[]` (djx.md, assessment/djx.py): what the import refuses, with a Chinese message naming the report,
before anything is written (the import is atomic: a refused file leaves no report and no other record behind)."""
import copy

import pytest

from dangjian.assessment.models import Report
from dangjian.djx.actions import do_import_djx
from dangjian.people.models import Person

pytestmark = pytest.mark.django_db

DOC = {
    "format": "djx/1", "meta": {"as_of": "2025-12-31", "title": "报告"},
    "units": [{"id": "u1", "name": "市交通运输局"}],
    "orgs": [{"id": "c1", "name": "局机关党委", "type": "committee", "parent": None, "unit": "u1"},
             {"id": "a", "name": "第一党支部", "type": "branch", "parent": "c1", "unit": "u1"},
             {"id": "b", "name": "第二党支部", "type": "branch", "parent": "c1", "unit": "u1"}],
    "people": [{"id": "sa", "name": "王建国", "org": "a", "status": "full"},
               {"id": "sb", "name": "赵志强", "org": "b", "status": "full"},
               {"id": "sc", "name": "钱书记", "org": "a", "status": "full"}],
    "posts": [{"person": "sc", "org": "c1", "role": "secretary", "start": "2024-01-01"}],
    "reports": [
        {"id": "rep-a", "org": "a", "person": "sa", "year": 2025, "kind": "secretary_duty", "title": "第一党支部述职报告",
         "text": "抓党建工作情况。"},
        # The 机关党委's secretary is a member of branch A and reports for the committee: his post makes it his.
        {"id": "rep-c", "org": "c1", "person": "sc", "year": 2025, "kind": "secretary_duty", "title": "机关党委述职报告",
         "text": "抓党建工作情况。"}],
}


def _errors(report):
    return [str(e) for e in report.errors]


def test_a_valid_file_imports_the_reports(db):
    r = do_import_djx(copy.deepcopy(DOC), run_rules=False)
    assert r.ok, _errors(r)
    assert Report.objects.count() == 2


def test_a_title_longer_than_200_characters_is_refused_not_cut(db):
    doc = copy.deepcopy(DOC)
    doc["reports"][0]["title"] = "关于" + "加强基层党组织建设" * 25          # 227 characters
    r = do_import_djx(doc, run_rules=False)
    assert not r.ok
    msg = " ".join(_errors(r))
    assert "reports[0].title" in msg and "rep-a" in msg and "227" in msg and "200" in msg
    assert Report.objects.count() == 0 and Person.objects.count() == 0      # nothing written


def test_a_long_title_of_a_report_already_imported_changes_nothing(db):
    assert do_import_djx(copy.deepcopy(DOC), run_rules=False).ok
    doc = copy.deepcopy(DOC)
    doc["reports"][1]["text"] = "改过的正文。"
    doc["reports"][0]["title"] = "长" * 201
    doc["reports"].append(doc["reports"].pop(0))            # the bad one last: the good update comes first
    r = do_import_djx(doc, run_rules=False)
    assert not r.ok and any("rep-a" in e for e in _errors(r))
    assert Report.objects.get(external_id="rep-c").text == "抓党建工作情况。"
    assert Report.objects.get(external_id="rep-a").title == "第一党支部述职报告"


def test_the_author_of_a_report_must_belong_to_its_org(db):
    doc = copy.deepcopy(DOC)
    doc["reports"][0]["person"] = "sb"        # 赵志强 of branch B writing branch A's 述职报告
    r = do_import_djx(doc, run_rules=False)
    assert not r.ok
    msg = " ".join(_errors(r))
    assert "reports[0].person" in msg and "rep-a" in msg and "赵志强" in msg and "第一党支部" in msg
    assert Report.objects.count() == 0


def test_a_member_of_a_branch_below_may_author_the_committees_report(db):
    doc = copy.deepcopy(DOC)
    doc["posts"] = []
    doc["reports"][1]["person"] = "sb"        # a member of branch B, under the 机关党委
    assert do_import_djx(doc, run_rules=False).ok


# --- whose report it may be: members now elsewhere, 党小组, reports already here ------------------------
def _moved_doc(letter_date):
    """王建国 wrote branch A's 2025 述职报告 and is now in branch B, moved by a letter of `letter_date`."""
    doc = copy.deepcopy(DOC)
    doc["people"][0]["org"] = "b"
    doc["transfers"] = [{"person": "sa", "direction": "out", "from_org": "a", "to_org": "b",
                         "letter_date": letter_date, "reported_date": letter_date}]
    return doc


def test_an_author_moved_out_after_the_reports_year_began_is_accepted(db):
    r = do_import_djx(_moved_doc("2026-03-01"), run_rules=False)
    assert r.ok, _errors(r)
    assert Report.objects.get(external_id="rep-a").person.name == "王建国"


def test_an_author_who_left_before_the_reports_year_is_refused(db):
    r = do_import_djx(_moved_doc("2024-06-01"), run_rules=False)      # in B all of 2025: not A's report
    assert not r.ok and any("reports[0].person" in e and "王建国" in e for e in _errors(r))


def test_a_group_report_by_a_member_of_the_branch_that_holds_the_group(db):
    doc = copy.deepcopy(DOC)
    doc["orgs"].append({"id": "a1", "name": "第一党小组", "type": "group", "parent": "a", "unit": "u1"})
    doc["people"][0]["group"] = "a1"
    doc["reports"].append({"id": "rep-g", "org": "a1", "person": "sa", "year": 2025, "kind": "self_check",
                           "title": "第一党小组对照检查材料", "text": "查摆问题。"})
    r = do_import_djx(copy.deepcopy(doc), run_rules=False, dry_run=True)
    assert r.ok, _errors(r)
    doc["reports"][-1]["person"] = "sb"            # 赵志强 of branch B: a stranger to A's 党小组
    r = do_import_djx(doc, run_rules=False)
    assert not r.ok and any("reports[2].person" in e and "赵志强" in e for e in _errors(r))


def test_a_report_already_here_keeps_its_author(db):
    assert do_import_djx(copy.deepcopy(DOC), run_rules=False).ok
    doc = copy.deepcopy(DOC)
    doc["people"][0]["org"] = "b"           # moved with no transfer on record: the report is still his
    doc["reports"][0]["text"] = "抓党建工作情况（修订）。"
    r = do_import_djx(copy.deepcopy(doc), run_rules=False)
    assert r.ok, _errors(r)
    assert Report.objects.get(external_id="rep-a").text == "抓党建工作情况（修订）。"
    doc["reports"][0]["person"] = "sb"      # but a new author from branch B is refused
    assert not do_import_djx(doc, run_rules=False).ok


def test_the_platforms_own_export_imports_back(tree, people):
    """Round trip: a 机关党委's export with reports by a member moved away since, a 党小组's report by a member
    of the group (registered in the branch), and a branch report; the file imports back."""
    import datetime as dt

    from dangjian.djx.exporter import export_document
    from dangjian.people.actions import do_move_person

    D = dt.date
    Report.objects.create(org=tree.a, person=people.secretary_a, kind="secretary_duty", year=2025,
                          title="第一党支部书记述职报告", text="抓党建工作情况。", submitted=D(2025, 12, 31))
    Report.objects.create(org=tree.a, person=people.member_a, kind="self_check", year=2025,
                          title="2025年度组织生活会对照检查材料", text="查摆问题。", submitted=D(2025, 12, 31))
    Report.objects.create(org=tree.b, person=people.member_b, kind="self_check", year=2025,
                          title="对照检查材料", text="查摆问题。", submitted=D(2025, 12, 31))
    Report.objects.create(org=tree.a1, person=people.secretary_a, kind="self_check", year=2025,
                          title="党小组对照检查材料", text="查摆问题。", submitted=D(2025, 12, 31))
    Person.objects.filter(pk=people.secretary_a.pk).update(group=tree.a1)
    do_move_person(people.member_a, tree.b, on=D(2026, 3, 1))          # she wrote A's 2025 material
    doc = export_document(org=tree.committee)
    assert len(doc["reports"]) == 4
    r = do_import_djx(copy.deepcopy(doc), run_rules=False, dry_run=True)
    assert r.ok, _errors(r)


def test_a_transfer_with_no_date_does_not_count_as_moved_out(db):
    """A letter with neither a letter date nor a report date cannot show that the author left during (or after)
    the report's year — he may have left A years before — so it does not make him A's author; the message says
    which date to add."""
    doc = _moved_doc(None)
    for k in ("letter_date", "reported_date"):
        doc["transfers"][0].pop(k)
    r = do_import_djx(doc, run_rules=False)
    assert not r.ok
    msg = " ".join(_errors(r))
    assert "reports[0].person" in msg and "王建国" in msg and "没有日期" in msg and "letter_date" in msg
    assert Report.objects.count() == 0
