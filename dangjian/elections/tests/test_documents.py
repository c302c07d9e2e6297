"""The record set of branch A's election, generated from what was recorded: the 选举结果报告 to the 机关党委
and the 选举大会记录 carry the meeting's numbers, each candidate's votes, who was elected, the committee and
the dates; before the count there is nothing to report; B's secretary never sees them."""
import datetime as dt
import io

import pytest

from dangjian.elections import actions

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def members(tree, people):
    from conftest import _person

    return [people.secretary_a, people.member_a] + [_person(tree.a, f"党员{i}") for i in range(3, 9)]


@pytest.fixture
def election(tree, users, members):
    e = actions.do_open_election(org=tree.a, seats=3, request_date=D(2025, 3, 1), acting_user=users.secretary_a)
    actions.do_approve_request(e, on=D(2025, 3, 10), acting_user=users.committee_admin)
    actions.do_set_candidates(e, members[:4], acting_user=users.secretary_a)
    actions.do_approve_candidates(e, on=D(2025, 3, 20), acting_user=users.committee_admin)
    actions.do_add_exclusion(e, person=members[5], reason="abroad", upper_consent=D(2025, 3, 15), assembly_passed=True,
                             acting_user=users.secretary_a)
    return e


@pytest.fixture
def counted(election, members, users):
    actions.do_record_count(election, date=D(2025, 4, 1), expected_voters=50, present_voters=44, ballots_issued=44,
                            ballots_returned=43, invalid_ballots=2,
                            votes={members[0].pk: 40, members[1].pk: 31, members[2].pk: 23, members[3].pk: 22},
                            acting_user=users.secretary_a)
    actions.do_install_committee(election, roles={members[0].pk: "secretary", members[1].pk: "organization",
                                                  members[2].pk: "propaganda"}, acting_user=users.secretary_a)
    actions.do_file_results(election, on=D(2025, 4, 10), acting_user=users.committee_admin)
    return election


