"""雷同对照: B's secretary opens the TXT-01 finding on B's minutes and sees the copied spans of B's own text; A's
minutes, outside B's scope, are not shown — only that they match another org's minutes of that date. The
committee's administrator sees both side by side. A's secretary cannot open B's finding (404)."""
import datetime as dt
import re

import pytest

from dangjian.core.models import Finding

from .samples import COPIED_B, REWRITTEN_B, SUBSTANCE, minutes
from .test_copies import branches, base, meeting, txt01  # noqa: F401


@pytest.fixture
def copied(base, branches):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    txt01()
    return Finding.objects.get(rule_id="TXT-01", subject_id=b.pk), b


def test_the_committee_sees_both_texts_with_the_copied_spans_marked(copied, users, client_as):
    f, b = copied
    html = client_as(users.committee_admin).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="text-later"' in html and 'id="text-earlier"' in html
    plain = re.sub(r"</?mark>", "", html)
    assert "<mark>" in html and "东站、西站" in plain and "南站、北站" in plain
    assert "党员先锋岗" in html.split('id="text-earlier"')[1]
    # the stock sentences are shown greyed, never marked
    assert 'boilerplate"' in html and "<mark>会议号召" not in html


def test_b_sees_its_own_text_and_only_the_date_of_a_text_outside_its_scope(copied, users, client_as):
    f, b = copied
    html = client_as(users.secretary_b).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="text-later"' in html and "<mark>" in html
    assert "东站、西站" in re.sub(r"</?mark>", "", html)
    assert 'id="source-hidden"' in html and "2025-01-08" in html
    assert 'id="text-earlier"' not in html and "南站、北站" not in html and "第一党支部" not in html


def test_outside_the_scope_is_404(copied, users, client_as):
    f, _ = copied
    assert client_as(users.secretary_a).get(f"/textquality/copies/{f.pk}/").status_code == 404


def test_after_the_rewrite_the_page_says_it_no_longer_matches(copied, users, client_as):
    f, b = copied
    b.minutes = minutes("2025年3月20日", "机关三楼会议室", "赵志强", 12, 11, "孙丽", REWRITTEN_B)
    b.save()
    html = client_as(users.secretary_b).get(f"/textquality/copies/{f.pk}/").content.decode()
    assert 'id="no-copy"' in html


def test_samples_are_distinct():
    assert len(set(SUBSTANCE.values())) == len(SUBSTANCE)
