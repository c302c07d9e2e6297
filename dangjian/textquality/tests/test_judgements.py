"""TXT-02 (critiques without substance), TXT-03 (述职 dominated by business work), TXT-04 (主题党日 that is not a
party activity): each judged at its threshold, each finding saying why, and each one appearing in the engine and
clearing when the text is corrected."""
import datetime as dt

import pytest

from dangjian.assessment import actions as assessment
from dangjian.core import engine
from dangjian.core.models import Finding
from dangjian.orglife import actions as orglife
from dangjian.textquality import judgements as j

GENERIC = ["希望今后进一步加强理论学习，提高政治站位。", "工作作风还不够扎实，有待提高。", "创新意识不强。"]
CONCRETE = ["今年3月的中心组学习你两次请假，学习笔记也是会后补记的。", "上周例会上你打断了两位同志的发言。",
            "6月份整理的党员档案有4份缺少入党志愿书复印件。"]
BUSINESS = ("全年完成公路建设投资12.5亿元，同比增长8%。新改建农村公路86公里。推进营商环境优化，审批事项办结率100%。"
            "治超执法查处案件320起。党建方面，按要求召开了支部会议。")
PARTY = ("我认真履行抓基层党建第一责任人职责。坚持三会一课制度，全年召开支部党员大会4次、支委会12次，讲党课2次。"
         "规范发展党员程序，发展预备党员2名。组织党员到廉政教育基地接受警示教育。业务方面，完成农村公路建设86公里。")


# --- TXT-02 ----------------------------------------------------------------------------------------------
def test_txt_02_a_critique_is_concrete_when_it_names_a_time_a_count_or_a_behaviour():
    assert j.judge_critique("希望你今后进一步加强理论学习。").is_generic
    learning_with_facts = j.judge_critique("今年3月以来的中心组学习，你有两次请假。")
    assert learning_with_facts.is_concrete      # mentions 学习, and says when and how often
    assert {"今年3月", "两次", "请假"} <= {m.phrase for m in learning_with_facts.concrete}
    # one weak marker (an occasion without what happened there) is not enough; the setting says how much is
    assert j.judge_critique("在工作中有时存在急躁情绪。").is_generic
    assert j.judge_critique("在工作中有时存在急躁情绪。", concrete_min=1).is_concrete


def test_txt_02_the_meeting_is_judged_on_the_share_of_generic_critiques():
    # 3 of 5 generic = 60%: found at the default 60%; 2 of 5 = 40% is not
    assert j.judge_critiques(GENERIC + CONCRETE[:2]).hit
    assert j.judge_critiques(GENERIC + CONCRETE[:2]).percent == 60
    assert not j.judge_critiques(GENERIC[:2] + CONCRETE).hit
    assert not j.judge_critiques(GENERIC + CONCRETE[:2], {"txt_critique_generic_percent": 61}).hit
    assert not j.judge_critiques([]).hit


def test_txt_02_the_message_marks_each_generic_critique():
    msg = j.judge_critiques(GENERIC + CONCRETE[:1]).message(["李红梅→王建国", "王建国→李红梅", "", ""])
    assert "4条中3条（75%，不低于60%）" in msg
    assert "第1条（李红梅→王建国）“希望今后进一步加强理论学习，提高政治站位。”" in msg
    assert "第3条“创新意识不强。”" in msg and "第4条" not in msg


# --- TXT-03 ----------------------------------------------------------------------------------------------
def test_txt_03_each_sentence_is_party_building_business_or_neither():
    assert j.classify_duty_sentence("坚持三会一课制度，全年召开支委会12次。").kind == "party"
    assert j.classify_duty_sentence("全年完成公路建设投资12.5亿元，同比增长8%。").kind == "business"
    assert j.classify_duty_sentence("作为党支部书记，我分管基础教育工作。").kind == "neutral"   # the author's post
    assert j.classify_duty_sentence("我实施“书记项目”，组织党员开展志愿服务。").kind == "party"


def test_txt_03_a_report_below_the_party_share_is_found_with_the_sentences_that_decided_it():
    v = j.judge_duty_report(BUSINESS)
    assert v.hit and v.percent < 40
    msg = v.message()
    assert f"党建内容占{v.percent}%（低于40%）" in msg
    assert "“全年完成公路建设投资12.5亿元，同比增长8%。”" in msg and "“投资”" in msg
    party = j.judge_duty_report(PARTY)     # a business paragraph, but party building dominates
    assert not party.hit and party.percent >= 40
    # the threshold is a setting: at the report's own share it is not found, one point above it is
    assert not j.judge_duty_report(BUSINESS, {"txt_duty_party_percent": v.percent}).hit
    assert j.judge_duty_report(BUSINESS, {"txt_duty_party_percent": v.percent + 1}).hit
    assert j.judge_duty_report("今年工作很忙。").percent is None     # too little to judge


