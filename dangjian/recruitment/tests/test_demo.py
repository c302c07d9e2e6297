"""The demo's 发展党员纪实: files at every stage, whose dates keep the 细则's limits, and the planted
mistakes — and only those — as DEV findings."""
import datetime as dt

import pytest

from dangjian.core.models import Finding
from dangjian.demo import loader
from dangjian.recruitment.models import RecruitmentFile

AS_OF = dt.date(2025, 11, 20)


@pytest.mark.django_db
def test_the_demo_has_files_at_every_stage_and_only_the_planted_mistakes():
    result = loader.load("small", seed=7, as_of=AS_OF)
    stats = result.recruitment
    assert set(stats.files) >= {"applicant", "activist", "candidate", "probationary"}, stats.files
    assert RecruitmentFile.objects.count() == sum(stats.files.values()) > 0
    # Two files were stopped (停止培养): closed, with the reason; the people are 入党申请人 again.
    stopped = RecruitmentFile.objects.filter(closed_reason__startswith="停止培养")
    assert stats.files["stopped"] == stopped.count() == 2
    assert {f.person.status for f in stopped} == {"applicant"} and all(f.closed <= AS_OF for f in stopped)
    planted = {p.rsplit("（", 1)[-1].rstrip("）") for p in stats.problems}
    found = set(Finding.objects.filter(rule_id__startswith="DEV-", severity__in=["WARN", "BLOCK"]).values_list(
        "rule_id", flat=True))
    assert found == planted, (found, stats.problems)
