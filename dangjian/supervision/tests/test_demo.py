"""The demo's 集中督查: the planted problems — and only those — as SUP findings."""
import datetime as dt

import pytest

from dangjian.core.models import Finding
from dangjian.demo import loader


@pytest.mark.django_db
def test_the_demo_inspection_and_only_the_planted_problems():
    result = loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    stats = result.supervision
    assert stats.problems >= 4
    planted = sorted(p.rsplit("（", 1)[-1].rstrip("）") for p in stats.problems_list)
    found = sorted(Finding.objects.filter(rule_id__startswith="SUP-").values_list("rule_id", flat=True))
    assert found == planted == ["SUP-01", "SUP-02", "SUP-04", "SUP-05"], (found, stats.problems_list)
