"""TXT-01 after the review, in the personas' terms: an incremental run on A's minutes leaves B's copied report
flagged; the dashboards follow a finding of B that A's change resolved; two same-day texts are each judged by
their own share; a running year's DJX report keeps its message from day to day; a semantic finding is shown by its
cosine; independent minutes quoting the same circular are not copies; the other branch's text is not described to
an outsider."""
import datetime as dt
import re

import numpy as np
import pytest

from dangjian.assessment.models import Report
from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.textquality import copies

from .samples import COPIED_B, SUBSTANCE, minutes
from .test_copies import AS_OF, base, branches, meeting, txt01  # noqa: F401
from .test_copies_runs import OWN_A

REPORT_C = ("本人任职以来，牵头完成了政务服务窗口一次告知清单改革，全年受理道路运输许可事项一千二百余件，按时办结率达到百分之百。"
            "针对企业反映的材料重复提交问题，组织窗口党员逐项梳理申报材料并在门户网站公开，平均办理时限压缩到三个工作日以内。"
            "存在的不足是调查研究不够深入，对基层站所的指导偏少，下一步将每月到两个站所蹲点调研并形成问题清单。")
REPORT_B = REPORT_C.replace("两个站所", "三个站所")


def report(org, day, text):
    return Report.objects.create(kind=Report._meta.get_field("kind").choices[0][0], org=org, year=day.year,
                                 title="述职报告", text=text, submitted=day)


def state(kind, pk):
    return Finding.objects.get(rule_id="TXT-01", subject_kind=kind, subject_id=pk).state


def test_an_incremental_run_on_as_minutes_keeps_bs_copied_report_flagged(base, branches):
    # B's report copies C's; B's minutes copy A's. A's change widens the run to B (for B's minutes): B's report
    # finding is B's too and must not be resolved for want of a hit.
    report(branches["c"], dt.date(2025, 3, 1), REPORT_C)
    rb = report(branches["b"], dt.date(2025, 6, 1), REPORT_B)
    mb = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    assert state("report", rb.pk) == state("meeting", mb.pk) == FindingState.OPEN
    engine.run(as_of=AS_OF, org_ids=[branches["a"].pk], rule_ids=["TXT-01"])
    assert state("meeting", mb.pk) == FindingState.OPEN
    assert state("report", rb.pk) == FindingState.OPEN


def test_the_widened_orgs_are_read_in_one_query_without_the_whole_evidence(base, branches,
                                                                             django_assert_num_queries):
    mb = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    report(branches["c"], dt.date(2025, 3, 1), REPORT_C)
    report(branches["b"], dt.date(2025, 6, 1), REPORT_B)
    txt01()
    base["a_q1"].delete()       # the source of B's finding is gone: B's finding is reached
    ctx = engine.Context(as_of=AS_OF, settings=engine.effective_settings(),
                         org_ids=frozenset({branches["a"].pk}))
    corpora = {k: copies.corpus_for(k, AS_OF, ctx.settings) for k in copies.KINDS}
    pairs = {k: copies.find(k, AS_OF, ctx.settings, ctx.org_ids, corpus=corpora[k]) for k in copies.KINDS}
    with django_assert_num_queries(1) as captured:
        extra = copies._widened(ctx, corpora, pairs)
    assert extra == {branches["b"].pk}
    sql = captured.captured_queries[0]["sql"]
    # (the evidence's source only, not the whole column)
    assert 'AS "evidence__source"' in sql
    assert not re.search(r'(SELECT|,)\s*"core_finding"\."evidence"\s*(,|FROM)', sql)
    assert Finding.objects.get(subject_id=mb.pk, subject_kind="meeting").state == FindingState.OPEN


def test_the_dashboards_follow_a_finding_the_widened_run_resolved(base, branches):
    from dangjian.dashboards import rollups
    from dangjian.dashboards.models import Snapshot

    mb = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    rollups.rebuild(AS_OF)
    before = Snapshot.objects.get(org=branches["b"]).findings_warn
    a_q1 = base["a_q1"]
    a_q1.minutes = minutes("2025年1月8日", "机关三楼会议室", "王建国", 12, 11, "李红梅", OWN_A)
    a_q1.save()
    engine.run(as_of=AS_OF, org_ids=[branches["a"].pk], rule_ids=["TXT-01"])
    assert state("meeting", mb.pk) == FindingState.RESOLVED
    assert Snapshot.objects.get(org=branches["b"]).findings_warn == before - 1


EXTRA = ("会议还研究了站区环境卫生整治，决定每周五下午组织党员志愿者清理候车室周边的小广告，并与城管中队建立联系。"
         "会议讨论了新进站务员的岗前培训方案，由支部委员黄磊牵头编写服务规范手册，十月底前印发到各班组。"
         "会议通报了上月群众满意度测评结果，售票窗口得分偏低，决定增加高峰时段临时窗口两个。")


@pytest.mark.parametrize("long_first", [True, False])
def test_two_same_day_minutes_are_each_judged_by_their_own_share(base, branches, long_first):
    # B's short minutes are all in C's long ones of the same day: B's are a copy whichever was entered first; C's,
    # mostly its own business, are not — whatever the order the two were entered in.
    day = dt.date(2025, 5, 6)
    made = []
    for org, substance, chair, recorder in ([(branches["c"], SUBSTANCE["b_q1"] + EXTRA, "陈静", "马超"),
                                             (branches["b"], SUBSTANCE["b_q1"], "赵志强", "孙丽")][::1 if long_first
                                                                                                else -1]):
        made.append(meeting(org, day, substance, chair=chair, recorder=recorder))
    short = next(m for m in made if m.org_id == branches["b"].pk)
    txt01(txt01_jaccard=0.3)
    opened = Finding.objects.filter(rule_id="TXT-01", state=FindingState.OPEN)
    assert {f.subject_id for f in opened} == {short.pk}
    f = opened.get()
    assert f.evidence["same_day"] is True and f.evidence["share"] >= 0.5 and "同日" in f.message


