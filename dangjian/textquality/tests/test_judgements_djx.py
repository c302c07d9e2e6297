"""DJX `reports[]` are imported as Reports and exported again, and `dangjian check` judges TXT-02/03/04 over a
file's meetings (critiques, topic, minutes) and reports (djx.md: subject {"report": id} / {"meeting": id})."""
import copy
import io
import json

from django.core.management import call_command

from dangjian.assessment.models import Report
from dangjian.djx.actions import do_import_djx
from dangjian.djx.check import check_document
from dangjian.djx.exporter import export_document

from .test_judgements import BUSINESS, CONCRETE, GENERIC, PARTY

DOC = {
    "format": "djx/1", "meta": {"as_of": "2025-12-31", "title": "文本质量"},
    "units": [{"id": "u1", "name": "市交通运输局"}],
    "orgs": [{"id": "c1", "name": "局机关党委", "type": "committee", "parent": None, "unit": "u1"},
             {"id": "b1", "name": "第一党支部", "type": "branch", "parent": "c1", "unit": "u1"}],
    "people": [{"id": "p1", "name": "王建国", "gender": "male", "birth_date": "1975-03-02", "org": "b1",
                "status": "full", "probationary_date": "2000-06-01", "full_member_date": "2001-06-01"},
               {"id": "p2", "name": "李红梅", "gender": "female", "birth_date": "1985-05-06", "org": "b1",
                "status": "full", "probationary_date": "2008-06-01", "full_member_date": "2009-06-01"}],
    "posts": [{"person": "p1", "org": "b1", "role": "secretary", "start": "2024-01-01"}],
    "meetings": [
        {"id": "m-life", "org": "b1", "type": "org_life", "date": "2025-11-20", "topic": "2025年度组织生活会",
         "present": ["p1", "p2"], "critiques": [{"from": "p2", "to": "p1", "text": GENERIC[0]},
                                                {"from": "p1", "to": "p2", "text": GENERIC[1]}]},
        {"id": "m-day", "org": "b1", "type": "theme_day", "date": "2025-04-18", "topic": "春季踏青主题党日",
         "present": ["p1", "p2"], "minutes": "全体党员到湿地公园踏青赏花，中午在农家乐聚餐，下午自由活动。"},
        {"id": "m-red", "org": "b1", "type": "theme_day", "date": "2025-05-16", "topic": "赴红色教育基地开展主题党日",
         "present": ["p1", "p2"], "minutes": "参观革命纪念馆，重温入党誓词。"}],
    "reports": [
        {"id": "rep1", "org": "b1", "person": "p1", "year": 2025, "kind": "secretary_duty",
         "title": "2025年度抓基层党建工作述职报告", "text": BUSINESS},
        {"id": "rep2", "org": "b1", "person": "p2", "year": 2025, "kind": "self_check", "title": "对照检查材料",
         "text": "对照党章，我在理论学习上还有差距。"},
        {"id": "rep3", "org": "b1", "kind": "other", "text": BUSINESS}],
}


def _txt(findings):
    return sorted((f["rule"], json.dumps(f["subject"])) for f in findings if f["rule"].startswith("TXT-0")
                  and f["rule"] != "TXT-01")


def test_check_names_the_meetings_and_the_report_by_their_file_ids(db):
    findings = check_document(copy.deepcopy(DOC))
    assert _txt(findings) == [("TXT-02", '{"meeting": "m-life"}'), ("TXT-03", '{"report": "rep1"}'),
                              ("TXT-04", '{"meeting": "m-day"}')]
    txt03 = next(f for f in findings if f["rule"] == "TXT-03")
    assert txt03["period"] == "2025" and "党建内容占" in txt03["message"] and txt03["severity"] == "WARN"
    fixed = copy.deepcopy(DOC)
    fixed["reports"][0]["text"] = PARTY
    fixed["meetings"][0]["critiques"] = [{"from": "p2", "to": "p1", "text": CONCRETE[0]},
                                         {"from": "p1", "to": "p2", "text": CONCRETE[1]}]
    fixed["meetings"][1]["minutes"] = "全体党员参观革命纪念馆，在党旗下重温入党誓词，交流学习体会。"
    fixed["meetings"][1]["topic"] = "赴红色教育基地开展主题党日"
    assert _txt(check_document(fixed)) == []


