"""The demo's 责任书, tasks and 联系点: the planted problems — and only those — as DUTY findings; most due
items are evidenced by records the platform already holds."""
import datetime as dt

import pytest

from dangjian.core.models import Finding
from dangjian.demo import loader
from dangjian.duty.models import Evidence


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [dt.date(2025, 11, 20), dt.date(2025, 3, 15)])
def test_the_demo_lists_and_only_the_planted_problems(as_of):
    result = loader.load("small", seed=7, as_of=as_of)
    stats = result.duty
    assert stats.lists >= 2 and stats.tasks >= 4
    planted = sorted(p.rsplit("（", 1)[-1].rstrip("）") for p in stats.problems)
    found = sorted(Finding.objects.filter(rule_id__startswith="DUTY-", state="open").values_list("rule_id", flat=True))
    assert found == planted, (found, stats.problems)
    if as_of.month > 6:
        assert {"DUTY-01", "DUTY-02"} <= set(found)
        assert Evidence.objects.exclude(source="manual").exists()     # linked from records, not typed