# --- TXT-04 ----------------------------------------------------------------------------------------------
def test_txt_04_an_outing_with_a_fig_leaf_oath_is_not_a_party_activity():
    v = j.judge_theme_day("2025年春季踏青暨主题党日活动", "出发前重温入党誓词。随后游览景区，中午在农家乐聚餐。")
    assert v.hit
    msg = v.message()
    assert "党的活动内容占" in msg and "“踏青”" in msg and "“农家乐”" in msg and "表明是出游" in msg
    assert "党的活动内容：“重温入党誓词”" in msg


def test_txt_04_a_red_education_base_or_volunteer_service_is_a_party_activity():
    assert not j.judge_theme_day("赴红色教育基地开展主题党日", "参观革命纪念馆，重温入党誓词。中午简餐后返回。").hit
    assert not j.judge_theme_day("党员志愿服务进社区", "党员到结对共建社区开展志愿服务，帮助独居老人打扫卫生。").hit
    training = j.judge_theme_day("主题党日：新版公文处理系统操作培训", "讲解新系统的操作流程，大家现场练习。")
    assert training.hit and "表明是业务培训" in training.message()
    sports = j.judge_theme_day("迎新春趣味运动会", "开展拔河、跳绳比赛。")
    assert sports.hit and "表明是文体活动" in sports.message()
    assert not j.judge_theme_day("", "").hit


def test_txt_04_the_party_share_threshold_is_a_setting():
    # topic counts twice: party 2, other 1 → 67%
    v = j.judge_theme_day("学习贯彻全会精神", "会后开展了乒乓球友谊赛。")
    assert v.percent == 67 and not v.hit
    assert j.judge_theme_day("学习贯彻全会精神", "会后开展了乒乓球友谊赛。", {"txt_theme_day_party_percent": 70}).hit


# --- the engine path ----------------------------------------------------------------------------------------
def _open(rule_id):
    return list(Finding.objects.filter(rule_id=rule_id, state="open").values_list("subject_id", "message"))


AS_OF = dt.date(2025, 12, 31)


def test_txt_02_finding_appears_in_the_engine_and_clears_when_the_critiques_are_corrected(tree, people, users):
    sa, ma = people.secretary_a, people.member_a
    m = orglife.do_record_meeting(org=tree.a, type="org_life", date=dt.date(2025, 11, 20), topic="2025年度组织生活会",
                                  present=[sa, ma], critiques=[
                                      {"from": ma, "to": sa, "text": GENERIC[0]},
                                      {"from": sa, "to": ma, "text": GENERIC[1]}], acting_user=users.secretary_a)
    engine.run(as_of=AS_OF, rule_ids=["TXT-02"])
    [(pk, msg)] = _open("TXT-02")
    assert pk == m.pk and "2条中2条（100%" in msg and "第1条（李红梅→王建国）" in msg
    orglife.do_update_meeting(m, critiques=[{"from": ma, "to": sa, "text": CONCRETE[0]},
                                            {"from": sa, "to": ma, "text": CONCRETE[1]}], acting_user=users.secretary_a)
    engine.run(as_of=AS_OF, rule_ids=["TXT-02"])
    assert _open("TXT-02") == []


def test_txt_03_finding_appears_in_the_engine_and_clears_when_the_report_is_rewritten(tree, people, users):
    r = assessment.do_submit_report(kind="secretary_duty", org=tree.a, person=people.secretary_a, year=2025,
                                    title="王建国2025年度抓基层党建工作述职报告", text=BUSINESS,
                                    submitted=dt.date(2025, 12, 20), acting_user=users.secretary_a)
    engine.run(as_of=AS_OF, rule_ids=["TXT-03"])
    [(pk, msg)] = _open("TXT-03")
    assert pk == r.pk and "《王建国2025年度抓基层党建工作述职报告》述职报告以业务工作为主" in msg
    assert Finding.objects.get(rule_id="TXT-03").period == "2025"
    r.text = PARTY
    r.save()
    engine.run(as_of=AS_OF, rule_ids=["TXT-03"])
    assert _open("TXT-03") == []


def test_txt_04_finding_appears_in_the_engine_and_clears_when_the_record_is_corrected(tree, people, users):
    m = orglife.do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 4, 18), topic="春季踏青主题党日",
                                  minutes="全体党员到湿地公园踏青赏花，中午在农家乐聚餐，下午自由活动。",
                                  present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)
    engine.run(as_of=AS_OF, rule_ids=["TXT-04"])
    [(pk, msg)] = _open("TXT-04")
    assert pk == m.pk and "“农家乐”" in msg
    orglife.do_update_meeting(m, topic="赴红色教育基地开展主题党日",
                              minutes="全体党员参观革命纪念馆，在党旗下重温入党誓词，交流学习体会。",
                              acting_user=users.secretary_a)
    engine.run(as_of=AS_OF, rule_ids=["TXT-04"])
    assert _open("TXT-04") == []


@pytest.mark.parametrize("key", ["txt_critique_generic_percent", "txt_critique_concrete_min", "txt_duty_party_percent",
                                 "txt_theme_day_party_percent"])
def test_the_thresholds_are_settings_with_bounds(key):
    from dangjian.core.settings_forms import BOUNDS

    assert key in engine.registry.settings and key in BOUNDS
    assert engine.registry.settings[key].default == j.DEFAULTS[key]
