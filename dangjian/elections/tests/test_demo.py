"""The demo's elections: the planted shortfall — and nothing else — as ELEC findings."""
import datetime as dt

import pytest

from dangjian.core.models import Finding
from dangjian.demo import loader


@pytest.mark.django_db
def test_the_demo_elections_and_only_the_planted_problem():
    result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    stats = result.elections
    planted = sorted(p.rsplit("（", 1)[-1].rstrip("）") for p in stats.problems)
    found = sorted(Finding.objects.filter(rule_id__startswith="ELEC-", state="open").exclude(rule_id="ELEC-01")
                   .values_list("rule_id", flat=True))
    assert stats.elections >= 1
    assert found == planted, (found, stats.problems, stats.elections)
