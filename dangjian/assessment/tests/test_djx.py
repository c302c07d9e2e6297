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