def test_the_check_command_prints_the_txt_findings_as_json(db, tmp_path):
    path = tmp_path / "t.djx.json"
    path.write_text(json.dumps(DOC, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("check", str(path), "--json", stdout=out)
    assert ("TXT-03", '{"report": "rep1"}') in _txt(json.loads(out.getvalue()))


def test_reports_are_imported_exported_and_reimported_unchanged(db):
    report = do_import_djx(copy.deepcopy(DOC), run_rules=False)
    assert report.ok and (report.counts["reports"].created, report.counts["reports"].total) == (3, 3)
    duty = Report.objects.get(external_id="rep1")
    assert (duty.kind, duty.person.name, duty.year, duty.org.external_id) == ("secretary_duty", "王建国", 2025, "b1")
    assert Report.objects.get(external_id="rep2").kind == "self_check"
    assert Report.objects.get(external_id="rep3").title == "2025年度报告"   # no title, no year: from meta.as_of
    out = export_document(log=False)
    assert [(r["id"], r["kind"]) for r in out["reports"]] == [("rep1", "secretary_duty"), ("rep2", "self_check"),
                                                              ("rep3", "other")]
    assert out["reports"][0]["text"] == BUSINESS and out["reports"][0]["person"] == "p1"
    again = do_import_djx(out, run_rules=False)
    assert again.ok and again.counts["reports"].unchanged == 3 and Report.objects.count() == 3
    changed = copy.deepcopy(out)
    changed["reports"][0]["text"] = PARTY
    assert do_import_djx(changed, run_rules=False).counts["reports"].updated == 1
    assert Report.objects.get(external_id="rep1").text == PARTY


def test_an_invalid_report_imports_nothing(db):
    bad = copy.deepcopy(DOC)
    bad["reports"][0]["kind"] = "annual"
    report = do_import_djx(bad, run_rules=False)
    assert not report.ok and Report.objects.count() == 0


def test_textcheck_runs_the_text_rules_over_a_file_with_a_summary_table(db, tmp_path):
    path = tmp_path / "t.djx.json"
    path.write_text(json.dumps(DOC, ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("textcheck", str(path), stdout=out, stderr=err)
    text = out.getvalue()
    assert "文本质量检查汇总" in text and "会议 m-life" in text and "报告 rep1" in text and "会议 m-red" not in text
    out = io.StringIO()
    call_command("textcheck", str(path), "--json", stdout=out, stderr=io.StringIO())
    assert _txt(json.loads(out.getvalue())) == _txt(check_document(copy.deepcopy(DOC)))
    assert Report.objects.count() == 0      # the file was judged, not imported


def test_textcheck_over_one_org_of_the_database(tree, people, users):
    from dangjian.assessment import actions as assessment

    import datetime as dt
    for org, person, user in ((tree.a, people.secretary_a, users.secretary_a), (tree.b, people.secretary_b,
                                                                                 users.secretary_b)):
        assessment.do_submit_report(kind="secretary_duty", org=org, person=person, year=2025, title="述职报告",
                                    text=BUSINESS, submitted=dt.date(2025, 12, 20), acting_user=user)
    out = io.StringIO()
    call_command("textcheck", "--org", str(tree.a.pk), "--as-of", "2025-12-31", "--json", stdout=out,
                 stderr=io.StringIO())
    found = [f for f in json.loads(out.getvalue()) if f["rule"] == "TXT-03"]
    assert len(found) == 1 and "党建内容占" in found[0]["message"]