def test_a_running_years_djx_report_keeps_its_date_and_message(base, branches):
    dec31 = dt.date(2025, 12, 31)
    report(branches["c"], dt.date(2025, 3, 1), REPORT_C)
    rb = report(branches["b"], dec31, REPORT_B)
    rd = report(branches["d"], dec31, REPORT_B.replace("本人任职以来", "本人到任以来"))
    seen = []
    for day in (dt.date(2025, 11, 20), dt.date(2025, 11, 21)):
        engine.run(as_of=day, rule_ids=["TXT-01"])
        seen.append({f.subject_id: (f.message, f.evidence["source_date"])
                     for f in Finding.objects.filter(rule_id="TXT-01", subject_kind="report", state="open")})
    assert seen[0] == seen[1]
    assert set(seen[0]) == {rb.pk, rd.pk}
    # B and D are both the running year's DJX reports (tied, by the as-of date): the real date is stored and shown
    msg, source_date = seen[0][rb.pk]
    assert "2025-11-20" not in msg and "2025-11-21" not in msg
    assert "2025年度" in msg or "2025-03-01" in msg
    assert source_date in ("2025-12-31", "2025-03-01")


class _Embedder:
    name = "fake-review"
    dim = 8

    def embed(self, texts):
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, 0 if "养护" in t else (abs(hash(t)) % 7) + 1] = 1
        return out


def test_a_semantic_finding_is_shown_by_its_cosine(base, branches, users, client_as, monkeypatch):
    from dangjian.textquality import semantic

    monkeypatch.setattr(semantic, "get_embedder", lambda: _Embedder())
    meeting(branches["b"], dt.date(2025, 2, 1), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    reworded = ("支部围绕国道冬季积雪清理和道路畅通开展研究，党员突击队被分成三组昼夜轮班，保证干线雪停路通。大家谈到"
                "养护用的机器年头久、故障多，议定请示局里添置新的清雪车辆两部，二月结束以前赵志强负责把培训搞完，"
                "三位新来的司机要过实际操作这一关。")
    mc = meeting(branches["c"], dt.date(2025, 6, 1), reworded, chair="陈静", recorder="马超")
    txt01()
    f = Finding.objects.get(rule_id="TXT-01", subject_id=mc.pk)
    assert f.evidence["cosine"] > 0.9
    html = client_as(users.committee_admin).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="no-copy"' not in html
    assert "语义相似度" in html and "实质内容与" not in html.split('id="similarity"')[1].split("</p>")[0]


CIRCULAR = ("会议传达了市交通运输局关于做好今冬明春道路运输安全生产工作的通知。通知要求各单位在十二月底前完成对客运站、"
            "危险货物运输企业的拉网式隐患排查，建立问题清单和整改台账。对排查发现的重大隐患实行挂牌督办，整改不到位的一律"
            "停业整顿。各单位主要负责人是安全生产第一责任人，要带队检查不少于两次并签字背书。节假日期间实行领导带班和"
            "二十四小时值班制度，值班人员必须坚守岗位、保持通信畅通。发生险情时要在半小时内向市局应急值班室报告，"
            "不得迟报、漏报、瞒报。")


def test_minutes_quoting_the_same_circular_with_their_own_business_are_not_copies(tree, branches):
    from dangjian.orgs.actions import do_create_org

    e = do_create_org(name="第五党支部", type="branch", parent=tree.committee, unit=tree.unit)
    orgs = [branches["a"], branches["b"], branches["c"], branches["d"], e]
    # (each branch's own business: at least txt01_min_chars of substance nobody else writes)
    own = [SUBSTANCE[k][:100] for k in ("a_q1", "a_q2", "b_q1", "c_q1", "d_q1")]
    for i, (org, body) in enumerate(zip(orgs, own)):
        meeting(org, dt.date(2025, 12, 1 + i), CIRCULAR + body)
    txt01()
    assert not Finding.objects.filter(rule_id="TXT-01", state=FindingState.OPEN).exists()
    # the same five minutes with B's own business taken from A's are a copy
    Finding.objects.all().delete()
    from dangjian.orglife.models import Meeting

    mb = Meeting.objects.get(org=branches["b"])
    mb.minutes = minutes(f"{mb.date:%Y年%-m月%-d日}", "机关三楼会议室", "王建国", 12, 11, "李红梅",
                         CIRCULAR + SUBSTANCE["a_q1"])
    mb.save()
    txt01()
    assert {f.subject_id for f in Finding.objects.filter(rule_id="TXT-01", state=FindingState.OPEN)} == {mb.pk}


def test_an_outsider_is_not_told_whether_the_other_branchs_text_changed(base, branches, users, client_as):
    mb = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    f = Finding.objects.get(rule_id="TXT-01", subject_id=mb.pk)
    a_q1 = base["a_q1"]
    a_q1.minutes = minutes("2025年1月8日", "机关三楼会议室", "王建国", 12, 11, "李红梅", SUBSTANCE["a_q2"])
    a_q1.save()
    html = client_as(users.secretary_b).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="source-hidden"' in html and 'id="text-changed"' not in html and 'id="no-copy"' not in html
    a_q1.delete()
    html = client_as(users.secretary_b).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="source-hidden"' in html and 'id="source-deleted"' not in html and "已被删除" not in html
    # the committee's administrator, who may see A's minutes, is told
    html = client_as(users.committee_admin).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="source-deleted"' in html
