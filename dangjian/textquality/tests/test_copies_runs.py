"""TXT-01 across runs and kinds of text, in the personas' terms: B's minutes copy A's; A then rewrites or deletes
its minutes, and the incremental run after A's change leaves exactly the findings a full run would (B is not in
that run's scope); two branches' identical minutes of the same day are each flagged as the other's twin; a report
imported from a DJX file (dated 31 December of its year) is compared within its year; and members' 对照检查材料
are compared like minutes."""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.textquality import copies

from .samples import COPIED_B, SUBSTANCE, minutes
from .test_copies import AS_OF, base, branches, meeting, open_subjects, txt01  # noqa: F401


# What A's January minutes say once A rewrites them: its own business, like nobody else's.
OWN_A = ("会议研究了客运站无障碍设施改造的进度安排。支部决定由两名党员分别联系残联和施工单位，每周三到现场查看一次，"
         "发现坡道坡度不合格的当场记录并拍照留存。会议讨论了爱心座椅数量不足的问题，决定向站务中心书面申请增设十二个。")


def _open():
    return {(f.subject_kind, f.subject_id, f.message, tuple(f.evidence.get("source") or ()))
            for f in Finding.objects.filter(rule_id="TXT-01", state=FindingState.OPEN)}


def _full_run_gives():
    """The open TXT-01 findings a full run gives, the database left as it was."""
    from django.db import transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            engine.run(as_of=AS_OF, rule_ids=["TXT-01"])
            full = _open()
            raise Rollback
    except Rollback:
        pass
    return full


