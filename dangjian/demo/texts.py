"""Minutes of the demo's 主题党日, 党课 and 支部党员大会, told meeting by meeting.

Minutes written from a handful of fixed templates read as mass copying to TXT-01 (照搬照抄): the same sentence with
only a name changed, in hundreds of branches. Here each record is put together from larger phrase pools and the
meeting's own facts — who chaired, who spoke and about what, the branch's own section, what was decided and who
carries it out — so two independent meetings share little beyond the stock phrases TXT-01 discounts. The
attendance goes into header lines ("应到人数：12人", "缺席人员：…"), as paper records keep it: TXT-01 discounts
header lines and TXT-04 skips them (an excuse such as "参加培训" says nothing about what the 主题党日 was).

Every phrase of the 主题党日 pools is a party activity or neutral for TXT-04 (dangjian/textquality/tests/test_demo_texts.py
judges them all), so only the planted outing is "not a party activity".
"""
from __future__ import annotations

# --- shared -----------------------------------------------------------------------------------------
def names(rows, k: int, rng) -> list[str]:
    """Up to k distinct names of the people present, drawn at random."""
    pool = [r["name"] for r in rows]
    return rng.sample(pool, min(k, len(pool)))


def header(chair: str, place: str, counts, excused, lecturer: str = "") -> str:
    lines = [f"主持人：{chair or '支部书记'}"] if chair else []
    if lecturer:
        lines.append(f"主讲人：{lecturer}")
    if place:
        lines.append(f"地点：{place}")
    lines.append(f"应到人数：{counts[0]}人")
    lines.append(f"实到人数：{counts[1]}人")
    # The absent, a few to a line, as a record book's header keeps them (short lines: TXT-01 counts them as header).
    line = []
    for n, why in excused:
        item = f"{n}（{why}）"
        if line and len("、".join(line + [item])) > 24:
            lines.append("缺席人员：" + "、".join(line))
            line = []
        line.append(item)
    if line:
        lines.append("缺席人员：" + "、".join(line))
    return "\n".join(lines) + "\n"


def section(org_name: str) -> str:
    """The branch's own part of the unit ("人事科", "第二党支部" → "第二支部"), to tie a record to its branch."""
    short = org_name
    for head in ("机关", "局", "委员会", "会", "院", "中心", "队"):
        i = short.rfind(head)
        if 0 <= i < len(short) - len(head) - 3:
            short = short[i + len(head):]
            break
    return short.replace("党支部", "") or "本支部"


# --- 主题党日 -----------------------------------------------------------------------------------------
THEME_OPENINGS = [
    "支部按照月初确定的方案组织开展主题党日", "支部把本次主题党日和党员教育管理结合起来安排", "本次主题党日由支委会提前一周研究确定内容",
    "支部提前把学习材料送到每名党员手中，明确本次主题党日的安排", "主题党日按照“固定动作＋自选动作”的方式进行",
    "支部结合党员思想实际确定本次主题党日内容", "支部邀请退休老党员一同参加本次主题党日", "主题党日前，组织委员逐一通知党员并确认到会",
    "本次主题党日在支委会上讨论了两次，形成活动方案", "支部把本月主题党日同“党员先锋岗”评比结合起来",
]
# Steps: {a}/{b} are members present, {sec} the branch's own section.
THEME_STEPS = [
    "全体党员面向党旗重温入党誓词，由{a}领誓", "集体学习党章第一章“党员”，{a}领读", "{a}领学《中国共产党支部工作条例（试行）》有关条款",
    "观看党性教育专题片，{a}谈了观后感", "{a}结合自己的日常工作讲了一堂微党课", "交纳本月党费，组织委员{a}当场公布交纳情况",
    "开展民主议事，{a}、{b}就改进服务群众的办法提了意见", "党员轮流上台亮身份、讲承诺，{a}讲了自己的践诺情况",
    "{a}介绍了参加上级党组织集中学习的心得", "学习身边先进典型事迹，{a}讲述了老党员的入党经历",
    "围绕党纪条规开展知识问答，{a}、{b}答对题目最多", "组织党员到联系社区开展志愿服务，{a}带队入户走访",
    "学习红色家书并开展交流，{a}朗读了其中一封", "对照党员义务逐条查找差距，{a}带头作了发言",
    "{a}通报了支部上月党员先锋岗评比情况", "开展“一名党员一面旗”交流，{a}、{b}分享了在本职岗位上的做法",
    "为本月过政治生日的党员{a}送上政治生日贺卡", "在党员活动室集中观看红色电影并交流感受，{b}谈了体会",
    "学习党的优良传统作风，{a}讲述了一段党史故事", "走访慰问生活困难的老党员，{a}代表支部送去慰问品",
]
THEME_REMARKS = [
    "联系群众要多到现场", "要把学习体会落到本职岗位上", "要多听取服务对象的意见", "青年党员要主动承担急难险重任务",
    "支部学习要避免照本宣科", "党员要在岗位上亮出身份", "要把党章要求落实到日常言行中", "老党员的经历对年轻同志触动很大",
    "学习笔记要写出自己的思考", "要常态化开展谈心谈话", "要把志愿服务坚持下去", "要注意收集群众的急难愁盼",
    "要把党员承诺张贴上墙接受监督", "党员要带头遵守纪律规矩",
]
THEME_CLOSINGS = [
    "小结时要求党员把本次主题党日的收获转化为干事创业的动力", "小结时对党员的发言逐一作了点评",
    "小结时对下月主题党日的学习内容征求了党员意见", "小结时提醒党员按时完成学习强国学习任务",
    "小结时要求各党小组把活动情况向未到会党员传达", "小结时要求党员对照今天的发言抓好落实",
    "小结时对积极发言的党员给予肯定", "小结时强调支部将跟踪党员承诺事项的兑现情况",
]