def text_of(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_result_report_carries_the_numbers_of_the_count(counted, members, users, client):
    client.force_login(users.secretary_a)
    r = client.get(f"/elections/{counted.pk}/report.docx")
    assert r.status_code == 200 and r["Content-Type"].endswith("wordprocessingml.document")
    assert "filename*=UTF-8''" in r["Content-Disposition"]
    text = text_of(r.content)
    for piece in ("中共市交通运输局机关委员会：", "第一党支部换届于2025年3月1日请示", "2025年3月10日批复同意",
                  "2025年3月20日经审查同意", "2025年4月1日召开党员大会", "应到会有选举权的党员50名",
                  "不计入应到会人数的1名，实际应到会49名", "实到会44名", "超过应到会人数的4/5，会议有效",
                  "发出选票44张，收回43张，其中有效票41张、废票2张", "即23票以上",
                  f"当选：{members[0].name}、{members[1].name}、{members[2].name}。", "2025年4月10日报中共市交通运输局机关委员会备案"):
        assert piece in text, piece
    assert "40\n" in text and "22\n" in text             # every candidate's votes, in the table
    assert f"{members[0].name}\n书记\n2025年4月1日" in text and f"{members[2].name}\n宣传委员" in text
    assert f"{members[3].name}\n22\n未当选" in text


def test_the_meeting_record_carries_the_procedure(counted, members, users, client):
    client.force_login(users.committee_admin)
    text = text_of(client.get(f"/elections/{counted.pk}/record.docx").content)
    for piece in ("2025年3月1日，向中共市交通运输局机关委员会报送换届请示。", "2025年3月10日，上级党组织批复同意。",
                  "候选人预备人选4名", "2025年3月20日，候选人预备人选经上级党组织审查同意。",
                  f"{members[5].name}：自费出国半年以上；上级党组织2025年3月15日同意，经党员大会通过。",
                  "减去经批准不计入的1名，应到会49名；实到会44名", "（超过应到会人数的4/5）：实到44 × 5 = 220，应到49 × 4 = 196，前者大于后者，会议有效",
                  "收回选票不多于发出选票，选举有效", "有效票41张，废票2张", "恰好一半不能当选",
                  "选举结果于2025年4月10日报中共市交通运输局机关委员会备案"):
        assert piece in text, piece
    assert "计票时未记录" not in text                  # the rule in force at the count was kept with it


def test_the_pdf_is_generated_too(counted, users, client):
    client.force_login(users.secretary_a)
    r = client.get(f"/elections/{counted.pk}/report.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_the_follow_up_shows_in_the_record(election, members, users, client):
    actions.do_record_count(election, date=D(2025, 4, 1), expected_voters=50, present_voters=45, ballots_issued=45,
                            ballots_returned=45, votes={members[0].pk: 40, members[1].pk: 30, members[2].pk: 20,
                                                        members[3].pk: 15}, acting_user=users.secretary_a)
    f = actions.do_open_followup(election, acting_user=users.secretary_a)
    actions.do_set_candidates(f, [members[2], members[3]], acting_user=users.secretary_a)
    actions.do_approve_candidates(f, on=D(2025, 3, 25), acting_user=users.committee_admin)
    actions.do_record_count(f, date=D(2025, 4, 1), expected_voters=50, present_voters=45, ballots_issued=45,
                            ballots_returned=45, votes={members[2].pk: 30, members[3].pk: 15}, acting_user=users.secretary_a)
    client.force_login(users.secretary_a)
    text = text_of(client.get(f"/elections/{election.pk}/record.docx").content)
    assert "不足的1名另行选举" in text and f"2025年4月1日另行选举：应选1名，{members[2].name}30票" in text
    assert f"当选{members[2].name}。" in text


def test_a_by_election_report_lists_the_committee_after_it(tree, people, users, members, client):
    e = actions.do_open_election(org=tree.a, seats=1, request_date=D(2025, 6, 1), by_election=True,
                                 acting_user=users.secretary_a)
    actions.do_approve_request(e, on=D(2025, 6, 5), acting_user=users.committee_admin)
    actions.do_set_candidates(e, members[1:3], acting_user=users.secretary_a)
    actions.do_approve_candidates(e, on=D(2025, 6, 10), acting_user=users.committee_admin)
    actions.do_record_count(e, date=D(2025, 6, 20), expected_voters=50, present_voters=45, ballots_issued=45,
                            ballots_returned=45, votes={members[1].pk: 30, members[2].pk: 10}, acting_user=users.secretary_a)
    actions.do_install_committee(e, roles={members[1].pk: "organization"}, acting_user=users.secretary_a)
    client.force_login(users.secretary_a)
    text = text_of(client.get(f"/elections/{e.pk}/report.docx").content)
    assert "第一党支部增补委员于2025年6月1日请示" in text and "增补委员会委员" in text and "增补后的委员会" in text
    assert f"{people.secretary_a.name}\n书记\n2024年3月15日" in text and f"{members[1].name}（增补）\n组织委员" in text


def test_no_documents_before_the_count_and_none_for_an_outsider(election, users, client):
    client.force_login(users.secretary_a)
    for kind in ("report.docx", "record.docx", "report.pdf", "record.pdf"):
        r = client.get(f"/elections/{election.pk}/{kind}", follow=True)
        assert r.redirect_chain[-1][0] == f"/elections/{election.pk}/"
        assert "尚未计票，计票后才能生成选举结果报告和选举大会记录" in r.content.decode()
    assert "计票后可生成选举结果报告" in client.get(f"/elections/{election.pk}/").content.decode()
    client.force_login(users.secretary_b)
    for kind in ("report.docx", "record.docx", "report.pdf", "record.pdf"):
        assert client.get(f"/elections/{election.pk}/{kind}").status_code == 404


def test_a_jurisdiction_template_replaces_the_default(counted, users, client, settings, tmp_path):
    from docx import Document

    settings.VAR_DIR = tmp_path
    target = tmp_path / "doc_templates" / "elections"
    target.mkdir(parents=True)
    doc = Document()
    doc.add_paragraph("本辖区格式：{{ org }}实到{{ present_voters }}人，当选{{ elected_names }}")
    doc.save(target / "report.docx")
    client.force_login(users.secretary_a)
    text = text_of(client.get(f"/elections/{counted.pk}/report.docx").content)
    assert text.startswith("本辖区格式：第一党支部实到44人，当选")


def test_the_record_names_the_inclusive_quorum_used_at_the_count(election, members, users, client):
    """40 of 50 is exactly 4/5: valid only under the inclusive setting, and the record says so."""
    actions.do_record_count(election, date=D(2025, 4, 1), expected_voters=51, present_voters=40, ballots_issued=40,
                            ballots_returned=40, quorum="inclusive",
                            votes={members[0].pk: 35, members[1].pk: 35, members[2].pk: 30, members[3].pk: 10},
                            acting_user=users.secretary_a)
    client.force_login(users.secretary_a)
    text = text_of(client.get(f"/elections/{election.pk}/record.docx").content)
    assert "（达到应到会人数的4/5）：实到40 × 5 = 200，应到50 × 4 = 200，二者相等，会议有效" in text


def test_the_template_commands_write_each_default_to_start_a_jurisdictions_own(tmp_path):
    """`dangjian election_templates --out DIR` (and `recruitment_templates`): one docx per document kind."""
    import io

    from django.core.management import call_command

    from dangjian.elections.documents import KINDS as ELECTION_KINDS
    from dangjian.recruitment.documents import KINDS as RECRUITMENT_KINDS

    for command, kinds in (("election_templates", ELECTION_KINDS), ("recruitment_templates", RECRUITMENT_KINDS)):
        out, target = io.StringIO(), tmp_path / command
        call_command(command, out=str(target), stdout=out)
        assert sorted(p.name for p in target.iterdir()) == sorted(f"{k}.docx" for k in kinds)
        assert all(p.read_bytes()[:2] == b"PK" for p in target.iterdir())
        assert f"共 {len(kinds)} 个模板" in out.getvalue()
