"""The demo's 党费: every member of every branch paid month by month, and the planted problems — and only
those — as FEE findings."""
import datetime as dt

import pytest

from dangjian.core.models import Finding
from dangjian.demo import loader
from dangjian.dues.models import DuesPayment

AS_OF = dt.date(2025, 11, 20)


@pytest.mark.django_db
def test_the_demo_pays_its_dues_except_the_planted_problems():
    result = loader.load("small", seed=7, as_of=AS_OF)
    stats = result.dues
    assert stats.members > 0 and DuesPayment.objects.count() == stats.payments > stats.members * 12
    planted = {p.rsplit("（", 1)[-1].rstrip("）") for p in stats.problems}
    found = set(Finding.objects.filter(rule_id__startswith="FEE-").values_list("rule_id", flat=True))
    assert found == planted == {"FEE-02", "FEE-11", "FEE-12", "FEE-13", "FEE-16"}, (found, stats.problems)