def theme_day(rng, *, topic, chair, place, counts, excused, present, org_name) -> str:
    sec = section(org_name)
    who = names(present, 4, rng) or ["支部书记", "组织委员", "宣传委员", "纪检委员"]
    while len(who) < 4:
        who.append(who[-1])
    steps = rng.sample(THEME_STEPS, 3)
    body = [f"{rng.choice(THEME_OPENINGS)}，围绕“{topic}”进行"]
    body += [s.format(a=who[i], b=who[(i + 1) % 4], sec=sec) for i, s in enumerate(steps)]
    body.append(f"{who[2]}、{who[3]}先后发言，{who[2]}谈到{rng.choice(THEME_REMARKS)}，"
                f"{who[3]}认为{rng.choice(THEME_REMARKS)}")
    body.append(f"{chair or '书记'}{rng.choice(THEME_CLOSINGS)}")
    return header(chair, place, counts, excused) + "。".join(body) + "。"


# --- 党课 --------------------------------------------------------------------------------------------
LECTURE_POINTS = [
    "为什么学", "学什么", "怎么做", "理论渊源", "实践要求", "历史经验", "现实意义", "存在问题", "对策措施", "典型案例",
    "党章规定", "纪律要求", "作风建设", "群众路线", "调查研究", "担当作为", "廉洁自律", "斗争精神", "为民服务",
    "机关作风", "青年干部成长", "基层减负", "制度执行", "学用结合",
]
LECTURE_CASES = [
    "{sec}{m}月份办理的一件群众诉求", "近期通报的一起违反中央八项规定精神典型问题", "{sec}今年承担的一项重点任务",
    "本单位一名老党员扎根基层的经历", "上级巡察反馈的一条共性问题", "{sec}窗口服务中遇到的一次群众投诉",
    "一起身边的违纪违法案例", "{sec}{m}月份开展的一次基层调研", "本单位老党员几十年如一日的先进事迹",
    "全市评选表彰的一名优秀共产党员", "{sec}在{m}月份攻坚任务中的做法", "一名青年党员在驻村工作中的成长",
    "{sec}去年整改的一个作风问题", "{sec}{m}月份收到的一条群众意见", "一名老党员退休后坚持志愿服务的故事",
    "焦裕禄同志的先进事迹", "谷文昌同志的先进事迹", "廖俊波同志的先进事迹", "{sec}一名党员在防汛中的表现",
    "{m}月份省纪委通报的一起形式主义问题", "{sec}在{m}月份承办的一次便民服务活动",
]
LECTURE_DISCUSSIONS = [
    "{a}谈到党课讲的问题在{sec}也不同程度存在", "{a}表示要把党课要求对照到自己的岗位上", "{a}提出希望今后多安排案例式党课",
    "{a}结合自己的工作经历谈了体会", "{a}建议把党课课件发到支部群里便于学习", "{a}就党课中提到的问题提出了整改建议",
    "{a}说案例离自己很近、警醒作用很大", "{a}提出要把学习成果落实到为群众办事上", "{a}就如何在{sec}落实党课要求谈了想法",
    "{a}希望支部定期组织党员交流学习体会", "{a}谈了自己在{sec}窗口岗位上的一次经历", "{a}提出要把案例编进支部学习资料",
    "{a}说要从党课讲的问题里找自己的差距", "{a}希望下次党课多联系{sec}实际", "{a}就怎样处理好学习和工作的关系发了言",
    "{a}问到党课提到的问题在基层怎么落实", "{a}回顾了自己入党时的情景", "{a}谈到要带头遵守纪律规矩",
]
LECTURE_FOLLOWUPS = [
    "支部要求每名党员在{m}月{d}日前交一篇学习体会，由{a}汇总", "会后由{a}把党课课件整理存档", "支部安排{a}下次作一次交流发言",
    "会后{a}把党课要点发到支部学习群", "支部决定把本次党课作为{m}月份党员学习积分的一项，由{a}登记",
    "支部请{a}把党员提出的建议整理后交支委会研究", "{a}负责把党课内容向请假的党员传达",
]
TEACHERS = ["王立新", "陈卫东", "刘晓燕", "张国强", "李慧敏", "赵文博", "周建平", "吴海燕", "孙志远", "郑丽华",
            "黄晓东", "林秀英"]
