"""The demo's “四强”党支部: a published 工委 standard, applications in several states, named branches that have no
blocking finding, a branch its real findings stop (its page lists them), and a title revoked at re-check."""
import datetime as dt

import pytest
from django.urls import reverse

from dangjian.demo import loader
from dangjian.fourstrong import baseline
from dangjian.fourstrong.choices import TitleState
from dangjian.fourstrong.models import Application, Recheck, Standard, Title
from dangjian.orgs.models import Org


@pytest.mark.django_db
def test_the_demo_four_strong_branches(client):
    result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    stats = result.fourstrong
    assert stats is not None and stats.standard.published_at and Standard.objects.filter(published_at__isnull=False).count() == 2
    assert not stats.problems, stats.problems
    states = set(Application.objects.filter(standard=stats.standard).values_list("state", flat=True))
    # (the small demo plants a problem in nearly every branch: few are clean; the city demo has every state)
    assert {"named", "draft"} <= states, states
    valid = Title.objects.exclude(state=TitleState.REVOKED)
    assert len(stats.named) >= 2 and set(valid.values_list("org_id", flat=True)) == set(stats.named)
    named = list(Org.objects.filter(pk__in=stats.named))
    for org in named:
        assert baseline.blocking_findings(org) == [], org
    revoked = Title.objects.get(state=TitleState.REVOKED)
    assert revoked.org_id == stats.revoked and Recheck.objects.filter(title=revoked, outcome="revoked").exists()
    assert baseline.blocking_findings(revoked.org)
    # The blocked branch's page names what stands in the way.
    blocked = Org.objects.get(pk=stats.blocked)
    found = baseline.blocking_findings(blocked)
    assert found
    from conftest import _user

    client.force_login(_user("fs_demo_wc", None, [("work_committee_admin", stats.standard.jurisdiction)]))
    html = client.get(reverse("fourstrong:fsbranch", kwargs={"org_pk": blocked.pk})).content.decode()
    assert 'id="blocking"' in html and found[0].rule_id in html
    html = client.get(reverse("fourstrong:register")).content.decode()
    assert all(o.name in html for o in named)


@pytest.mark.django_db
def test_the_demo_leaves_nothing_for_a_run_dated_today_and_audits_last_years_titles(django_capture_on_commit_callbacks):
    """The demo judges at its own date: its actions schedule no engine run (which would be dated today); last
    year's titles, written directly, carry an audit event of their naming."""
    from dangjian.core import engine
    from dangjian.core.models import AuditEvent

    with django_capture_on_commit_callbacks() as callbacks:
        result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    assert engine._run_pending not in callbacks
    history = Title.objects.filter(standard=result.fourstrong.previous)
    assert history.count() == 2
    for title in history:
        assert AuditEvent.objects.filter(verb="fourstrong.decide", object_id=str(title.application_id),
                                         summary__contains="示例数据：上年度命名").exists()


@pytest.mark.django_db
def test_the_demo_enters_each_missing_talk_with_a_member_of_the_day(tree, people, django_capture_on_commit_callbacks):
    """Branch A's two members had no 谈心谈话 last year (ORGLIFE-05); its only 支部委员 is the secretary. The demo
    enters the member's talk with the secretary and the secretary's with a party member of the branch — never
    with 丁一, an applicant — and judges the talk rules again for branch A at the demo's date."""
    from conftest import _person
    from dangjian.core import engine
    from dangjian.core.models import AuditEvent, Finding
    from dangjian.demo.fourstrong import _talks_on_record
    from dangjian.orglife.models import Talk

    as_of = dt.date(2025, 11, 20)
    _person(tree.a, "丁一", status="applicant", probationary_date=None, full_member_date=None)
    engine.run(as_of=as_of, rule_ids=["ORGLIFE-05"])
    flagged = set(Finding.objects.filter(rule_id="ORGLIFE-05", state="open", org=tree.a).values_list("person_id", flat=True))
    assert flagged == {people.secretary_a.pk, people.member_a.pk}
    with django_capture_on_commit_callbacks() as callbacks:
        assert _talks_on_record([tree.a], {tree.a.pk}, as_of) == [tree.a.pk]
    assert engine._run_pending not in callbacks and not AuditEvent.objects.filter(verb="talk.record").exists()
    pairs = set(Talk.objects.values_list("a_id", "b_id", "date"))
    assert pairs == {(people.secretary_a.pk, people.member_a.pk, dt.date(2024, 11, 12)),
                     (people.member_a.pk, people.secretary_a.pk, dt.date(2024, 11, 12))}
    assert not Finding.objects.filter(rule_id="ORGLIFE-05", state="open", org=tree.a).exists()
