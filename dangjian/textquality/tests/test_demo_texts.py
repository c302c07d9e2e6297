"""The demo's minutes and reports: the planted text problems — one each of TXT-01..04 — and nothing else as text
findings. Templated minutes would show the platform's own showcase as mass copying (TXT-01), generic critiques
(TXT-02) and 主题党日 that are not party activities (TXT-04)."""
import datetime as dt
import random

import pytest

from dangjian.core.models import Finding
from dangjian.demo import catalog, loader, texts
from dangjian.textquality import judgements as J


@pytest.mark.django_db
def test_the_demo_text_findings_are_exactly_the_planted_ones():
    result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    planted = {rule: {("meeting", pk) for pk in pks} for rule, pks in result.orglife.planted_texts.items()}
    report = result.assessment.business_report
    planted["TXT-03"] = {("report", report.pk)}
    found = {rule: set(Finding.objects.filter(rule_id=rule, state="open").values_list("subject_kind", "subject_id"))
             for rule in ("TXT-01", "TXT-02", "TXT-03", "TXT-04")}
    assert found == planted, (found, planted, result.orglife.problems, result.assessment.text_problems)
    assert all(len(v) == 1 for v in found.values())
    # The copy is another branch's 党员大会 minutes with the names changed: the evidence names that branch's.
    copy = Finding.objects.get(rule_id="TXT-01", state="open")
    from dangjian.orglife.models import Meeting

    source = Meeting.objects.get(pk=copy.evidence["source"][1])
    subject = Meeting.objects.get(pk=copy.subject_id)
    assert source.type == subject.type == "member_assembly" and source.org_id != subject.org_id
    assert source.org.path[:-4] == subject.org.path[:-4] and source.date < subject.date     # siblings
    assert any("（TXT-01）" in p for p in result.orglife.problems)
    assert any("（TXT-03）" in p for p in result.assessment.text_problems)


PRESENT = [{"name": n} for n in ("王建国", "李丽", "张伟", "陈静", "刘洋")]


@pytest.mark.parametrize("topic", sorted({t for ts in catalog.THEME_DAY_BY_MONTH.values() for t in ts}
                                         | set(catalog.THEME_DAY_GENERAL)
                                         | {t for _, _, ts in catalog.THEME_DAY_CAMPAIGNS for t in ts}))
def test_every_demo_theme_day_reads_as_a_party_activity(topic):
    rng = random.Random(topic)
    for _ in range(40):
        minutes = texts.theme_day(rng, topic=topic, chair="王建国", place="党员之家", counts=(12, 10, 10, 9),
                                  excused=[("赵敏", "参加培训"), ("孙强", "出差")], present=PRESENT,
                                  org_name="市交通运输局人事科党支部")
        v = J.judge_theme_day(topic, minutes)
        assert not v.hit, (minutes, v.message())


def test_the_planted_outing_is_not_a_party_activity():
    minutes = texts.header("王建国", "城郊生态园", (12, 10, 10, 9), []) + texts.OUTING_MINUTES.format(a="李丽")
    assert J.judge_theme_day(texts.OUTING_TOPIC, minutes).hit


def test_every_step_of_a_demo_theme_day_is_party_activity_or_neutral():
    for pool in (texts.THEME_OPENINGS, texts.THEME_STEPS, texts.THEME_CLOSINGS, texts.THEME_REMARKS):
        for phrase in pool:
            part = J._theme_part(phrase.format(a="李丽", b="张伟", sec="人事科"), 1)
            assert part[1] in ("party", "neutral"), (phrase, [(m.phrase, m.kind) for m in part[2]])


def test_demo_critique_pools_judge_as_their_names_say():
    for pool, concrete in ((catalog.CRITIQUE_SELF_SUBSTANTIVE, True), (catalog.CRITIQUE_OTHER_SUBSTANTIVE, True),
                           (catalog.CRITIQUE_SELF_GENERIC, False), (catalog.CRITIQUE_OTHER_GENERIC, False)):
        for t in pool:
            for task in catalog.CRITIQUE_TASKS:
                for m, n in ((1, 2), (11, 6)):
                    text = t.format(m=m, n=n, task=task, name="王伟")
                    assert J.judge_critique(text).is_concrete is concrete, text
