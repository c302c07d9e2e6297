"""General rules added after the review of the evaluation (docs/textquality-evaluation.md): a critique naming what
was done to what is concrete without a date; stock formulas and generalities are not facts; a 述职 sentence that
ties party work to business counts as party building, a slogan does not; a 主题党日 serving the public in a party
mechanism is a party activity, a chaired work meeting is not. Each verdict keeps its evidence."""
from dangjian.textquality import judgements as j


# --- TXT-02 ----------------------------------------------------------------------------------------------
def test_txt_02_an_observable_act_on_a_named_object_is_concrete_without_a_date():
    for text in ("你在处理群众来信时推诿给其他处室，没有跟踪办理结果。",
                 "审核下属报来的报销单时，你没有核对发票就直接签了字。",
                 "支部的谈心谈话记录是你在迎检前补写的。",
                 "企业来电咨询审批进度，你接了电话说去查一下，之后没有回电。"):
        v = j.judge_critique(text)
        assert v.is_concrete, (text, v.why())
        assert "行为" in v.why()          # the evidence names the act and what it was done to
    v = j.judge_critique("你在处理群众来信时推诿给其他处室。")
    assert "“推诿”" in v.why() and "“群众来信”" in v.why()


def test_txt_02_stock_formulas_and_generalities_are_not_facts():
    # a quoted numbered slogan is not a named event, a count or a quotation
    assert j.judge_critique("在树牢“四个意识”、坚定“四个自信”、做到“两个维护”方面，认识还停留在一般性要求上。").is_generic
    assert j.judge_critique("在落实“三会一课”制度方面，有时满足于完成规定动作。").is_generic
    # a behaviour named as a phenomenon that "occurs" is a generality, not something that happened
    assert j.judge_critique("支部迟到早退的情况还不同程度存在，要加强日常管理。").is_generic
    assert j.judge_critique("你分管的科室推诿扯皮现象时有发生，督促检查用力不够。").is_generic
    # still concrete: the same behaviour that happened, with its occasion
    assert j.judge_critique("上个月的支部党员大会你迟到了二十分钟。").is_concrete
    # an abstract wish about the same objects is no act
    assert j.judge_critique("服务企业的意识还需增强，有时对企业反映的问题回应不够及时。").is_generic


# --- TXT-03 ----------------------------------------------------------------------------------------------
INTEGRATED = ("支部把党小组建在国道改建项目上，组建党员攻坚队，带动完成路基工程12公里、桥梁3座，完成投资8.6亿元。")
SLOGAN = "坚持党建引领，全力推进国道改建等重点项目建设，确保完成投资35亿元以上。"


def test_txt_03_a_sentence_tying_party_work_to_business_is_party_building_a_slogan_is_not():
    v = j.classify_duty_sentence(INTEGRATED)
    assert v.kind == "integrated" and v.counts_as_party
    assert j.classify_duty_sentence(SLOGAN).kind == "business"
    assert j.classify_duty_sentence("以党建引领优化营商环境，新登记市场主体4.1万户。").kind == "business"
    report = (INTEGRATED + "在防汛抢险中，支部组建党员突击队，12名党员连续三昼夜值守在水毁路段，抢通道路5处。"
              "政务服务窗口设立党员示范岗4个，党员带头推行帮办代办，窗口办件满意度99%。"
              "全年完成交通固定资产投资32亿元，同比增长9%。")
    d = j.judge_duty_report(report)
    assert not d.hit, d.message()
    assert "党建与业务结合" in d.message()


# --- TXT-04 ----------------------------------------------------------------------------------------------
def test_txt_04_training_given_to_residents_under_a_party_service_mechanism_is_a_party_activity():
    minutes = ("按照在职党员到社区报到的要求，党员到社区开展消防安全宣传。党员为居民开展消防安全培训，讲解灭火器使用方法。"
               "组织居民开展消防演练和疏散演练。党员为独居老人检查电线插座。")
    v = j.judge_theme_day("社区消防安全宣传", minutes)
    assert not v.hit, v.message()
    assert "为民服务" in v.message()
    # the same training given to the branch's own staff, without the mechanism, is a business training
    own = j.judge_theme_day("消防安全知识培训", "邀请消防站教员为机关干部职工开展消防安全培训，讲解灭火器使用方法。"
                            "组织开展消防演练和疏散演练。")
    assert own.hit and "业务培训" in own.message()


def test_txt_04_a_work_meeting_chaired_by_the_secretary_is_not_a_party_activity():
    v = j.judge_theme_day("十一月主题党日", "支部书记主持。综合科通报1—10月重点工作进展，道路养护工程完成年度计划的86%。"
                          "各科室负责人汇报年度任务完成情况。支部书记对年底前工作作了部署，要求完成年度目标。")
    assert v.hit, v.message()
    assert "业务工作" in v.message()
