"""The phrase lists behind TXT-02/03/04: what makes a critique concrete or generic, what is party building and
what is business work in a 述职报告, what marks a 主题党日 as an outing, a sports day or a business training — and
what marks it as a party activity after all (a visit to a 红色教育基地 is one).

Everything here is a plain list a reviewer can read and extend: each phrase carries a weight, matching is on the
text itself (longest phrase first, a matched span is not counted again), and every finding names the phrases that
decided it. Patterns (`re`) cover what a list cannot: dates, counts, quoted names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Match:
    phrase: str      # the text matched
    label: str       # the entry it matched (a phrase, or a pattern's name)
    kind: str        # the list it belongs to ("concrete", "generic", "party", "business", "出游" …)
    weight: float
    start: int
    end: int


def combine(**lists: dict) -> dict[str, tuple[str, float]]:
    """One table phrase → (list name, weight) from several lists; a value may itself be (kind, weight)."""
    out: dict[str, tuple[str, float]] = {}
    for name, phrases in lists.items():
        for phrase, w in phrases.items():
            out.setdefault(phrase, w if isinstance(w, tuple) else (name, w))
    return out


def find(text: str, table: dict[str, tuple[str, float]],
         patterns: tuple[tuple[str, str, re.Pattern, float], ...] = ()) -> list[Match]:
    """The patterns, then the phrases (longest first) found in `text`, no two overlapping: "红色教育基地" is
    one party marker, not also a visit; "书记项目" is party building, not a 项目."""
    spans: list[tuple[int, int]] = []
    out: list[Match] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in spans)

    for name, kind, pattern, weight in patterns:
        for m in pattern.finditer(text):
            if m.end() > m.start() and free(m.start(), m.end()):
                spans.append((m.start(), m.end()))
                out.append(Match(m.group(0), name, kind, weight, m.start(), m.end()))
    for phrase in sorted(table, key=lambda p: (-len(p), p)):
        kind, weight = table[phrase]
        start = text.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            if free(start, end):
                spans.append((start, end))
                out.append(Match(phrase, phrase, kind, weight, start, end))
            start = text.find(phrase, end)
    out.sort(key=lambda m: m.start)
    return out


# --- TXT-02: critiques ---------------------------------------------------------------------------------
# A critique is concrete when it names a fact that can be checked: a time, a count, an occasion, a behaviour.
_NUM = r"[0-9０-９一二两三四五六七八九十百几多半]"
# Numbered formulas of party language ("四个意识", "两个维护", "三会一课", also in quotes) are slogans, not counts,
# named events or quotations: matched first, they weigh nothing.
SLOGANS = ("四个意识", "四个自信", "两个维护", "两个确立", "四个全面", "五位一体", "三严三实", "两学一做", "三会一课",
           "四风", "四下基层", "八项规定", "一岗双责", "四个服从", "三个代表", "四个伟大", "五个必由之路", "两个结合",
           "两个务必", "四强", "第一议题", "两张皮", "一把手", "急难愁盼", "放管服")
SLOGAN_PATTERN = re.compile("“?(?:" + "|".join(sorted(SLOGANS, key=len, reverse=True)) + ")”?")
CONCRETE_PATTERNS: tuple[tuple[str, str, re.Pattern, float], ...] = (
    ("套语", "slogan", SLOGAN_PATTERN, 0.0),
    ("日期", "concrete", re.compile(r"(?:20\d\d|今|去|上)年(?:\d{1,2}|[一二三四五六七八九十]{1,2})?月?(?:份|初|底|中旬|上旬|下旬)?"
                      r"|\d{1,2}月\d{1,2}日|\d{1,2}月(?:份|初|底|中旬|上旬|下旬)|[一二三四五六七八九十]{1,2}月(?:份|初|底|中旬|上旬|下旬|\d)"
                      r"|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}[日号]|第[一二三四1-4]季度|[一二三四1-4]季度(?:末|初)?|[上下]半年|年初|年底|年中|春节前|国庆前|汛期"), 2.0),
    ("次数", "concrete", re.compile(_NUM + r"{1,3}(?:次|回|趟|遍)(?!序)"), 2.0),
    ("数量", "concrete", re.compile(_NUM + r"{1,4}(?:个|件|份|篇|项|天|周|小时|分钟|名|人|家|起|条|笔|处|万元|元|期|批|户|页|张|本|封|单)"), 1.5),
    ("百分比", "concrete", re.compile(r"\d+(?:\.\d+)?%|百分之[一二三四五六七八九十]+"), 1.5),
    ("具名事项", "concrete", re.compile(r"《[^》]{2,30}》|“[^”]{2,20}”"), 1.5),
    ("场合", "concrete", re.compile(r"在[^，。；,;]{2,24}?(?:会上|会议上|检查中|调研中|工作中|过程中|期间|时|项目上|现场)"), 1.5),
)
# An incident told without a date or a number (first blind set: "你承办的那起合同纠纷……审管办发了督办单", "你审核的宣传稿
# 里用了网上下载的一张照片，后来被图片公司发函索赔"). Five kinds of marker, each counted once per critique and each
# lighter than the default threshold, so that one alone is no fact ("你分管的工作还需加强", "放松了学习") and two together
# tell what happened:
# * 指认 — the critic points at a piece of the member's own work: "你负责的/承办的/审核的 X" (not "的工作/方面"), "那起/那份";
# * 经过 — a verb in the perfective with what it did: "写错了一个字", "改了日期", "吃了工作午餐" (not "了解", "打了些折扣",
#   sentence-final "太拼了", nor attitude verbs "放松了/忽视了/淡化了/降低了");
# * 后果 — what others did about it afterwards: "被机关党委退回", "通报了", "督办单", "发函索赔", "才发现", "只好重新发布",
#   "同事有意见";
# * 处置 — the member's disposal of a thing, right after "你" or the scene: "你接访时把身份证复印件放在接待台上", "你把合作
#   课题写成个人完成" (not "要把学习放在首位", "一忙就把学习放在一边");
# * 场景/委托 — the scene the member was in ("统计执法检查时你", "你接访时") or a delegation of the member's own task
#   ("让办公室提前准备讲话稿", "只让本人写了情况说明").
INCIDENT_ONCE = ("指认", "经过", "后果", "处置", "场景", "委托")
INCIDENT_PATTERNS: tuple[tuple[str, str, re.Pattern, float], ...] = (
    ("指认", "concrete", re.compile(r"你(?:负责|承办|经办|拟写|起草|审核|组织|主持|办理|牵头|接待|编写|撰写|制定|回复|联系|"
                                    r"分管|提交|报送|填报)的(?!工作|领域|方面|业务|同志|科室|处室|部门|单位|人)"
                                    r"|那(?:起|份|户|笔|篇|张|批|件|封|单|场)"), 1.0),
    ("后果", "concrete", re.compile(r"被[^，。；,;]{0,10}?(?:退回|通报|点名|批评|约谈|追责|问责|投诉|举报|索赔|曝光|处分|扣分|督办|驳回)"
                                    r"|通报了|督办单|发函|索赔|补正|更正函|才发现|只好|重新(?:发布|印发|上报|报送|办理|制作|填报)"
                                    r"|后来|有意见|不满(?!足|意)"), 1.0),
    ("场景", "concrete", re.compile(r"你[^，。；,;]{1,10}?(?<![有平同及按随当临暂准])时|[^，。；,;]{2,12}?(?<![有平同及按随当临暂准])时(?=，?你)"),
     1.0),
    ("处置", "concrete", re.compile(r"(?:(?<=你)|(?<=时))把[^，。；,;]{1,20}?(?:放在|写成|写错|改成|改为|转到|转给|交给|扔在|丢在|忘在|"
                                    r"带回|删|漏|弄丢|搞错|填错|告诉)"), 1.0),
    ("委托", "concrete", re.compile(r"让[^，。；,;]{1,6}?(?:把|替|代|帮|提前|写|准备|去)"), 1.0),
    ("经过", "concrete", re.compile(r"(?<![为除太])(?!(?:松|视|略|化|低|懈|弱|响)了)[\u4e00-\u9fff]了(?![解些\s，。；,;！？!?、”]|$)"), 1.0),
)
CONCRETE_PHRASES: dict[str, float] = {
    # an occasion or an example given
    "比如": 1.5, "例如": 1.5, "有一次": 2.0, "那次": 1.5, "当时": 1.0, "上次": 1.5, "这次": 1.0, "当天": 1.0,
    "上周": 2.0, "上个月": 2.0, "那天": 1.5, "那一天": 1.5, "有一晚": 2.0, "有一天": 2.0, "有一回": 2.0, "会上": 1.0, "到现在": 1.0, "至今": 1.0, "还没有": 0.5, "前段时间": 1.0, "最近一次": 1.5, "具体表现在": 1.0,
    # behaviours one can witness
    "迟到": 2.0, "早退": 2.0, "缺席": 2.0, "请假": 1.5, "没有参加": 1.5, "未参加": 1.5, "玩手机": 2.0, "看手机": 2.0,
    "打断": 1.5, "推给": 1.5, "推诿": 1.0, "拖了": 1.5, "拖到": 1.5, "逾期": 1.5, "超期": 1.5, "退回": 1.5,
    "照搬": 1.0, "代写": 2.0, "代签": 2.0, "补签": 2.0, "补记": 2.0, "没有回复": 1.5, "未回复": 1.5, "没回": 1.5,
    "发脾气": 2.0, "顶撞": 2.0, "拍桌子": 2.0, "公车": 1.5, "饭局": 1.5, "收受": 1.5, "报销": 1.0,
    "群众来电": 1.5, "投诉": 1.5, "信访件": 1.5, "台账": 1.0, "签到表": 1.5, "笔记本": 1.0, "学习强国": 1.0,
    "没有按时": 1.5, "未按时": 1.5, "没有按期": 1.5, "未按期": 1.5, "没有交": 1.5, "未交": 1.5, "没交": 1.5,
    "只发了": 1.5, "只讲了": 1.5, "只看了": 1.5, "只用了": 1.5, "没有到场": 1.5, "没到": 1.0, "让同事": 1.5,
    "直接转发": 1.5, "一字不改": 1.5, "原样照抄": 2.0, "会前": 1.0, "会后": 1.0, "窗口": 1.0, "办事群众": 1.5,
}
# An observable act done to a named object or in a named scene is concrete without a date: "你在处理群众来信时推诿给
# 其他处室", "没有核对发票就签了字", "谈心谈话记录是你补写的". Both must stand in the same or adjacent clauses
# (`judgements.judge_critique`). Acts are what one can watch someone do (or fail to do); objects are things one can
# point at — a letter, an invoice, a record, a meeting, a window, a project.
ACTS = ("推诿", "推给", "转给", "转走", "踢皮球", "签了字", "签字", "签批", "签发", "代读", "代写", "代签", "代填", "补写",
        "补记", "补签", "抄录", "照抄", "照着", "念稿", "接电话", "接了电话", "出去", "离开", "回到会场", "表态", "定调", "否定",
        "拍了照片", "压到", "压着", "搁置", "堆放", "打了", "打分", "发到群里", "转发", "删除", "删掉", "占用", "让人家", "回去补",
        "挂在", "交给", "交上来", "漏报", "迟交", "超过", "收了", "收受", "吃请", "宴请", "打断", "顶撞", "训斥", "提前通知",
        "通知乡镇", "看安排好的", "口头提醒", "改文件", "修改", "玩手机", "看手机", "睡觉", "缺席", "请假", "迟到", "早退",
        "退回", "驳回", "拒收", "不接", "挂断", "拖着", "拖到", "发火", "拍桌子", "安排亲属", "打招呼", "当场")
ACT_PATTERNS: tuple[re.Pattern, ...] = (
    # an act that was not done: "没有核对", "没回电", "未审核", "一直没有清理"
    re.compile(r"(?:没有|没|未|从未|从不|不)(?:去|再|及时|认真|按时|当面|按规定|专门)?(?:核对|审核|审|回复|回电|跟踪|下达|清理|签字|复查|到场|"
               r"参加|上报|报送|告知|说明|记录|反馈|发言|核实|登记|归档|征求|回访|公示|传达|组织|面对面|赶上|写|"
               # operational steps a member can be seen to skip (first blind set: "很久没更新", "没有录入", "没有查询就通过")
               r"更新|录入|查询|付费|缴费|清点|办结|通知|告诉|补学|开会|归还)"),
    # an act limited to less than was due: "只写了整改措施", "只拍了照片", "只是口头提醒"
    re.compile(r"只(?:是)?(?:写|拍|说|发|讲|看|用|念|转|签|交|做|填|口头|打)"),
)
OBJECTS = ("群众来信", "来信", "来电", "来访", "电话", "材料", "文件", "公文", "请示", "报告", "发票", "报销单", "单据", "拨付单",
           "合同", "台账", "记录", "笔记", "意见表", "照片", "系统", "档案", "工作群", "群里", "项目", "工地", "通道", "窗口",
           "大厅", "班子会", "例会", "支委会", "党员大会", "会场", "现场", "乡镇", "村组", "企业", "群众", "居民", "处室",
           "科室", "施工单位", "整改通知", "承诺书", "党费", "签到表", "原文", "行程单", "审批", "登记", "建议", "评议", "表决",
           "会上", "开会", "讨论", "调研", "检查", "信访件", "投诉", "办件", "申请")
# Words that make a behaviour a generality ("迟到早退的情况还不同程度存在", "推诿扯皮现象时有发生"): in such a clause
# neither the behaviour phrases nor an act on an object count as concrete.
GENERALITY = re.compile(r"现象|倾向|时有发生|不同程度|屡见不鲜|的情况还|的问题还|有时存在|存在[^，。；]{0,6}(?:问题|情况)")

# Phrases of the stock critique: they say a member should do better at something, without saying what happened.
GENERIC_PHRASES: dict[str, float] = {
    "加强学习": 1.0, "加强理论学习": 1.0, "学习不够深入": 1.0, "学习不够系统": 1.0, "学习不深不透": 1.0,
    "理论学习不够": 1.0, "学用结合不够": 1.0, "有待提高": 1.0, "有待加强": 1.0, "有待进一步": 1.0, "还需加强": 1.0,
    "还需进一步": 1.0, "进一步加强": 1.0, "进一步提高": 1.0, "进一步提升": 1.0, "不够扎实": 1.0, "不够到位": 1.0,
    "存在差距": 1.0, "存在不足": 1.0, "政治站位": 1.0, "宗旨意识": 1.0, "担当精神": 1.0, "创新意识": 1.0,
    "工作作风": 1.0, "大局意识": 1.0, "标准不高": 1.0, "要求不严": 1.0, "希望今后": 1.0, "希望以后": 1.0,
    "多加注意": 1.0, "继续努力": 1.0, "再接再厉": 1.0, "有所放松": 1.0, "有所淡化": 1.0, "不够强": 1.0,
    "不够高": 1.0, "不够深": 1.0, "不够严": 1.0, "不够主动": 1.0, "不够积极": 1.0, "还不够": 1.0, "不够": 0.5,
    "加强": 0.5, "提高": 0.5,
}


# --- TXT-03: 述职报告 ------------------------------------------------------------------------------------
PARTY_PHRASES: dict[str, float] = {
    "党建": 2.0, "党的建设": 2.0, "基层党建": 2.0, "党支部": 2.0, "党组织": 2.0, "党小组": 2.0, "支委会": 2.0,
    "支部委员": 2.0, "支部": 1.0, "三会一课": 2.0, "主题党日": 2.0, "组织生活": 2.0, "民主生活会": 2.0,
    "民主评议": 2.0, "谈心谈话": 2.0, "党课": 2.0, "党员大会": 2.0, "发展党员": 2.0, "入党积极分子": 2.0,
    "入党申请": 2.0, "预备党员": 2.0, "党费": 2.0, "党员": 1.0, "党性": 2.0, "党章": 2.0, "党规": 1.5,
    "党纪": 1.5, "党内": 1.5, "党风廉政": 2.0, "廉政": 1.5, "廉洁": 1.5, "全面从严治党": 2.0, "主体责任": 1.5,
    "第一责任人": 1.5, "一岗双责": 1.5, "意识形态": 2.0, "理论学习": 1.5, "中心组": 1.5, "学习贯彻": 1.0,
    "习近平新时代中国特色社会主义思想": 2.0, "思想政治": 1.5, "政治理论": 1.5, "政治建设": 2.0, "政治生日": 2.0,
    "入党誓词": 2.0, "初心使命": 1.5, "红色教育": 2.0, "警示教育": 2.0, "中央八项规定": 2.0, "作风建设": 1.5,
    "四风": 1.5, "先锋模范": 1.5, "党员示范岗": 2.0, "党员先锋岗": 2.0, "共产党员": 1.5, "标准化规范化": 1.5,
    "四强": 1.5, "述职评议": 1.5, "纪检委员": 1.5, "组织委员": 1.5, "宣传委员": 1.5, "换届": 1.5, "党务": 2.0,
    "党员教育": 2.0, "党员管理": 2.0, "台账": 0.5, "书记项目": 1.5, "学习强国": 1.0, "党旗": 1.5, "政治引领": 1.5,
    "问责": 1.0, "执纪": 1.5, "清廉机关": 2.0, "模范机关": 1.5, "廉政风险": 1.5, "以案促改": 1.5, "党风": 1.5,
}
BUSINESS_PHRASES: dict[str, float] = {
    "项目": 1.5, "投资": 1.5, "亿元": 1.5, "万元": 1.0, "业务": 1.0, "营商环境": 1.5, "审批": 1.5, "招商": 2.0,
    "公路": 1.5, "路网": 1.5, "里程": 1.5, "工程": 1.5, "建设任务": 1.0, "开工": 1.5, "竣工": 1.5, "养护": 1.5,
    "运输": 1.0, "客运": 1.5, "货运": 1.5, "治超": 1.5, "执法": 1.0, "案件": 1.0, "办件": 1.5, "政务服务": 1.5,
    "一网通办": 1.5, "窗口": 0.5, "信访": 1.0, "安全生产": 1.5, "隐患": 1.5, "应急": 1.0, "防汛": 1.5, "预算": 1.5,
    "资金": 1.0, "财政": 1.5, "税收": 1.5, "收入": 1.0, "同比增长": 1.5, "增长": 0.5, "指标": 0.5, "考核排名": 1.0,
    "统计": 1.0, "规划": 1.0, "编制": 1.0, "立项": 1.5, "企业": 1.0, "产业": 1.5, "经济": 1.0, "GDP": 1.5,
    "数字化": 1.0, "信息化": 1.0, "系统上线": 1.5, "平台建设": 1.0, "政策文件": 1.0, "调研报告": 0.5, "课题": 0.5,
    "环境整治": 1.5, "污染": 1.5, "监测": 1.0, "检测": 1.0, "医保": 1.5, "社保": 1.5, "就业": 1.5, "培训班": 0.5,
    "征收": 1.5, "拆迁": 1.5, "土地": 1.5, "住房": 1.0, "物业": 1.5, "民生实事": 1.0, "业务工作": 1.5, "中心工作": 0.5,
    "年度目标": 1.0, "完成率": 1.5, "满意度": 1.0, "受理": 1.5, "办结": 1.5, "处罚": 1.5, "罚款": 1.5, "检查企业": 1.5,
    "会计": 1.5, "审计": 1.0, "采购": 1.5, "合同": 1.5, "验收": 1.5, "改造": 1.0, "公交": 1.5, "港口": 1.5, "航道": 1.5,
}


# A sentence that reports work done in figures ("新增学位1.5万个", "查处案件320起") is business work unless its
# party-building words outweigh the figures ("召开支委会12次").
BUSINESS_PATTERNS: tuple[tuple[str, str, re.Pattern, float], ...] = (
    ("业务数据", "business", re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?(?:元|个|件|起|家|户|所|座|条|公里|平方米|亩|吨|人次|万人|辆|场|项|张|套|个百分点|%)"), 1.0),
)
BUSINESS_PHRASES.update({
    "新增": 1.0, "同比": 1.0, "下降": 0.5, "查处": 1.0, "整治": 1.0, "改革": 1.0, "违法": 1.0, "交通": 1.0,
    "城市管理": 1.5, "学校": 1.5, "学位": 1.5, "办学": 1.5, "招聘": 1.0, "医院": 1.5, "医疗": 1.5, "旅游": 1.5,
    "游客": 1.5, "养老": 1.5, "低保": 1.5, "调解": 1.5, "法律援助": 1.5, "纠纷": 1.0, "车辆": 1.0, "道路": 1.0,
    "事故": 1.0, "粮食": 1.5, "农业": 1.5, "科技": 1.0, "研发": 1.5, "创新平台": 1.5, "吞吐量": 1.5, "泊位": 1.5,
    "经费": 1.0, "后勤": 1.5, "食堂": 1.5, "能耗": 1.5, "办公用房": 1.5, "发放": 0.5, "优抚": 1.5, "就业": 1.5,
})
# A party slogan names no party organisation, member or activity (first blind set: a 住建 report whose every heading
# reads "党旗飘扬保障住房民生", "党建赋能优化营商环境" and whose plans all begin "以党建为引领" around business figures):
# "以党建为引领", "党建赋能", "党建+城建", "党建品牌", "让党旗在……飘扬", "红色引擎" weigh nothing, like the numbered
# formulas of TXT-02. What the party organisation did ("支部组织学习12次") still counts.
DUTY_SLOGAN_PATTERN = re.compile(
    r"(?:以|坚持|强化|突出|发挥|用)?党建(?:为|来)?(?:引领|赋能|品牌|统领|铸魂|聚力)(?:作用)?|“?党建[+＋][^”，。；]{0,6}”?"
    r"|(?:让|使)?党旗在[^，。；]{0,14}?飘扬|党旗(?:高高)?飘扬|党旗红|“?红色(?:引擎|动能|力量|堡垒|[^”，。；]{1,4}品牌)”?|“红色[^”]{1,6}”")
DUTY_PATTERNS: tuple[tuple[str, str, re.Pattern, float], ...] = (("党建口号", "slogan", DUTY_SLOGAN_PATTERN, 0.0),)
# Who writes the report is no party-building content: "作为党支部书记，我分管基础教育工作".
DUTY_NEUTRAL_PHRASES: dict[str, float] = {"党支部书记": 0.0, "支部书记": 0.0, "党委书记": 0.0, "党总支书记": 0.0,
                                          "在局党组的坚强领导下": 0.0, "在局党组的领导下": 0.0, "带领支部": 0.0}


# A sentence that ties party work to business work ("支部把党小组建在项目上，组建党员攻坚队，带动完成投资8.6亿元",
# "党员示范岗带头推行帮办代办") reports how the party organisation works, and counts as party building when, beside
# one of these markers, it names party organisation or members (party weight outside the marker of at least
# `INTEGRATION_PARTY_MIN`). A slogan alone ("坚持党建引领，全力推进项目建设……") names none and stays business.
INTEGRATION = re.compile(r"党建引领|引领|融合|以[^，。；]{1,10}?促|党建[+＋]|建在[^，。；]{0,8}?上|攻坚|突击队|先锋作用|冲锋|"
                         r"带头|带动|结合起来|同谋划|同部署|同频|亮身份")
INTEGRATION_PARTY_MIN = 2.0


# --- TXT-04: 主题党日 ------------------------------------------------------------------------------------
# Markers of what a 主题党日 is not: an outing, a sports or union event, a business training.
NOT_PARTY_PHRASES: dict[str, tuple[str, float]] = {
    # outing
    "踏青": ("出游", 2.0), "春游": ("出游", 2.0), "秋游": ("出游", 2.0), "游览": ("出游", 1.5), "景区": ("出游", 1.5),
    "风景区": ("出游", 2.0), "采摘": ("出游", 2.0), "农家乐": ("出游", 2.0), "徒步": ("出游", 1.5), "登山": ("出游", 1.5),
    "爬山": ("出游", 1.5), "烧烤": ("出游", 2.0), "聚餐": ("出游", 2.0), "观光": ("出游", 1.5), "温泉": ("出游", 2.0),
    "露营": ("出游", 2.0), "漂流": ("出游", 2.0), "自由活动": ("出游", 1.5), "赏花": ("出游", 2.0), "垂钓": ("出游", 2.0),
    "钓鱼": ("出游", 2.0), "古镇": ("出游", 1.5), "拍照留念": ("出游", 0.5), "休闲": ("出游", 1.5), "放松身心": ("出游", 1.5),
    "亲近自然": ("出游", 1.5), "湿地公园": ("出游", 1.5), "森林公园": ("出游", 1.5), "一日游": ("出游", 2.0),
    "骑行": ("出游", 1.0), "午餐": ("出游", 0.5), "品尝": ("出游", 1.5), "美食": ("出游", 1.5), "茶园": ("出游", 1.0),
    # sports / union
    "运动会": ("文体活动", 2.0), "趣味运动": ("文体活动", 2.0), "拔河": ("文体活动", 2.0), "篮球": ("文体活动", 2.0),
    "羽毛球": ("文体活动", 2.0), "乒乓球": ("文体活动", 2.0), "足球": ("文体活动", 2.0), "健步走": ("文体活动", 1.5),
    "跳绳": ("文体活动", 2.0), "接力": ("文体活动", 1.5), "比赛": ("文体活动", 1.0), "团建": ("文体活动", 2.0),
    "拓展训练": ("文体活动", 2.0), "联谊": ("文体活动", 2.0), "游戏": ("文体活动", 1.5), "工会": ("文体活动", 2.0),
    "生日会": ("文体活动", 2.0), "文艺汇演": ("文体活动", 1.5), "联欢": ("文体活动", 2.0), "插花": ("文体活动", 2.0),
    "茶艺": ("文体活动", 2.0), "瑜伽": ("文体活动", 2.0), "健身": ("文体活动", 1.5), "体检": ("文体活动", 2.0),
    "健康讲座": ("文体活动", 2.0), "养生": ("文体活动", 2.0), "厨艺": ("文体活动", 2.0), "包饺子": ("文体活动", 1.5),
    "观影": ("文体活动", 1.0), "K歌": ("文体活动", 2.0), "掼蛋": ("文体活动", 2.0), "棋牌": ("文体活动", 2.0),
    "职工": ("文体活动", 1.0), "福利": ("文体活动", 1.5), "奖品": ("文体活动", 1.0),
    # business training / work
    "业务培训": ("业务培训", 2.0), "业务知识": ("业务培训", 2.0), "业务技能": ("业务培训", 2.0), "业务学习": ("业务培训", 1.5),
    "操作培训": ("业务培训", 2.0), "系统操作": ("业务培训", 2.0), "操作流程": ("业务培训", 1.5), "公文写作": ("业务培训", 2.0),
    "公文处理": ("业务培训", 1.5), "财务报销": ("业务培训", 2.0), "报销流程": ("业务培训", 2.0), "统计软件": ("业务培训", 2.0),
    "技能比武": ("业务培训", 2.0), "业务考试": ("业务培训", 2.0), "新系统": ("业务培训", 1.5), "执法文书": ("业务培训", 2.0),
    "执法程序": ("业务培训", 1.5), "案卷": ("业务培训", 1.5), "审批流程": ("业务培训", 1.5), "办事指南": ("业务培训", 1.5),
    "档案整理": ("业务培训", 1.5), "数据填报": ("业务培训", 2.0), "填报": ("业务培训", 1.0), "软件": ("业务培训", 1.0),
    "工作部署": ("业务培训", 1.0), "年度任务": ("业务培训", 1.0), "业务": ("业务培训", 1.0), "消防演练": ("业务培训", 1.5),
    "安全培训": ("业务培训", 1.5), "办公软件": ("业务培训", 2.0), "Excel": ("业务培训", 2.0), "PPT": ("业务培训", 1.5),
    "预算编制": ("业务培训", 2.0), "政府采购": ("业务培训", 2.0), "项目申报": ("业务培训", 2.0), "业务骨干": ("业务培训", 1.0),
}
# Markers of a party activity. Longer phrases win over the markers above ("红色教育基地" is not a 景区 visit,
# "党员志愿服务" is not a 福利, "学习贯彻…精神" is not a 业务学习).
PARTY_ACTIVITY_PHRASES: dict[str, float] = {
    "重温入党誓词": 3.0, "入党誓词": 2.5, "重温入党志愿书": 2.5, "政治生日": 2.5, "党章": 2.0, "党规": 1.5, "党纪": 1.5,
    "党课": 2.0, "讲党课": 2.5, "党史": 2.0, "新中国史": 1.5, "红色教育基地": 3.0, "红色教育": 2.5, "爱国主义教育基地": 3.0,
    "革命纪念馆": 3.0, "纪念馆": 2.0, "烈士陵园": 3.0, "革命旧址": 3.0, "旧址": 1.5, "故居": 2.0, "红色": 1.5,
    "瞻仰": 2.5, "缅怀": 2.5, "敬献花篮": 2.5, "革命先烈": 2.5, "先烈": 2.0, "红军": 2.0, "长征": 1.5, "抗战": 1.5,
    "廉政教育基地": 3.0, "警示教育": 2.5, "廉政教育": 2.5, "廉政": 1.5, "以案促改": 2.0, "反腐倡廉": 2.0,
    "志愿服务": 2.0, "党员志愿": 2.5, "为民服务": 2.0, "结对共建": 2.0, "共建": 1.0, "社区报到": 2.0, "双报到": 2.0,
    "党员先锋": 2.0, "先锋模范": 2.0, "党员承诺": 2.0, "承诺践诺": 2.0, "交纳党费": 2.0, "党费": 1.5,
    "学习贯彻": 2.0, "重要讲话": 2.0, "讲话精神": 2.0, "全会精神": 2.5, "二十大": 2.0, "二十届": 2.0, "党的创新理论": 2.0,
    "习近平新时代中国特色社会主义思想": 2.5, "习近平": 1.5, "总书记": 1.5, "初心使命": 2.0, "初心": 1.5, "党性": 2.0,
    "民主评议": 2.0, "组织生活": 2.0, "谈心谈话": 2.0, "发展党员": 2.0, "入党积极分子": 1.5, "党员教育": 2.0,
    "党建": 1.5, "政治理论": 2.0, "理论学习": 1.5, "专题研讨": 1.5, "交流研讨": 1.0, "心得体会": 1.0, "主题教育": 2.0,
    "党纪学习教育": 2.5, "中央八项规定": 2.0, "作风建设": 1.5, "意识形态": 2.0, "党员责任区": 2.0, "党员示范岗": 2.0,
    "困难党员": 2.0, "老党员": 2.0, "走访慰问": 1.5, "政治": 1.0, "宣誓": 2.0, "党旗": 2.0,
    "颁发": 0.5, "“光荣在党50年”": 2.5, "纪念章": 2.0, "宗旨": 1.5, "群众路线": 2.0,
    "宣讲": 1.5, "理论宣讲": 2.5, "党员宣讲": 2.5, "党员培训": 2.0, "入党积极分子培训": 2.0, "党务培训": 2.0,
    "党务干部培训": 2.0, "发展对象培训": 2.0,
}
# Party affairs and joint party work are party activities too (first blind set: a 支部党员大会 admitting a 预备党员, a
# 换届选举, a 联学联建 with a village 党总支 were all reported because their records carry the unit's business words and
# this list knew none of theirs). The 支部工作条例 names 民主议事 beside study and service: admission, elections, votes and
# the organs that hold them; joint study and building with another party organisation; a party regulation studied by name
# (`PARTY_ACTIVITY_PATTERNS`).
PARTY_ACTIVITY_PHRASES.update({
    "党员大会": 2.0, "支委会": 2.0, "支部委员会": 2.0, "党总支": 1.5, "机关党委": 1.5, "组织委员": 1.5, "纪检委员": 1.5,
    "宣传委员": 1.5, "换届": 2.0, "选举": 2.0, "无记名投票": 2.0, "表决": 1.5, "民主议事": 2.0, "预备党员": 2.0,
    "发展对象": 2.0, "入党介绍人": 2.0, "入党动机": 2.0, "入党申请": 2.0, "政治审查": 2.0, "转正": 1.5, "党员积分": 1.5,
    "联学联建": 2.5, "联学": 1.5, "联建": 1.5, "党建共建": 2.0, "党员示范": 2.0, "党群服务中心": 1.0,
})
PARTY_ACTIVITY_PATTERNS: tuple[tuple[str, str, re.Pattern, float], ...] = (
    ("党内法规、著作", "party", re.compile(r"《(?:中国共产党|习近平|党)[^》]{1,30}》"), 2.5),
)
# The header lines of a record ("时间：", "地点：市交通运输局会议室", "参加人员：市农业农村局机关第一党支部党员12人",
# "主持人：") say when, where and who, not what was done: the unit's name in them is no business work.
# A line of content ("活动内容：到农家乐采摘") is no header and is judged.
RECORD_HEADER = re.compile(r"^(?:时间|日期|地点|参加人员|参会人员|出席人员|应到人数|实到人数|缺席人员|列席人员|主持人|记录人)\s*[:：]")
# Training and drills in general are business training ("消防安全知识培训", "应急疏散演练") unless a longer party phrase
# above takes the words ("党员培训").
NOT_PARTY_PHRASES.update({"培训": ("业务培训", 1.0), "演练": ("业务培训", 1.0)})
# A 主题党日 that reports the unit's business in figures or deploys its work is a work meeting: the TXT-03 business
# words (at half weight), figures with units, and the vocabulary of work meetings.
WORK_MEETING_PHRASES: dict[str, float] = {"汇报": 1.0, "工作进展": 1.5, "完成情况": 1.0, "推进会": 1.5, "调度会": 1.5,
                                          "重点工作": 1.0, "年度计划": 1.0, "年度目标": 1.5, "倒排工期": 1.5,
                                          "年度考核": 1.0, "督办": 1.0, "作了部署": 1.0, "部署": 0.5}
BUSINESS_WORK: dict[str, tuple[str, float]] = {
    **{k: ("业务工作", w / 2) for k, w in BUSINESS_PHRASES.items()},
    **{k: ("业务工作", w) for k, w in WORK_MEETING_PHRASES.items()},
}
BUSINESS_WORK_PATTERNS = tuple((name, "业务工作", pattern, w) for name, _, pattern, w in BUSINESS_PATTERNS)
# A party service mechanism ("在职党员到社区报到", "志愿服务", "结对帮扶", "党员宣讲队") in the topic or the minutes
# makes publicity, training or drills given to the public ("为居民开展消防安全培训") service to the people — a
# party activity — rather than the branch's own business training.
SERVICE_FRAME = ("社区报到", "双报到", "志愿服务", "党员志愿", "志愿者", "结对帮扶", "结对共建", "为民服务", "为民办实事",
                 "为群众办实事", "党员服务队", "服务队", "宣讲队", "宣讲小分队", "党员先锋", "红马甲", "联系户", "联学联建",
                 "联建")
PUBLIC = ("居民", "群众", "村民", "商户", "住户", "老人", "学生", "家长", "联系户", "脱贫户", "困难户", "社区", "小区", "村里",
          "村委", "网格", "企业", "楼道", "楼栋")
# What members do for people under such a mechanism, even when the sentence names no public ("在投放点劝导错误投放28人次",
# "帮助物业更换标识", "就政策解答了提问"): the act of serving is the evidence (first blind set).
SERVICE_ACTS = ("劝导", "帮助", "帮忙", "入户", "上门", "清理", "打扫", "解答", "代办", "帮办", "送上门", "义务")
# What every 主题党日 record says whatever it was ("全体党员参加", "主题党日活动"): never evidence either way.
# Who chairs or speaks ("支部书记主持", "支部书记作总结") is not what was done either.
NEUTRAL_PHRASES: dict[str, float] = {"主题党日": 0.0, "党员": 0.0, "党支部": 0.0, "支部": 0.0, "活动": 0.0,
                                     "支部书记": 0.0, "党支部书记": 0.0, "支部副书记": 0.0, "党总支书记": 0.0,
                                     "党委书记": 0.0}