@pytest.fixture
def b_copies_a(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    assert open_subjects() == {b.pk}
    return b


def test_a_rewriting_the_source_of_bs_finding_resolves_it_in_the_incremental_run(b_copies_a, base, branches):
    a_q1 = base["a_q1"]
    a_q1.minutes = minutes("2025年1月8日", "机关三楼会议室", "王建国", 12, 11, "李红梅", OWN_A)
    a_q1.save()
    engine.run(as_of=AS_OF, org_ids=[branches["a"].pk], rule_ids=["TXT-01"])
    assert _open() == _full_run_gives() == set()
    assert Finding.objects.get(rule_id="TXT-01", subject_id=b_copies_a.pk).state == FindingState.RESOLVED


def test_a_deleting_the_source_of_bs_finding_resolves_it_in_the_incremental_run(b_copies_a, base, branches):
    base["a_q1"].delete()
    engine.run(as_of=AS_OF, org_ids=[branches["a"].pk], rule_ids=["TXT-01"])
    assert _open() == _full_run_gives() == set()


def test_a_rewrite_that_makes_bs_later_minutes_a_copy_opens_bs_finding(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    txt01()
    assert open_subjects() == set()
    # A rewrites its January minutes into B's March business: B's (later) minutes now look copied from A's.
    a_q1 = base["a_q1"]
    a_q1.minutes = minutes("2025年1月8日", "机关三楼会议室", "王建国", 12, 11, "李红梅", SUBSTANCE["b_q1"])
    a_q1.save()
    engine.run(as_of=AS_OF, org_ids=[branches["a"].pk], rule_ids=["TXT-01"])
    assert open_subjects() == {b.pk}
    assert _open() == _full_run_gives()


def test_a_second_source_keeps_bs_finding_open_naming_it(b_copies_a, base, branches):
    # C had copied A's minutes too, before B: once A rewrites its own, B's minutes still copy C's.
    c = meeting(branches["c"], dt.date(2025, 2, 1), SUBSTANCE["a_q1"], chair="陈静", recorder="马超")
    txt01()
    a_q1 = base["a_q1"]
    a_q1.minutes = minutes("2025年1月8日", "机关三楼会议室", "王建国", 12, 11, "李红梅", OWN_A)
    a_q1.save()
    engine.run(as_of=AS_OF, org_ids=[branches["a"].pk], rule_ids=["TXT-01"])
    assert _open() == _full_run_gives()
    f = Finding.objects.get(rule_id="TXT-01", subject_id=b_copies_a.pk)
    assert f.state == FindingState.OPEN and f.evidence["source"] == ["meeting", c.pk]


def test_two_branches_minutes_of_the_same_day_are_each_flagged_naming_the_other(base, branches):
    # On the same day neither is the original: both get a finding (同日雷同), each naming the other.
    a = meeting(branches["a"], dt.date(2025, 6, 30), SUBSTANCE["b_q1"])
    b = meeting(branches["b"], dt.date(2025, 6, 30), SUBSTANCE["b_q1"].replace("赵志强", "孙丽"), chair="赵志强")
    txt01()
    assert open_subjects() == {a.pk, b.pk}
    fa = Finding.objects.get(rule_id="TXT-01", subject_id=a.pk)
    fb = Finding.objects.get(rule_id="TXT-01", subject_id=b.pk)
    assert fa.evidence["source"] == ["meeting", b.pk] and fb.evidence["source"] == ["meeting", a.pk]
    assert "同日" in fa.message and "同日雷同" in fb.message and fa.evidence["same_day"]


def test_a_djx_report_of_the_running_year_is_compared_before_31_december(branches, people):
    from dangjian.assessment.models import Report

    text = "一、履行职责情况。" + SUBSTANCE["a_q1"] + SUBSTANCE["a_q2"]
    as_of = dt.date(2025, 11, 26)
    ra = Report.objects.create(kind="secretary_duty", org=branches["a"], person=people.secretary_a, year=2025,
                               title="2025年度述职报告", text=text, submitted=dt.date(2025, 12, 31))
    rb = Report.objects.create(kind="secretary_duty", org=branches["b"], person=people.secretary_b, year=2025,
                               title="2025年度述职报告", text=text.replace("李红梅、张伟", "孙丽、刘洋"),
                               submitted=dt.date(2025, 12, 31))
    assert {d.key for d in copies.load_docs("report", as_of)} == {("report", ra.pk), ("report", rb.pk)}
    # …ordered as if written on the as-of date (both the same day: a tie)
    assert {d.order[0] for d in copies.load_docs("report", as_of)} == {as_of}
    # a report of a later year is not
    assert copies.load_docs("report", dt.date(2024, 12, 31)) == []
    engine.run(as_of=as_of, rule_ids=["TXT-01"])
    assert set(Finding.objects.filter(rule_id="TXT-01", subject_kind="report").values_list("subject_id", flat=True)) \
        == {ra.pk, rb.pk}


def test_members_copying_each_others_self_check_material_are_flagged(branches, people):
    from dangjian.orglife.models import Meeting, SelfCheck
    from django.utils import timezone

    text = ("对照党章党规，我在理论学习方面还存在不足。" + SUBSTANCE["a_q2"] + "今后我将在每周二的集中学习中带头发言，"
            "年内读完三本理论书籍并写出读书笔记。")
    m = Meeting.objects.create(org=branches["a"], type="org_life", date=dt.date(2025, 1, 20), topic="组织生活会",
                               minutes=minutes("2025年1月20日", "三楼", "王建国", 12, 11, "李红梅", "会议开展批评与自我批评。"))
    now = timezone.now()
    s1 = SelfCheck.objects.create(meeting=m, person=people.secretary_a, text=text, submitted_at=now)
    s2 = SelfCheck.objects.create(meeting=m, person=people.member_a, text=text.replace("三本", "两本"), submitted_at=now)
    txt01()
    found = Finding.objects.filter(rule_id="TXT-01", subject_kind="selfcheck")
    assert {f.subject_id for f in found} == {s1.pk, s2.pk}
    assert all(f.org_id == branches["a"].pk and "对照检查材料" in f.message for f in found)
    # Each member writes their own: the other text is another member's, not "本组织"'s.
    assert all("与本组织其他党员同日" in f.message for f in found)