LECTURE_POINT_FRAMES = ["党课从{p0}、{p1}、{p2}三个方面展开", "主讲人围绕{p0}、{p1}和{p2}逐一阐述",
                        "课程分为{p0}、{p1}、{p2}三部分", "党课重点讲了{p0}和{p1}，并就{p2}作了延伸",
                        "讲课内容包括{p0}、{p1}，最后落脚到{p2}", "党课先讲{p0}，再讲{p1}，最后讲{p2}"]
LECTURE_CASE_FRAMES = ["并以{case}为例作了剖析", "其间结合{case}进行讲解", "讲到{case}时，大家听得很认真",
                       "用{case}说明道理", "特别提到了{case}", "引用{case}加以说明"]
LECTURE_FORMS = ["采用讲授和讨论相结合的方式", "以案说纪、以案明理", "配合多媒体课件讲解", "采取现场提问、即时交流的方式",
                 "讲授后留出时间答疑交流", "以专题报告形式进行", "穿插播放了一段视频资料", "结合个人经历娓娓道来",
                 "边讲边请党员谈认识", "用身边事讲身边理", "以问题为导向层层展开", "配合发放了学习提纲"]


def lecture(rng, *, topic, who, chair, place, counts, excused, present, org_name) -> str:
    sec = section(org_name)
    pts = rng.sample(LECTURE_POINTS, 3)
    speak = names(present, rng.choice([2, 3]), rng)
    body = [f"{who}以“{topic}”为题讲授党课，{rng.choice(LECTURE_FORMS)}，时长约{rng.choice([40, 45, 50, 60, 70, 90])}分钟",
            rng.choice(LECTURE_POINT_FRAMES).format(p0=pts[0], p1=pts[1], p2=pts[2]),
            rng.choice(LECTURE_CASE_FRAMES).format(case=rng.choice(LECTURE_CASES).format(sec=sec, m=rng.randint(1, 12)))]
    for i, (a, said) in enumerate(zip(speak, rng.sample(LECTURE_DISCUSSIONS, len(speak)))):
        body.append(("课后交流中，" if i == 0 else "") + said.format(a=a, sec=sec))
    if speak:
        body.append(rng.choice(LECTURE_FOLLOWUPS).format(a=speak[-1], m=rng.randint(1, 12), d=rng.randint(1, 28)))
    return header(chair, place, counts, excused, lecturer=who) + "。".join(body) + "。"


# --- 支部党员大会 ----------------------------------------------------------------------------------------
ASSEMBLY_REPORTS = [
    "上季度“三会一课”落实情况", "党员学习积分排名", "党费收缴和使用情况", "发展党员工作进度", "支部工作计划推进情况",
    "党员联系群众情况", "党员先锋岗评比结果", "意见建议收集和办理情况", "上级督查反馈问题的整改情况", "党员志愿服务时长统计",
    "组织生活会整改事项进展", "党员谈心谈话开展情况", "流动党员联系情况", "主题党日开展情况", "困难党员帮扶情况",
    "支部学习计划执行情况", "入党积极分子培养考察情况",
]
ASSEMBLY_ISSUES = [
    "如何调动青年党员参加组织生活的积极性", "改进主题党日形式", "加强对流动党员的联系", "党员在{sec}业务一线发挥作用",
    "支部学习计划的调整", "联系社区志愿服务的安排", "老党员的走访慰问", "党员承诺事项的跟踪", "支部工作台账的规范",
    "意见建议的办理时限", "下季度发展对象的培养", "党员责任区的划分", "结对帮扶对象的走访", "党员学习笔记的检查",
    "支部微信群的管理", "党员政治生日活动", "青年党员理论学习小组", "{sec}党员先锋岗的设置", "入党积极分子的联系培养人",
    "离退休党员的组织生活安排",
]
ASSEMBLY_DECISIONS = [
    "下季度由{a}牵头组织一次联系社区志愿服务", "由{a}负责整理党员学习积分并每月通报", "请{a}在支部群里收集大家对主题党日的建议",
    "由{a}联系两名生活困难的老党员，节前走访", "由{a}对照整改清单逐项销号", "请{a}牵头修订支部学习计划",
    "由{a}负责流动党员的日常联系", "请{a}把本次会议精神向请假党员传达", "由{a}对接联系社区，确定志愿服务项目",
    "由{a}负责党员承诺事项的跟踪检查",
]


