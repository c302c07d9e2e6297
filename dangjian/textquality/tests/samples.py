"""Realistic minutes for the TXT-01 tests: four branches of one 机关 that share the same headers and stock
sentences but record different business; one branch copies another's minutes with a few words changed, and
one copies its own earlier quarter."""
from __future__ import annotations

STOCK_OPENING = "会议首先集中学习了习近平总书记最新重要讲话和重要指示批示精神，并传达了上级党组织有关会议精神。"
STOCK_CLOSINGS = (
    "会议指出，要坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党的二十大和二十届历次全会精神。",
    "会议要求全体党员提高政治站位，切实把思想和行动统一到党中央决策部署上来，以实际行动践行初心使命。",
    "会议号召全体党员要以更加饱满的热情、更加务实的作风，立足本职岗位，扎实做好各项工作。",
)


def minutes(date: str, place: str, chair: str, expected: int, present: int, recorder: str, substance: str) -> str:
    return (f"会议时间：{date}\n会议地点：{place}\n主持人：{chair}\n应到：{expected}人，实到：{present}人\n"
            f"记录人：{recorder}\n{STOCK_OPENING}\n{substance}\n" + "\n".join(STOCK_CLOSINGS))


SUBSTANCE = {
    "a_q1": ("会议研究了今年春运期间客运站党员先锋岗的设置。支部决定在南站、北站各设立一个党员先锋岗，由李红梅、张伟两名"
             "党员轮流值守，重点做好老年旅客购票引导和重点旅客接送服务。会议讨论了上季度群众来信反映的候车室暖气不足问题，"
             "决定由综合科在一月十五日前协调物业完成检修，并在下次支部党员大会上报告整改情况。"),
    "a_q2": ("会议通报了第二季度发展党员工作情况，入党积极分子周敏已参加区直机关工委举办的培训班并结业。会议听取了"
             "培养联系人关于周敏近半年思想和工作表现的汇报，同意将其列为发展对象，报机关党委备案。会议还安排了七月份"
             "主题党日到革命纪念馆参观学习，并请党员结合岗位撰写心得体会。"),
    "b_q1": ("会议研究了国道养护段冬季除雪保畅工作。支部组织党员突击队，分三个班次在二十四小时内轮流值守，确保"
             "主要路段积雪不过夜。会议讨论了养护机械老化的问题，决定向局里申请更新两台除雪车，并由赵志强同志负责"
             "在二月底前完成安全培训，对新入职的三名驾驶员进行实操考核。"),
    "c_q1": ("会议听取了政务服务窗口上半年办件情况汇报，全年累计受理道路运输许可事项一千二百余件，按时办结率达到"
             "百分之百。会议分析了企业反映的材料重复提交问题，决定推行一次告知清单，由窗口党员逐项梳理并在门户网站"
             "公开，力争在三季度末将平均办理时限压缩到三个工作日以内。"),
    "d_q1": ("会议审议了二〇二五年度党费收缴和使用情况报告，全年应缴党费与实缴一致，未发现少缴漏缴。会议研究了"
             "困难党员慰问方案，拟在春节前走访慰问退休老党员四名，每人慰问金按机关党委规定标准执行，由组织委员负责"
             "建立台账并在支部范围内公开。"),
}

# B's first-quarter minutes taken from A's with a few words changed (the station names, two members' names,
# the department), as 照搬照抄 usually looks.
COPIED_B = (SUBSTANCE["a_q1"].replace("南站、北站", "东站、西站").replace("李红梅、张伟", "孙丽、刘洋")
            .replace("综合科", "办公室").replace("一月十五日", "一月二十日"))
# A's third quarter reusing its own first quarter with the date and two words changed.
COPIED_A_Q3 = SUBSTANCE["a_q1"].replace("春运期间", "暑运期间").replace("暖气不足", "空调不足").replace(
    "一月十五日", "七月十五日")
# A rewrite: B records its own business instead.
REWRITTEN_B = SUBSTANCE["b_q1"].replace("冬季除雪保畅", "汛期防汛保畅").replace("积雪不过夜", "积水及时排除").replace(
    "除雪车", "抽水泵")

# Short 支委会 minutes: one sentence of their own between the shared headers and stock sentences.
SHORT = {
    "a": "会议研究了春运期间客运站党员先锋岗的设置，决定在南站、北站各设一个岗位，由党员轮流值守，重点做好老年旅客购票引导服务。",
    "b": "会议研究了国道养护段冬季除雪保畅工作，决定组织党员突击队分三个班次轮流值守，确保主要路段积雪不过夜。",
}
