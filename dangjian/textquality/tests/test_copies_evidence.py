"""雷同对照 from the evidence stored at run time: the committee's administrator opens the TXT-01 finding on B's
minutes; the page loads B's and A's minutes by pk and aligns only them — it neither reads the other branches'
minutes nor judges the corpus again. When A's minutes were rewritten or deleted after the run, the page says so."""
import datetime as dt

import pytest

from dangjian.core.models import Finding
from dangjian.textquality import copies

from .samples import COPIED_B, SUBSTANCE, minutes
from .test_copies import base, branches, meeting, txt01  # noqa: F401


@pytest.fixture
def copied(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    return Finding.objects.get(rule_id="TXT-01", subject_id=b.pk), b


def test_the_run_stores_what_the_finding_rests_on(copied, base):
    f, b = copied
    ev = f.evidence
    assert ev["source"] == ["meeting", base["a_q1"].pk] and ev["source_date"] == "2025-01-08"
    assert 0.5 < ev["jaccard"] < 1 and 0.5 < ev["share"] <= 1 and ev["same_day"] is False
    # the sentences discounted in each text: the headers and the stock sentences, not B's substance
    assert "会议时间:" in ev["boilerplate"]["subject"] and "主持人:" in ev["boilerplate"]["source"]
    assert any(k.startswith("会议号召") for k in ev["boilerplate"]["subject"])
    assert not any("党员先锋岗" in k for k in ev["boilerplate"]["subject"])


def test_the_page_aligns_the_two_stored_texts_without_judging_the_corpus(copied, users, client_as, monkeypatch,
                                                                          django_assert_max_num_queries):
    f, b = copied

    def no_corpus(*args, **kwargs):
        raise AssertionError("the evidence page must not load the corpus")

    monkeypatch.setattr(copies, "load_docs", no_corpus)
    client = client_as(users.committee_admin)
    with django_assert_max_num_queries(12):
        html = client.get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="text-later"' in html and 'id="text-earlier"' in html and "<mark>" in html
    assert 'id="text-changed"' not in html and 'id="source-deleted"' not in html and 'id="no-copy"' not in html
    assert "<mark>会议号召" not in html and 'boilerplate"' in html


def test_a_source_rewritten_after_the_run_is_said_so(copied, base, users, client_as):
    f, b = copied
    a_q1 = base["a_q1"]
    a_q1.minutes = minutes("2025年1月8日", "机关三楼会议室", "王建国", 12, 11, "李红梅", SUBSTANCE["a_q2"])
    a_q1.save()
    html = client_as(users.committee_admin).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="text-changed"' in html and "原文在预警生成后已修改" in html
    assert 'id="no-copy"' in html


def test_a_source_deleted_after_the_run_is_said_so(copied, base, users, client_as):
    f, b = copied
    base["a_q1"].delete()
    # (told to whoever may see A's minutes; B's secretary is not told about A's: test_copies_review)
    html = client_as(users.committee_admin).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="source-deleted"' in html and "已被删除" in html and "2025-01-08" in html
    assert 'id="text-later"' in html and 'id="text-earlier"' not in html


def test_a_finding_stored_before_evidence_was_kept_says_it_will_come(copied, users, client_as):
    f, b = copied
    Finding.objects.filter(pk=f.pk).update(evidence={})
    html = client_as(users.secretary_b).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="no-evidence"' in html
    # and the next run stores it
    txt01()
    assert Finding.objects.get(pk=f.pk).evidence["source"][0] == "meeting"
