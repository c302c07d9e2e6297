"""TXT-01 copied text: judged like an inspector reading the minutes of several branches side by side — the
shared headers and stock sentences do not count; a branch's minutes taken from another's, or from its own
earlier quarter, do."""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.orglife.models import Meeting
from dangjian.textquality import text as T
from dangjian.textquality.copies import find, load_docs

from .samples import COPIED_A_Q3, COPIED_B, REWRITTEN_B, SHORT, SUBSTANCE, minutes

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture
def branches(tree):
    from dangjian.orgs.actions import do_create_org

    c = do_create_org(name="第三党支部", type="branch", parent=tree.committee, unit=tree.unit)
    d = do_create_org(name="第四党支部", type="branch", parent=tree.committee, unit=tree.unit)
    return {"a": tree.a, "b": tree.b, "c": c, "d": d}


def meeting(org, day, substance, chair="王建国", recorder="李红梅", type="member_assembly"):
    text = minutes(f"{day:%Y年%-m月%-d日}", "机关三楼会议室", chair, 12, 11, recorder, substance)
    return Meeting.objects.create(org=org, type=type, date=day, topic="支部党员大会", minutes=text)


@pytest.fixture
def base(branches):
    """Each branch's own first-quarter minutes, all with the same headers and stock sentences."""
    return {
        "a_q1": meeting(branches["a"], dt.date(2025, 1, 8), SUBSTANCE["a_q1"]),
        "a_q2": meeting(branches["a"], dt.date(2025, 4, 10), SUBSTANCE["a_q2"]),
        "c_q1": meeting(branches["c"], dt.date(2025, 2, 12), SUBSTANCE["c_q1"], chair="陈静", recorder="马超"),
        "d_q1": meeting(branches["d"], dt.date(2025, 3, 5), SUBSTANCE["d_q1"], chair="高峰", recorder="林芳"),
    }


def txt01(**overrides):
    engine.run(as_of=AS_OF, rule_ids=["TXT-01"], settings_overrides=overrides or None)
    return {(f.subject_id, f.state): f for f in Finding.objects.filter(rule_id="TXT-01")}


def open_subjects():
    return {f.subject_id for f in Finding.objects.filter(rule_id="TXT-01", state=FindingState.OPEN)}


def test_minutes_sharing_only_headers_and_stock_sentences_are_not_copies(base, branches, monkeypatch):
    # Two short 支委会 minutes, mostly the headers and stock sentences all four branches write.
    meeting(branches["a"], dt.date(2025, 1, 20), SHORT["a"], type="committee")
    b = meeting(branches["b"], dt.date(2025, 2, 20), SHORT["b"], chair="赵志强", recorder="孙丽", type="committee")
    txt01(txt01_min_chars=20)
    assert open_subjects() == set()
    # Without the discount (no stock list, and a sentence would need 99 orgs to be boilerplate) the same texts
    # look copied: the discount, not the length limit, is what keeps them apart.
    monkeypatch.setattr(T, "is_stock", lambda key: False)
    txt01(txt01_min_chars=20, txt01_boilerplate_orgs=99)
    assert b.pk in open_subjects()


