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
