"""民主评议党员 as the process it is (支部工作条例第十九条, ORGLIFE-06): 个人自评、党员互评、民主测评, then
the branch's grade. The tally informs, the branch decides: a member's votes cannot exceed those who
took part in the 测评, but a grade that disagrees with the tally is only pointed out. EVAL-01 (优秀 at
most a third) and EVAL-02 (预备党员 take part, not graded) hold as before; a 不合格 grade's
disposition stays linked when the appraisal is saved again."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import _person
from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.dispositions.models import Disposition
from dangjian.dispositions.tests.helpers import open_for
from dangjian.orglife import ledger
from dangjian.orglife.actions import do_record_appraisal, do_record_meeting
from dangjian.orglife.models import Appraisal, AppraisalGrade, tally_hint

JSON = "application/json"
YEAR = 2025


def votes(e=None, q=None, b=None, u=None):
    return {"votes_excellent": e, "votes_qualified": q, "votes_basic": b, "votes_unqualified": u}


def probationary(org, name="周预备"):
    return _person(org, name, status="probationary", probationary_date=dt.date(YEAR, 3, 1), full_member_date=None)


def page_url(org, year):
    return reverse("orglife:appraisal_create") + f"?org={org.pk}&year={year}"


# --- the action -------------------------------------------------------------------------------------
def test_self_assessment_peer_opinion_and_the_tally_are_recorded_with_the_grade(tree, people, users):
    a = do_record_appraisal(
        org=tree.a, year=YEAR, raters=12, acting_user=users.secretary_a,
        grades={people.secretary_a: "qualified", people.member_a: "excellent", _person(tree.a, "张伟"): "qualified"},
        details={people.member_a: {"self_assessment": " 认真履行党员义务 ", "peer_opinion": "带头攻坚",
                                   **votes(9, 3, 0, 0)}})
    assert a.raters == 12
    g = a.grades.get(person=people.member_a)
    assert (g.self_assessment, g.peer_opinion) == ("认真履行党员义务", "带头攻坚")
    assert list(g.votes.values()) == [9, 3, 0, 0] and g.tally_hint == ""
    other = a.grades.get(person=people.secretary_a)
    assert list(other.votes.values()) == [None] * 4 and other.self_assessment == ""     # nothing recorded
    assert "参加民主测评12人" in AuditEvent.objects.filter(verb="appraisal.record").latest("pk").summary


def test_existing_callers_passing_only_grades_keep_what_was_recorded(tree, people):
    grades = {people.secretary_a: "qualified", people.member_a: "qualified", _person(tree.a, "张伟"): "qualified"}
    do_record_appraisal(org=tree.a, year=YEAR, grades=grades, raters=10,
                        details={people.member_a: {"peer_opinion": "作风扎实", **votes(2, 8, 0, 0)}})
    a = do_record_appraisal(org=tree.a, year=YEAR, grades=grades | {people.member_a: "excellent"})
    g = a.grades.get(person=people.member_a)
    assert (a.raters, g.grade, g.peer_opinion, g.votes_qualified) == (10, "excellent", "作风扎实", 8)


def test_votes_of_a_member_may_not_exceed_those_who_took_part_and_nothing_is_lost(tree, people):
    do_record_appraisal(org=tree.a, year=YEAR, raters=10,
                        grades={people.secretary_a: "qualified", people.member_a: "qualified"},
                        details={people.member_a: votes(1, 9, 0, 0)})
    with pytest.raises(ActionError) as e:
        do_record_appraisal(org=tree.a, year=YEAR, raters=10,
                            grades={people.secretary_a: "qualified", people.member_a: "basically_qualified"},
                            details={people.member_a: votes(1, 9, 1, 0)})           # 11 votes, 10 raters
    assert e.value.message == "李红梅的测评票数合计11票，超过参加民主测评的10人：每人对每名党员只投一票。"
    a = Appraisal.objects.get(org=tree.a, year=YEAR)
    g = a.grades.get(person=people.member_a)
    assert (g.grade, list(g.votes.values())) == ("qualified", [1, 9, 0, 0])          # the saved record stands
    # Exactly as many votes as raters is fine; lowering the raters below a recorded tally is not.
    do_record_appraisal(org=tree.a, year=YEAR, raters=10, grades={people.secretary_a: "qualified",
                                                                  people.member_a: "qualified"},
                        details={people.member_a: votes(0, 9, 1, 0)})
    with pytest.raises(ActionError, match="超过参加民主测评的9人"):
        do_record_appraisal(org=tree.a, year=YEAR, raters=9, grades={people.secretary_a: "qualified",
                                                                     people.member_a: "qualified"})


def test_tallies_are_whole_numbers_not_negative(tree, people):
    grades = {people.member_a: "qualified"}
    with pytest.raises(ActionError, match="测评“合格”票数不能为负数") as e:
        do_record_appraisal(org=tree.a, year=YEAR, grades=grades, details={people.member_a: votes(q=-1)})
    assert e.value.field == "grades"
    with pytest.raises(ActionError, match="须为整数"):
        do_record_appraisal(org=tree.a, year=YEAR, grades=grades, details={people.member_a: votes(q="三")})
    with pytest.raises(ActionError, match="参加民主测评人数") as e:
        do_record_appraisal(org=tree.a, year=YEAR, grades=grades, raters=-3)
    assert e.value.field == "raters" and not Appraisal.objects.exists()
    with pytest.raises(ActionError, match="不在评议名单中"):
        do_record_appraisal(org=tree.a, year=YEAR, grades=grades, details={people.secretary_a: votes(q=1)})


def test_a_probationary_member_takes_part_with_self_peer_and_tally_but_no_grade(tree, people):
    newcomer = probationary(tree.a)
    a = do_record_appraisal(org=tree.a, year=YEAR, raters=3,
                            grades={people.secretary_a: "qualified", people.member_a: "qualified", newcomer: None},
                            details={newcomer: {"self_assessment": "按时参加组织生活", "peer_opinion": "虚心好学",
                                                **votes(1, 2, 0, 0)}})
    g = a.grades.get(person=newcomer)
    assert g.grade is None and g.votes_qualified == 2 and g.self_assessment == "按时参加组织生活"
    with pytest.raises(ActionError) as e:                                            # EVAL-02 as before
        do_record_appraisal(org=tree.a, year=YEAR, grades={newcomer: "qualified", people.member_a: "qualified"},
                            details={newcomer: votes(1, 2, 0, 0)})
    assert e.value.rule == "EVAL-02"


def test_excellent_is_still_at_most_a_third_exactly_a_third_is_fine(tree, people):
    members = [people.secretary_a, people.member_a] + [_person(tree.a, f"党员{i}") for i in range(4)]
    grades = {p: "qualified" for p in members}
    grades[members[0]] = grades[members[1]] = "excellent"                             # 2 of 6
    tallies = {p: votes(6, 0, 0, 0) for p in members[:3]}
    do_record_appraisal(org=tree.a, year=YEAR, grades=grades, raters=6, details=tallies)
    grades[members[2]] = "excellent"                                                  # 3 of 6, the tally agrees
    with pytest.raises(ActionError, match="三分之一") as e:
        do_record_appraisal(org=tree.a, year=YEAR, grades=grades, raters=6, details=tallies)
    assert e.value.rule == "EVAL-01"


def test_a_grade_far_from_the_tally_is_pointed_out_not_refused(tree, people):
    zhang = _person(tree.a, "张伟")
    a = do_record_appraisal(org=tree.a, year=YEAR, raters=10,
                            grades={people.secretary_a: "qualified", people.member_a: "excellent",
                                    zhang: "unqualified"},
                            details={people.member_a: votes(2, 2, 5, 1), zhang: votes(0, 8, 2, 0)})
    hint = a.grades.get(person=people.member_a).tally_hint
    assert "评定为“优秀”" in hint and "“基本合格”“不合格”共6票" in hint and "供参考" in hint
    assert "“优秀”“合格”共8票" in a.grades.get(person__name="张伟").tally_hint
    # Half is not "most"; a close call (优秀 with mostly 合格 votes) is no disagreement.
    assert tally_hint("qualified", {"excellent": 0, "qualified": 5, "basically_qualified": 5}) == ""
    assert tally_hint("excellent", {"excellent": 3, "qualified": 7}) == ""
    assert tally_hint(None, {"unqualified": 9}) == "" and tally_hint("excellent", {}) == ""


def test_a_disposition_linked_to_the_grade_survives_saving_the_appraisal_again(tree, people, users):
    m = do_record_meeting(org=tree.a, type="democratic_appraisal", date=dt.date(YEAR, 6, 10), topic="民主评议党员",
                          present=[people.secretary_a, people.member_a])
    grades = {people.secretary_a: "qualified", people.member_a: "unqualified"}
    a = do_record_appraisal(org=tree.a, year=YEAR, meeting=m, grades=grades)
    grade = a.grades.get(person=people.member_a)
    d = open_for(people.member_a, users.secretary_a, grounds="appraisal_unqualified", day=dt.date(YEAR, 7, 1),
                 appraisal_grade=grade)
    do_record_appraisal(org=tree.a, year=YEAR, meeting=m, grades=grades, raters=8, acting_user=users.secretary_a,
                        details={people.member_a: {"peer_opinion": "长期不参加组织生活", **votes(0, 1, 2, 5)}})
    d = Disposition.objects.get(pk=d.pk)
    assert d.appraisal_grade_id == grade.pk
    assert d.appraisal_grade.votes_unqualified == 5 and d.appraisal_grade.peer_opinion == "长期不参加组织生活"


def test_someone_else_s_branch_cannot_be_recorded(tree, people, users):
    with pytest.raises(ActionError, match="无权"):
        do_record_appraisal(org=tree.a, year=YEAR, grades={people.member_a: "qualified"},
                            acting_user=users.secretary_b)


# --- the page ----------------------------------------------------------------------------------------
def test_the_page_shows_the_fields_and_the_recorded_tallies(client_as, users, tree, people):
    year = timezone.localdate().year
    newcomer = probationary(tree.a)
    do_record_appraisal(org=tree.a, year=year, raters=7,
                        grades={people.secretary_a: "qualified", people.member_a: "excellent", newcomer: None},
                        details={people.member_a: {"self_assessment": "完成急难险重任务", **votes(1, 1, 4, 1)},
                                 newcomer: votes(2, 5, 0, 0)})
    page = client_as(users.secretary_a).get(page_url(tree.a, year)).content.decode()
    pk = people.member_a.pk
    for name in (f"self_{pk}", f"peer_{pk}", f"votes_excellent_{pk}", f"votes_unqualified_{pk}",
                 f"votes_qualified_{newcomer.pk}", "raters"):
        assert f'name="{name}"' in page
    assert f'name="grade_{newcomer.pk}"' not in page and "不评定等次" in page
    assert 'name="raters" id="raters" value="7"' in page and "完成急难险重任务" in page
    assert f'id="votes_basic_{pk}" value="4"' in page and "优秀 1 · 合格 1 · 基本合格 4 · 不合格 1" in page
    assert "“基本合格”“不合格”共5票" in page                                     # the hint, on the page
    assert "按测评结果预填等次" in page and "<details" in page


def test_a_refused_save_keeps_every_typed_value(client_as, users, tree, people):
    year = timezone.localdate().year
    c = client_as(users.secretary_a)
    sa, ma = people.secretary_a.pk, people.member_a.pk
    data = {"raters": "5", f"grade_{sa}": "qualified", f"grade_{ma}": "qualified",
            f"self_{ma}": "自评：学习不够系统", f"peer_{ma}": "互评：工作踏实",
            f"votes_excellent_{ma}": "1", f"votes_qualified_{ma}": "4", f"votes_basic_{ma}": "1"}
    r = c.post(page_url(tree.a, year), data)
    page = r.content.decode()
    assert r.status_code == 200 and "李红梅的测评票数合计6票，超过参加民主测评的5人" in page
    assert not Appraisal.objects.exists()
    assert 'name="raters" id="raters" value="5"' in page and "自评：学习不够系统" in page and "互评：工作踏实" in page
    assert f'id="votes_basic_{ma}" value="1"' in page and f'id="votes_qualified_{ma}" value="4"' in page
    assert f'<option value="qualified" selected>' in page
    assert f'<details class="mt-1" open>' in page                                  # the member named is unfolded
    # A typo in a count is refused on the page, the typed text kept.
    r = c.post(page_url(tree.a, year), data | {f"votes_basic_{ma}": "一"})
    page = r.content.decode()
    assert "测评“基本合格”票数须填写不小于0的整数" in page and f'id="votes_basic_{ma}" value="一"' in page
    r = c.post(page_url(tree.a, year), data | {f"votes_basic_{ma}": "0"})
    assert r.status_code == 302
    g = AppraisalGrade.objects.get(person=people.member_a)
    assert (g.appraisal.raters, g.votes_qualified, g.votes_basic, g.peer_opinion) == (5, 4, 0, "互评：工作踏实")


def test_prefill_suggests_grades_from_the_tallies_without_overriding_or_exceeding_a_third(
        client_as, users, tree, people):
    year = timezone.localdate().year
    p3, p4 = _person(tree.a, "党员丙"), _person(tree.a, "党员丁")
    c = client_as(users.secretary_a)
    sa, ma = people.secretary_a.pk, people.member_a.pk
    data = {f"grade_{sa}": "excellent",                                               # chosen: stays
            f"votes_excellent_{sa}": "0", f"votes_qualified_{sa}": "9",
            f"votes_excellent_{ma}": "8", f"votes_qualified_{ma}": "1",                # 优秀 most, but 1 of 4 max
            f"votes_qualified_{p3.pk}": "7", f"votes_basic_{p3.pk}": "2",
            f"votes_qualified_{p4.pk}": "3", f"votes_basic_{p4.pk}": "3",              # a tie: left to the branch
            "prefill": "1"}
    r = c.post(page_url(tree.a, year), data)
    page = r.content.decode()
    assert r.status_code == 200 and not Appraisal.objects.exists()                   # nothing saved
    assert f'id="grade_{sa}">\n            <option value="">请选择</option>\n            <option value="excellent" selected>' \
        in page
    assert "已按测评票数最多的等次预填1人" in page and "李红梅的测评票以“优秀”最多" in page and "EVAL-01" in page
    p3_select = page[page.index(f'id="grade_{p3.pk}"'):page.index(f'id="grade_{p3.pk}"') + 400]
    assert '<option value="qualified" selected>' in p3_select
    p4_select = page[page.index(f'id="grade_{p4.pk}"'):page.index(f'id="grade_{p4.pk}"') + 400]
    assert " selected" not in p4_select.split("</select>")[0]
    ma_select = page[page.index(f'id="grade_{ma}"'):page.index(f'id="grade_{ma}"') + 400]
    assert " selected" not in ma_select.split("</select>")[0]


def test_the_sibling_branch_secretary_gets_404(client_as, users, tree, people):
    c = client_as(users.secretary_b)
    assert c.get(page_url(tree.a, timezone.localdate().year)).status_code == 404
    assert c.post(page_url(tree.a, timezone.localdate().year), {"raters": "3"}).status_code == 404


# --- the API -----------------------------------------------------------------------------------------
def test_api_round_trip_of_the_process_fields(client_as, users, tree, people):
    api = client_as(users.secretary_a)
    newcomer = probationary(tree.a)
    body = {"org": tree.a.pk, "year": YEAR, "raters": 9, "grades": [
        {"person": people.secretary_a.pk, "grade": "qualified", **votes(1, 8, 0, 0)},
        {"person": people.member_a.pk, "grade": "excellent", "self_assessment": "自评", "peer_opinion": "互评",
         **votes(1, 2, 6, 0)},
        {"person": newcomer.pk, "grade": None, **votes(0, 9, 0, 0)}]}
    r = api.post(reverse("appraisal-list"), body, content_type=JSON)
    assert r.status_code == 201, r.json()
    a = r.json()
    assert a["raters"] == 9
    by_name = {g["person_name"]: g for g in a["grades"]}
    assert (by_name["李红梅"]["self_assessment"], by_name["李红梅"]["votes_basic"]) == ("自评", 6)
    assert "供参考" in by_name["李红梅"]["tally_hint"] and by_name["王建国"]["tally_hint"] == ""
    assert by_name["周预备"]["grade"] is None and by_name["周预备"]["votes_qualified"] == 9
    assert api.get(reverse("appraisal-detail", args=[a["id"]])).json()["grades"] == a["grades"]
    # Grades only, as before: the recorded tallies and texts stay.
    r = api.post(reverse("appraisal-list"), {"org": tree.a.pk, "year": YEAR, "grades": [
        {"person": people.secretary_a.pk, "grade": "qualified"}, {"person": people.member_a.pk, "grade": "qualified"},
        {"person": newcomer.pk, "grade": None}]}, content_type=JSON)
    assert r.status_code == 201, r.json()
    g = {g["person_name"]: g for g in r.json()["grades"]}["李红梅"]
    assert (r.json()["raters"], g["grade"], g["votes_basic"], g["peer_opinion"]) == (9, "qualified", 6, "互评")


def test_api_refuses_votes_over_the_raters_and_negative_votes(client_as, users, tree, people):
    api = client_as(users.secretary_a)
    body = {"org": tree.a.pk, "year": YEAR, "raters": 3,
            "grades": [{"person": people.member_a.pk, "grade": "qualified", **votes(1, 3, 0, 0)}]}
    r = api.post(reverse("appraisal-list"), body, content_type=JSON)
    assert r.status_code == 400 and "超过参加民主测评的3人" in r.json()["detail"] and r.json()["field"] == "grades"
    body["grades"][0]["votes_qualified"] = -1
    assert api.post(reverse("appraisal-list"), body, content_type=JSON).status_code == 400
    assert not Appraisal.objects.exists()


# --- the 台账 -------------------------------------------------------------------------------------
def test_the_yearly_ledger_lists_the_tallies(tree, people, users):
    import io

    from docx import Document

    do_record_appraisal(org=tree.a, year=YEAR, raters=6,
                        grades={people.secretary_a: "qualified", people.member_a: "excellent",
                                _person(tree.a, "张伟"): "qualified"},
                        details={people.member_a: votes(5, 1, 0, 0)})
    data = ledger.branch_ledger(tree.a, YEAR, users.secretary_a)
    assert data["appraisal"]["raters"] == 6
    assert data["appraisal"]["tallies"] == [{"name": "李红梅", "grade": "优秀", "excellent": 5, "qualified": 1,
                                             "basic": 0, "unqualified": 0}]
    html = ledger.render_html(data)
    assert "参加测评 6 人" in html and "<td>李红梅</td><td>优秀</td><td>5</td><td>1</td>" in html
    doc = Document(io.BytesIO(ledger.render_docx(data)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert "民主测评：参加测评 6 人。" in text and ["李红梅", "优秀", "5", "1", "0", "0"] in cells


def test_api_resubmission_keeps_the_appraisal_meeting_unless_it_is_given(client_as, users, tree, people):
    """The meeting dates the appraisal (EVAL-02 judges probation on that day): leaving it out of a
    second submission keeps it; sending null clears it."""
    api = client_as(users.secretary_a)
    m = do_record_meeting(org=tree.a, type="democratic_appraisal", date=dt.date(YEAR, 12, 10), topic="民主评议党员",
                          present=[people.secretary_a, people.member_a])
    grades = [{"person": people.secretary_a.pk, "grade": "qualified"}, {"person": people.member_a.pk, "grade": "qualified"}]
    r = api.post(reverse("appraisal-list"), {"org": tree.a.pk, "year": YEAR, "meeting": m.pk, "grades": grades},
                 content_type=JSON)
    assert r.status_code == 201 and r.json()["meeting"] == m.pk
    r = api.post(reverse("appraisal-list"), {"org": tree.a.pk, "year": YEAR, "grades": grades}, content_type=JSON)
    assert r.status_code == 201 and r.json()["meeting"] == m.pk
    r = api.post(reverse("appraisal-list"), {"org": tree.a.pk, "year": YEAR, "meeting": None, "grades": grades},
                 content_type=JSON)
    assert r.status_code == 201 and r.json()["meeting"] is None