def test_the_boilerplate_is_measured_across_the_corpus(base, branches):
    b = meeting(branches["b"], dt.date(2025, 2, 20), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    corpus = T.Corpus(load_docs("meeting", AS_OF), boilerplate_orgs=4)
    a_q1 = next(d for d in corpus.docs if d.key == ("meeting", base["a_q1"].pk))
    assert "会议号召全体党员" not in a_q1.content and "会议时间" not in a_q1.content
    assert "党员先锋岗" in a_q1.content
    # Written by four branches, a sentence off the stock list is common at 4 organisations, not at 5; the stock
    # sentences are discounted either way.
    for m in [*base.values(), b]:
        m.minutes += "\n请各位党员于会后将本季度学习笔记交组织委员统一装订存档备查。"
        m.save()
    corpus = T.Corpus(load_docs("meeting", AS_OF), boilerplate_orgs=4)
    a_q1 = next(d for d in corpus.docs if d.key == ("meeting", base["a_q1"].pk))
    assert "学习笔记" not in a_q1.content
    corpus = T.Corpus(load_docs("meeting", AS_OF), boilerplate_orgs=5)
    a_q1 = next(d for d in corpus.docs if d.key == ("meeting", base["a_q1"].pk))
    assert "学习笔记" in a_q1.content
    assert "会议号召全体党员" not in a_q1.content and "会议时间" not in a_q1.content


def test_b_copying_a_is_found_on_the_later_minutes_with_a_as_evidence(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    assert open_subjects() == {b.pk}
    f = Finding.objects.get(rule_id="TXT-01", subject_id=b.pk)
    assert f.subject_kind == "meeting" and f.org_id == branches["b"].pk and f.severity == "WARN"
    assert "其他党组织2025-01-08的会议记录雷同" in f.message
    pairs = find("meeting", AS_OF, engine.effective_settings())
    assert [(p.earlier.key, p.later.key) for p in pairs] == [(("meeting", base["a_q1"].pk), ("meeting", b.pk))]


def test_a_branch_reusing_its_own_earlier_quarter_is_found(base, branches):
    a_q3 = meeting(branches["a"], dt.date(2025, 7, 9), COPIED_A_Q3)
    txt01()
    assert open_subjects() == {a_q3.pk}
    assert "本组织2025-01-08的会议记录雷同" in Finding.objects.get(subject_id=a_q3.pk, rule_id="TXT-01").message


def test_threshold_boundary(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    pair, = find("meeting", AS_OF, engine.effective_settings())
    assert 0.5 < pair.jaccard < 1
    txt01(txt01_jaccard=round(pair.jaccard, 4) - 0.0001)
    assert open_subjects() == {b.pk}
    txt01(txt01_jaccard=round(pair.jaccard, 4) + 0.0001)
    assert open_subjects() == set()


def test_the_finding_clears_when_the_minutes_are_rewritten(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    assert open_subjects() == {b.pk}
    b.minutes = minutes("2025年3月20日", "机关三楼会议室", "赵志强", 12, 11, "孙丽", REWRITTEN_B)
    b.save()
    engine.run(as_of=AS_OF, org_ids=[branches["b"].pk], rule_ids=["TXT-01"])
    assert open_subjects() == set()
    assert Finding.objects.get(rule_id="TXT-01", subject_id=b.pk).state == FindingState.RESOLVED


def test_an_incremental_run_judges_only_the_changed_orgs_texts(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    engine.run(as_of=AS_OF, org_ids=[branches["c"].pk], rule_ids=["TXT-01"])
    assert open_subjects() == set()
    engine.run(as_of=AS_OF, org_ids=[branches["b"].pk], rule_ids=["TXT-01"])
    assert open_subjects() == {b.pk}


def test_reports_are_judged_among_reports(base, branches, people):
    from dangjian.assessment.models import Report

    text_a = "一、履行职责情况。" + SUBSTANCE["a_q1"] + SUBSTANCE["a_q2"]
    ra = Report.objects.create(kind="secretary_duty", org=branches["a"], person=people.secretary_a, year=2024,
                               title="2024年度述职报告", text=text_a, submitted=dt.date(2025, 1, 20))
    rb = Report.objects.create(kind="secretary_duty", org=branches["b"], person=people.secretary_b, year=2024,
                               title="2024年度述职报告", text=text_a.replace("李红梅、张伟", "孙丽、刘洋"),
                               submitted=dt.date(2025, 1, 25))
    txt01()
    f = Finding.objects.get(rule_id="TXT-01", subject_kind="report")
    assert f.subject_id == rb.pk and ra.pk != rb.pk and "报告" in f.message


def test_djx_check_reports_txt01_on_the_copied_meeting(db):
    from dangjian.djx.check import check_document
    from dangjian.djx.tests.helpers import minimal

    orgs = [{"id": "wc", "name": "工委", "type": "work_committee", "parent": None}] + [
        {"id": k, "name": f"第{i}党支部", "type": "branch", "parent": "wc"} for i, k in enumerate("abcd", 1)]
    texts = {"a1": ("a", "2025-01-08", SUBSTANCE["a_q1"]), "a2": ("a", "2025-04-10", SUBSTANCE["a_q2"]),
             "c1": ("c", "2025-02-12", SUBSTANCE["c_q1"]), "d1": ("d", "2025-03-05", SUBSTANCE["d_q1"]),
             "b1": ("b", "2025-03-20", COPIED_B)}
    meetings = [{"id": mid, "org": org, "type": "member_assembly", "date": day, "topic": "支部党员大会",
                 "minutes": minutes(day, "三楼会议室", "王建国", 12, 11, "李红梅", sub)}
                for mid, (org, day, sub) in texts.items()]
    findings = [f for f in check_document(minimal(orgs=orgs, meetings=meetings)) if f["rule"] == "TXT-01"]
    assert [(f["subject"], f["severity"]) for f in findings] == [({"meeting": "b1"}, "WARN")]


def test_the_similarity_settings_take_only_a_share_between_bounds():
    """TXT-01's thresholds are shares: text or a comma decimal is refused in Chinese (it would stop every rule's
    run), and a boilerplate count below 2 would call every sentence boilerplate."""
    from dangjian.core.errors import ActionError
    from dangjian.core.settings_forms import check_value

    assert check_value("txt01_jaccard", "0.6") == 0.6
    for key, bad in (("txt01_jaccard", "很高"), ("txt01_copied_share", "0,6"), ("txt01_jaccard", "1.5"),
                     ("txt01_jaccard", "0"), ("txt01_boilerplate_orgs", "1")):
        with pytest.raises(ActionError):
            check_value(key, bad)