ASSEMBLY_STUDY = [
    "学习了《中国共产党章程》总纲部分", "学习了《中国共产党支部工作条例（试行）》第三章", "学习了上级党委近期印发的学习资料",
    "学习了《中国共产党纪律处分条例》有关条款", "学习了《中国共产党党员教育管理工作条例》", "学习了机关党委转发的通知",
    "学习了本季度的“第一议题”篇目", "学习了《中国共产党发展党员工作细则》有关程序", "学习了党员权利保障的有关规定",
    "学习了中央八项规定及其实施细则精神", "学习了《关于新形势下党内政治生活的若干准则》", "学习了党费收缴使用管理的规定",
]


ASSEMBLY_REPORT_FRAMES = [
    "{a}通报了{r0}和{r1}", "{a}受支委会委托，先后通报{r0}、{r1}", "{a}就{r0}作了说明，并简要通报{r1}",
    "由{a}通报{r1}，同时介绍{r0}", "{a}代表支委会通报了{r0}，对{r1}作了补充说明", "{a}报告了{r1}，随后通报{r0}",
]
ASSEMBLY_DISCUSS_FRAMES = [
    "与会党员围绕{i0}、{i1}进行讨论，{b}、{c}作了发言", "讨论中，{b}就{i0}提出建议，{c}谈了对{i1}的看法",
    "大家重点讨论了{i0}，{b}、{c}等{n}名党员发言；对{i1}，会议请支委会会后研究", "{b}围绕{i0}发言，{c}就{i1}谈了想法",
    "党员们分组讨论{i0}和{i1}，{b}、{c}代表两个小组发言", "就{i1}，{c}提出了具体意见；就{i0}，{b}作了补充",
]


def assembly(rng, *, topic, chair, place, counts, excused, present, org_name, motions) -> tuple[str, list[str]]:
    """The minutes and the names of the members they quote (for the planted copy)."""
    sec = section(org_name)
    who = names(present, 3, rng) or ["组织委员"]
    while len(who) < 3:
        who.append(who[-1])
    reports = rng.sample(ASSEMBLY_REPORTS, 2)
    issues = rng.sample(ASSEMBLY_ISSUES, 2)
    vote = f"有表决权党员应到{counts[2]}人、实到{counts[3]}人{'，不足半数' if 2 * counts[3] < counts[2] else ''}"
    i0, i1 = issues[0].format(sec=sec), issues[1].format(sec=sec)
    body = [f"{topic}", rng.choice(ASSEMBLY_REPORT_FRAMES).format(a=who[0], r0=reports[0], r1=reports[1]),
            rng.choice(ASSEMBLY_DISCUSS_FRAMES).format(b=who[1], c=who[2], i0=i0, i1=i1, n=rng.randint(3, 9)),
            vote]
    if motions:
        body.append(f"会议表决了{'、'.join(motions)}")
    body.insert(1, rng.choice(["会议首先{s}，由{c}领学", "{c}领学，会议{s}", "会前，{c}带领大家{s}",
                               "会议第一项议程由{c}领学，{s}"]).format(s=rng.choice(ASSEMBLY_STUDY), c=who[2]))
    body.append(rng.choice(["经讨论，会议议定", "会议最后明确：", "会议商定", "散会前，书记提出"])
                + rng.choice(ASSEMBLY_DECISIONS).format(a=who[1]))
    return header(chair, place, counts, excused) + "。".join(body) + "。", who


def copy_assembly(text: str, mapping: dict[str, str], head: str) -> str:
    """The planted copy: another branch's 党员大会 minutes with the names changed and its own header."""
    body = text.split("\n")[-1]
    for old, new in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
        body = body.replace(old, new)
    return head + body


# --- planted: a 主题党日 that is a union outing (TXT-04) --------------------------------------------------
OUTING_TOPIC = "工会组织职工郊游：赴城郊生态园采摘"
OUTING_MINUTES = ("由单位工会统一组织，乘大巴前往城郊生态园。上午分组开展采摘活动和趣味运动比赛，{a}所在小组获得拔河比赛第一名。"
                  "中午在农家乐聚餐，下午自由活动、拍照留念，傍晚返回单位。")
