"""The demo's 述职评议, 党组 reports and assessment scheme: the planted problems — and only those — as
ASSESS-01 and PG-02 findings; every branch has a result computed from its records."""
import datetime as dt

import pytest

from dangjian.assessment.models import Result
from dangjian.core.models import Finding
from dangjian.demo import loader
from dangjian.orgs.models import Org


@pytest.mark.django_db
def test_the_demo_appraisals_and_only_the_planted_problems():
    result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    stats = result.assessment
    assert stats.reviews >= 2 and stats.reports >= 3
    planted = sorted(p.rsplit("（", 1)[-1].rstrip("）") for p in stats.problems)
    found = sorted(Finding.objects.filter(rule_id__in=("ASSESS-01", "PG-02"), state="open")
                   .values_list("rule_id", flat=True))
    assert found == planted and "ASSESS-01" in found, (found, stats.problems)
    branches = Org.objects.filter(type="branch", dissolved__isnull=True).count()
    assert Result.objects.filter(scheme=stats.scheme).count() == branches
    assert Result.objects.filter(scheme=stats.scheme, pending__gt=0).exists()     # the assessors still have work
