"""文本质量's part of the permission matrix: the 雷同对照 page of a TXT-01 finding on branch A's minutes (A's
third-quarter minutes reusing its own first quarter's)."""
import datetime as dt

OBJECTS = {"findingcopy": "txt01_finding"}


def objects(tree, people, users) -> dict:
    from dangjian.core import engine
    from dangjian.core.models import Finding
    from dangjian.orglife.models import Meeting
    from dangjian.textquality.tests.samples import COPIED_A_Q3, SUBSTANCE, minutes

    for day, sub in ((dt.date(2025, 1, 8), SUBSTANCE["a_q1"]), (dt.date(2025, 7, 9), COPIED_A_Q3)):
        Meeting.objects.create(org=tree.a, type="member_assembly", date=day, topic="支部党员大会",
                               minutes=minutes(f"{day:%Y年%-m月%-d日}", "机关三楼会议室", "王建国", 12, 11, "李红梅", sub))
    engine.run(as_of=dt.date(2025, 12, 31), rule_ids=["TXT-01"])
    return {"txt01_finding": Finding.objects.get(rule_id="TXT-01")}
