"""General rules added after the first blind set (blind1) was run once (docs/textquality-evaluation.md, 盲测集一):
a critique telling an incident — what the member did to a piece of their own work and what followed — is concrete
without a date; a 述职 sentence carrying only a party slogan ("以党建为引领", "党旗飘扬") is no party building; a
主题党日 record's header lines are no content, party affairs (admission, elections, votes) and 联学联建 are party
activities, and under a party service mechanism members helping residents or enterprises serve the people. The
texts are written for these tests, not taken from the evaluation set."""
from dangjian.textquality import judgements as j


# --- TXT-02: incidents ------------------------------------------------------------------------------------
def test_txt_02_an_incident_with_its_consequence_is_concrete_without_date_or_number():
    for text in ("你经办的采购合同漏填了付款条件，被财务科退回重签。",
                 "你起草的会议通知把报到地点写错了，后来只好重新发布。",
                 "处里的值班电话你转到自己手机上，有一晚没人接，被市里通报批评。",
                 "你审核的简报用了网上下载的图片，后来图片公司发函索赔。"):
        v = j.judge_critique(text)
        assert v.is_concrete, (text, v.why())
    v = j.judge_critique("你经办的采购合同漏填了付款条件，被财务科退回重签。")
    assert "“你经办的”" in v.why() and "“被财务科退回”" in v.why()      # the evidence names the pointer and the consequence


def test_txt_02_pointing_at_own_work_or_a_perfective_verb_alone_is_still_generic():
    for text in ("你分管的工作还需进一步加强，标准不够高。",          # a pointer at one's work, nothing that happened
                 "有时工作忙起来就放松了学习。",                        # a perfective verb in a stock phrase
                 "有时候对上级的决策部署理解不够透彻，在执行中多少打了些折扣。",
                 "你工作太拼了，要注意身体。",
                 "要把学习放在更加突出的位置。"):                      # an exhortation, not a disposal that happened
        v = j.judge_critique(text)
        assert v.is_generic, (text, v.why())


def test_txt_02_an_operational_step_not_taken_and_a_quarter_end_are_checkable():
    assert j.judge_critique("党员积分管理系统你很久没更新，同志们的志愿服务积分都没有录入。").is_concrete
    assert j.judge_critique("你分管的科室预算执行进度到三季度末还没过半，也没有开会分析原因。").is_concrete
    # a delegation that happened: the member had someone else do the member's own task
    assert j.judge_critique("你下乡调研习惯让乡镇提前把汇报材料写好，自己只在县里待了半天。").is_concrete


def test_txt_02_a_meeting_of_incidents_without_dates_is_no_finding():
    v = j.judge_critiques(["你经办的采购合同漏填了付款条件，被财务科退回重签。",
                           "处里的值班电话你转到自己手机上，有一晚没人接，被市里通报批评。",
                           "你审核的简报用了网上下载的图片，后来图片公司发函索赔。",
                           "理论学习还不够深入，需要进一步加强。"])
    assert not v.hit, v.message()


# --- TXT-03: slogans ---------------------------------------------------------------------------------------
def test_txt_03_a_party_slogan_wrapped_around_business_is_not_party_building():
    for sentence in ("三是以党建为引领，落实房地产融资协调机制，促进市场平稳健康发展。",
                     "（二）党旗飘扬保障住房民生。",
                     "（四）党建赋能优化营商环境。",
                     "一年来，我坚持“党建+城建”工作思路，让党旗在城市建设一线高高飘扬。"):
        v = j.classify_duty_sentence(sentence)
        assert not v.counts_as_party, (sentence, v.kind, [m.phrase for m in v.matches])
    # a sentence naming party organisation and what it did stays party building
    assert j.classify_duty_sentence("支部全年组织集中学习12次，召开组织生活会1次，按时收缴党费。").counts_as_party
    report = ("一年来，我坚持“党建+交通”工作思路，让党旗在工程一线高高飘扬。（一）党建赋能项目建设。"
              "全年完成国省道改建48公里，完成投资6.2亿元。（二）党旗飘扬保障安全。排查整治隐患210处。"
              "（三）夯实支部基础。支部全年组织学习12次，按时收缴党费。"
              "下一步，以党建为引领，谋划实施交通项目15个，以党建为引领，全力打造“红色交通”党建品牌。")
    assert j.judge_duty_report(report).hit


# --- TXT-04 ------------------------------------------------------------------------------------------------
def test_txt_04_the_header_lines_of_a_record_are_not_content():
    v = j.judge_theme_day("重温入党誓词", "时间：2024年6月18日下午\n地点：市交通运输局会议室\n"
                          "参加人员：市交通运输局机关第二党支部党员19人\n主持人：支部书记 王某\n活动情况：\n"
                          "全体党员面向党旗重温入党誓词。")
    assert [k for _, k, _, _ in v.parts if k == "other"] == [], v.message()


def test_txt_04_party_affairs_admission_elections_and_votes_are_party_activities():
    for sentence in ("经无记名投票，同意接收张某为预备党员，报机关党委审批。",
                     "新一届支部委员会召开第一次会议，选举产生支部书记、组织委员和纪检委员。",
                     "发展对象汇报了入党动机和本人履历，入党介绍人介绍了其现实表现。"):
        v = j.judge_theme_day("", sentence)
        assert v.parts[0][1] == "party", (sentence, v.message())
    v = j.judge_theme_day("机关党支部换届选举党员大会",
                          "支部书记代表上届支委会作工作报告。经无记名投票差额选举，选出新一届支部委员会委员3名。"
                          "机关党委派员讲话，要求推动支部工作与档案业务深度融合。")
    assert not v.hit, v.message()


def test_txt_04_joint_study_with_a_village_party_organisation_is_a_party_activity():
    v = j.judge_theme_day("支部联学联建 助力乡村振兴",
                          "在村党群服务中心与村党总支召开联学联建座谈会。双方共同学习了《中国共产党农村基层组织工作条例》。"
                          "村党总支书记汇报了发展茶叶产业的做法，村集体收入增加到46万元。"
                          "实地察看了党员示范茶园。双方签订联建协议。")
    assert not v.hit, v.message()


def test_txt_04_members_helping_residents_or_enterprises_under_a_service_mechanism_serve_the_people():
    v = j.judge_theme_day("在职党员到社区报到",
                          "在职党员到社区报到，开展垃圾分类宣传。党员在投放点劝导错误投放28人次。"
                          "党员在楼道清理堆积杂物5处，帮助物业更换分类桶标识。")
    assert not v.hit, v.message()
    v = j.judge_theme_day("党员进企业 政策送上门",
                          "税务局党员志愿服务队向企业财务人员讲解研发费用加计扣除政策，现场解答问题9个。"
                          "企业反映出口退税进度慢，党员当场联系相关科室查询。")
    assert not v.hit, v.message()
    # without a party service mechanism the same work for enterprises is business work
    assert j.judge_theme_day("研发费用加计扣除政策辅导",
                             "向企业财务人员讲解研发费用加计扣除政策，现场解答问题9个，企业申报进度同比提高。").hit
