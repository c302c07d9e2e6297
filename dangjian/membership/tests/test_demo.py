"""The demo's 组织关系 and 学习培训: the planted problems — and only those — as REL-03 and EDU findings."""
import datetime as dt
import re
from collections import Counter

import pytest

from dangjian.core.models import Finding
from dangjian.demo import loader

AS_OF = dt.date(2025, 11, 20)


@pytest.mark.django_db
def test_the_demo_has_letters_contacts_and_study_and_only_the_planted_problems():
    result = loader.load("small", seed=7, as_of=AS_OF)
    stats = result.membership
    assert stats.study > 0
    planted = Counter()
    for p in stats.problems:
        rule = p.rsplit("（", 1)[-1].rstrip("）")
        planted[rule] += int(re.search(r"另有(\d+)名", p).group(1)) if "另有" in p else 1
    found = Counter(Finding.objects.filter(rule_id__in=["REL-03", "EDU-01", "EDU-02", "EDU-03", "EDU-04", "EDU-05"],
                                           severity__in=["WARN", "BLOCK"]).values_list("rule_id", flat=True))
    assert found == planted and set(planted) >= {"EDU-01", "EDU-02"}, (found, stats.problems)
